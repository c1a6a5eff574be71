package io.eventpipeline.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void admits_a_burst_of_one_second_then_refuses_with_the_seconds_to_wait() {
        RateLimiter limiter = new RateLimiter(10, now::get);
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.tryAcquire("k", 1)).isZero();
        }
        assertThat(limiter.tryAcquire("k", 1)).isEqualTo(1);
        now.addAndGet(100_000_000L); // 0.1 s refills one token
        assertThat(limiter.tryAcquire("k", 1)).isZero();
        assertThat(limiter.tryAcquire("k", 1)).isPositive();
    }

    @Test
    void keys_have_buckets_of_their_own() {
        RateLimiter limiter = new RateLimiter(1, now::get);
        assertThat(limiter.tryAcquire("a", 1)).isZero();
        assertThat(limiter.tryAcquire("a", 1)).isPositive();
        assertThat(limiter.tryAcquire("b", 1)).isZero();
    }

    @Test
    void a_batch_counts_as_its_events_and_one_larger_than_the_bucket_leaves_it_in_debt() {
        RateLimiter limiter = new RateLimiter(100, now::get);
        assertThat(limiter.tryAcquire("k", 60)).isZero();
        assertThat(limiter.tryAcquire("k", 60)).isPositive();
        now.addAndGet(1_000_000_000L); // full again
        assertThat(limiter.tryAcquire("k", 250)).isZero(); // passes on a full bucket...
        now.addAndGet(1_000_000_000L);
        assertThat(limiter.tryAcquire("k", 1)).as("...and the debt of 150 takes 1.5 s to repay").isPositive();
        now.addAndGet(600_000_000L);
        assertThat(limiter.tryAcquire("k", 1)).isZero();
    }

    @Test
    void under_many_threads_no_more_than_the_bucket_is_admitted() throws Exception {
        RateLimiter limiter = new RateLimiter(500, now::get); // the clock stands still: exactly one bucket
        AtomicInteger admitted = new AtomicInteger();
        Thread[] threads = new Thread[16];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 200; i++) {
                    if (limiter.tryAcquire("shared", 1) == 0) {
                        admitted.incrementAndGet();
                    }
                }
            });
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(admitted.get()).isEqualTo(500);
    }
}
