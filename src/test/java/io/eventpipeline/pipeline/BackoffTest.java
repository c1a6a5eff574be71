package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackoffTest {
    private static final int SAMPLES = 500;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    @Test
    void delay_is_between_half_and_all_of_the_capped_exponential() {
        for (int attempt = 1; attempt <= 40; attempt++) {
            long full = Math.min(10_000, 100L << Math.min(attempt - 1, 30));
            for (int i = 0; i < SAMPLES; i++) {
                assertThat(backoff.delayMillis(attempt)).as("attempt %d", attempt).isBetween(full / 2, full);
            }
        }
    }

    @Test
    void doubles_until_the_cap() {
        assertThat(rangeOf(1)).containsExactly(50L, 100L);
        assertThat(rangeOf(2)).containsExactly(100L, 200L);
        assertThat(rangeOf(5)).containsExactly(800L, 1600L);
        assertThat(rangeOf(7)).containsExactly(3200L, 6400L);
        assertThat(rangeOf(8)).as("12800 capped").containsExactly(5000L, 10_000L);
    }

    @ParameterizedTest
    @ValueSource(ints = {21, 22, 63, 64, 65, 1000, Integer.MAX_VALUE})
    void never_exceeds_the_cap_however_many_attempts(int attempt) {
        for (int i = 0; i < SAMPLES; i++) {
            assertThat(backoff.delayMillis(attempt)).isBetween(5_000L, 10_000L);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -1000})
    void treats_a_non_positive_attempt_as_the_first(int attempt) {
        for (int i = 0; i < SAMPLES; i++) {
            assertThat(backoff.delayMillis(attempt)).isBetween(50L, 100L);
        }
    }

    @Test
    void a_cap_below_the_base_wins() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofMillis(200));

        for (int i = 0; i < SAMPLES; i++) {
            assertThat(b.delayMillis(1)).isBetween(100L, 200L);
        }
    }

    @Test
    void a_huge_base_does_not_overflow_past_the_cap() {
        Backoff b = new Backoff(Duration.ofMillis(Long.MAX_VALUE / 4), Duration.ofMinutes(1));

        for (int attempt : new int[] {1, 2, 3, 10, 1000}) {
            assertThat(b.delayMillis(attempt)).isBetween(30_000L, 60_000L);
        }
    }

    /** The smallest and largest delays over many samples, which must lie within [full/2, full]. */
    private long[] rangeOf(int attempt) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < SAMPLES; i++) {
            long d = backoff.delayMillis(attempt);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        long full = Math.min(10_000, 100L << (attempt - 1));
        assertThat(min).isGreaterThanOrEqualTo(full / 2);
        assertThat(max).isLessThanOrEqualTo(full);
        return new long[] {full / 2, full};
    }
}
