package io.eventpipeline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
    void a_batch_counts_as_its_events_all_or_none_and_one_larger_than_the_bucket_never_passes() {
        RateLimiter limiter = new RateLimiter(100, now::get);
        assertThat(limiter.burst()).isEqualTo(100);
        assertThat(limiter.tryAcquire("k", 60)).isZero();
        assertThat(limiter.tryAcquire("k", 60)).as("40 left: none of the 60 is taken").isEqualTo(1);
        assertThat(limiter.tryAcquire("k", 40)).isZero();
        now.addAndGet(1_000_000_000L); // full again
        assertThatThrownBy(() -> limiter.tryAcquire("k", 101)).isInstanceOf(IllegalArgumentException.class);
        assertThat(limiter.tryAcquire("k", 100)).as("the refused batch took nothing").isZero();
    }

    @Test
    void a_full_bucket_emptied_by_one_batch_asks_only_for_the_time_an_empty_bucket_needs() {
        RateLimiter limiter = new RateLimiter(5, now::get);
        assertThat(limiter.burst()).isEqualTo(5);
        assertThat(limiter.tryAcquire("k", 5)).isZero();
        assertThat(limiter.tryAcquire("k", 1)).as("one event, one fifth of a second").isEqualTo(1);
        assertThat(limiter.tryAcquire("k", 5)).as("five events, one second").isEqualTo(1);
        assertAdmittedOnlyAfter(limiter, 5, 1_000_000_000L);
    }

    @Test
    void retry_after_is_the_ceiling_of_the_seconds_until_the_bucket_holds_the_batch() {
        RateLimiter limiter = new RateLimiter(2.5, now::get); // a bucket of 2 whole events, one every 0.4 s
        assertThat(limiter.burst()).isEqualTo(2);
        assertThat(limiter.tryAcquire("k", 2)).isZero();
        now.addAndGet(100_000_000L);
        assertThat(limiter.tryAcquire("k", 2)).as("0.7 s to go").isEqualTo(1);
        now.addAndGet(700_000_000L);
        assertThat(limiter.tryAcquire("k", 2)).isZero();

        RateLimiter slow = new RateLimiter(0.3, now::get); // one event every 3.33 s
        assertThat(slow.burst()).isEqualTo(1);
        assertThat(slow.tryAcquire("k", 1)).isZero();
        assertThat(slow.tryAcquire("k", 1)).isEqualTo(4);
        assertAdmittedOnlyAfter(slow, 1, 3_333_333_334L); // the first whole nanosecond past 10/3 s
    }

    /** Refused a nanosecond before {@code nanos} from now (and told to come back within a second), admitted at it. */
    private void assertAdmittedOnlyAfter(RateLimiter limiter, int events, long nanos) {
        now.addAndGet(nanos - 1);
        assertThat(limiter.tryAcquire("k", events)).as("a nanosecond short").isEqualTo(1);
        now.addAndGet(1);
        assertThat(limiter.tryAcquire("k", events)).isZero();
    }

    @Test
    void tokens_given_back_restore_the_bucket_but_never_beyond_full() {
        RateLimiter limiter = new RateLimiter(10, now::get);
        assertThat(limiter.tryAcquire("k", 8)).isZero();
        limiter.release("k", 8); // refused by a full queue after all
        assertThat(limiter.tryAcquire("k", 10)).as("as though never taken").isZero();
        now.addAndGet(500_000_000L); // 5 back
        assertThat(limiter.tryAcquire("k", 4)).isZero();
        now.addAndGet(10_000_000_000L); // full again, long since
        limiter.release("k", 4);
        assertThat(limiter.tryAcquire("k", 10)).isZero();
        assertThat(limiter.tryAcquire("k", 1)).as("the give-back did not overfill the bucket").isEqualTo(1);
    }

    @Test
    void a_rate_below_one_event_a_second_still_admits_one_event_at_a_time() {
        RateLimiter limiter = new RateLimiter(0.5, now::get);
        assertThat(limiter.burst()).isEqualTo(1);
        assertThat(limiter.tryAcquire("k", 1)).isZero();
        assertThat(limiter.tryAcquire("k", 1)).isEqualTo(2);
        assertThatThrownBy(() -> limiter.tryAcquire("k", 2)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The two promises, over random batch sizes, gaps and rates with a hand-driven clock: in every window between
     * two admissions no more than {@code rate × t + burst} events pass (checked in exact decimals), and a refused
     * batch is told to wait no longer than an empty bucket needs to refill it, and waiting that long is enough.
     */
    @Test
    void no_window_admits_more_than_rate_times_its_length_plus_the_burst_and_no_wait_outlasts_an_empty_bucket() {
        double[] rates = {5, 1, 3, 7, 1000, 2.5, 0.5, 0.25, 12.75, 0.3, 2.2, 333.3};
        for (double rate : rates) {
            for (long seed = 1; seed <= 10; seed++) {
                checkRandomRun(rate, new Random(seed * 7919 + Double.hashCode(rate)));
            }
        }
    }

    private void checkRandomRun(double rate, Random random) {
        AtomicLong clock = new AtomicLong(random.nextLong() >> 8); // any origin, as System.nanoTime
        RateLimiter limiter = new RateLimiter(rate, clock::get);
        int burst = limiter.burst();
        assertThat(burst).isEqualTo((int) Math.max(1, Math.floor(rate)));
        BigDecimal exactRate = new BigDecimal(rate); // the double itself, every digit
        long oneEvent = (long) Math.ceil(1e9 / rate);
        List<long[]> admitted = new ArrayList<>(); // {time, events}
        for (int i = 0; i < 300; i++) {
            long gap = switch (random.nextInt(4)) {
                case 0 -> 0; // another request at the same instant
                case 1 -> random.nextLong(oneEvent + 1);
                case 2 -> random.nextLong(burst * oneEvent + 1);
                default -> random.nextLong(3 * burst * oneEvent + 1);
            };
            clock.addAndGet(gap);
            int n = 1 + random.nextInt(burst);
            long wait = limiter.tryAcquire("k", n);
            if (wait == 0) {
                admitted.add(new long[] {clock.get(), n});
                continue;
            }
            long emptyBucket = BigDecimal.valueOf(n).divide(exactRate, 0, RoundingMode.CEILING).longValueExact();
            assertThat(wait).as("rate %s, %d events", rate, n).isBetween(1L, emptyBucket);
            if (random.nextBoolean()) {
                clock.addAndGet(wait * 1_000_000_000L);
                assertThat(limiter.tryAcquire("k", n)).as("rate %s, %d events after %ds", rate, n, wait).isZero();
                admitted.add(new long[] {clock.get(), n});
            }
        }
        assertThat(admitted).isNotEmpty();
        for (int from = 0; from < admitted.size(); from++) {
            long events = 0;
            for (int to = from; to < admitted.size(); to++) {
                events += admitted.get(to)[1];
                long windowNanos = admitted.get(to)[0] - admitted.get(from)[0];
                if (events * 1e9 < rate * windowNanos + burst * 1e9 - 1e6) {
                    continue; // clear of the bound by far more than a double's error: no need for exact digits
                }
                BigDecimal bound = exactRate.multiply(BigDecimal.valueOf(windowNanos))
                        .add(BigDecimal.valueOf(burst * 1_000_000_000L));
                assertThat(BigDecimal.valueOf(events * 1_000_000_000L)).as("rate %s: %d events in %d ns", rate,
                        events, windowNanos).isLessThanOrEqualTo(bound);
            }
        }
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
