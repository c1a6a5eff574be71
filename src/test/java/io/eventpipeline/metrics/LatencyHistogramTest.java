package io.eventpipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.eventpipeline.metrics.LatencyHistogram.Snapshot;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
    private static final long MS = 1_000_000L;
    /** One bucket step: bounds grow by 2^(1/4). */
    private static final double STEP = Math.pow(2, 0.25);
    private static final double[] QUANTILES = {0.5, 0.9, 0.95, 0.99, 0.999, 1.0};

    @Test
    void an_empty_histogram_reports_zeros() {
        Snapshot s = new LatencyHistogram().snapshot();

        assertThat(s.count()).isZero();
        assertThat(s.sumNanos()).isZero();
        assertThat(s.maxNanos()).isZero();
        assertThat(s.meanNanos()).isZero();
        for (double q : QUANTILES) {
            assertThat(s.quantileNanos(q)).isZero();
        }
    }

    @Test
    void record_n_counts_n_samples_of_the_value() {
        LatencyHistogram h = new LatencyHistogram();

        h.record(2 * MS, 5);
        h.record(4 * MS);

        Snapshot s = h.snapshot();
        assertThat(s.count()).isEqualTo(6);
        assertThat(s.sumNanos()).isEqualTo(14 * MS);
        assertThat(s.maxNanos()).isEqualTo(4 * MS);
        assertThat(s.meanNanos()).isEqualTo(14.0 * MS / 6);
        assertThat(Arrays.stream(s.bucketCounts()).sum()).isEqualTo(6);
        assertThat(s.quantileNanos(0.5)).isEqualTo(boundAtOrAbove(2 * MS));
        assertThat(s.quantileNanos(5.0 / 6)).isEqualTo(boundAtOrAbove(2 * MS));
        assertThat(s.quantileNanos(0.9)).isEqualTo(4 * MS);
    }

    @Test
    void max_and_mean_are_exact() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 1000; v++) {
            h.record(v * MS + 7);
        }

        Snapshot s = h.snapshot();
        assertThat(s.maxNanos()).isEqualTo(1000 * MS + 7);
        assertThat(s.sumNanos()).isEqualTo(500_500 * MS + 7_000);
        assertThat(s.meanNanos()).isEqualTo(500.5 * MS + 7);
    }

    @Test
    void quantiles_of_a_uniform_distribution_are_within_one_bucket_step() {
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[1000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i + 1) * MS; // 1..1000 ms
            h.record(values[i]);
        }

        assertQuantilesWithinOneStep(h.snapshot(), values);
        assertThat(h.snapshot().quantileNanos(0.5)).isBetween(500 * MS, (long) (500 * MS * STEP));
    }

    @Test
    void quantiles_of_a_long_tailed_distribution_are_within_one_bucket_step() {
        Random random = new Random(42);
        LatencyHistogram h = new LatencyHistogram();
        long[] values = new long[20_000];
        for (int i = 0; i < values.length; i++) {
            // Log-normal around 5 ms, from about 0.1 ms to a few seconds.
            values[i] = (long) (5 * MS * Math.exp(random.nextGaussian() * 1.2));
            values[i] = Math.max(values[i], 60_000); // above the first bound, where the step guarantee holds
            h.record(values[i]);
        }

        assertQuantilesWithinOneStep(h.snapshot(), values);
    }

    @Test
    void quantiles_of_a_bimodal_distribution_land_in_the_right_mode() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(1 * MS, 900);
        h.record(1_000 * MS, 100);

        Snapshot s = h.snapshot();
        assertThat(s.quantileNanos(0.5)).isBetween(1 * MS, (long) (1 * MS * STEP));
        assertThat(s.quantileNanos(0.9)).isBetween(1 * MS, (long) (1 * MS * STEP));
        assertThat(s.quantileNanos(0.95)).isEqualTo(1_000 * MS);
        assertThat(s.quantileNanos(0.99)).isEqualTo(1_000 * MS);
        assertThat(s.meanNanos()).isCloseTo(100.9 * MS, within(1.0));
    }

    @Test
    void a_quantile_never_exceeds_the_largest_value_seen() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(3 * MS, 10);

        for (double q : QUANTILES) {
            assertThat(h.snapshot().quantileNanos(q)).isEqualTo(3 * MS);
        }
    }

    @Test
    void values_below_the_first_bound_and_negative_values_are_kept() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(-5);
        h.record(0);
        h.record(1_000);

        Snapshot s = h.snapshot();
        assertThat(s.count()).isEqualTo(3);
        assertThat(s.sumNanos()).as("a negative reading counts as 0").isEqualTo(1_000);
        assertThat(s.maxNanos()).isEqualTo(1_000);
        assertThat(s.quantileNanos(1.0)).isEqualTo(1_000);
    }

    @Test
    void values_beyond_the_last_bound_report_the_max() {
        long[] bounds = LatencyHistogram.bucketBoundsNanos();
        long huge = bounds[bounds.length - 1] * 3;
        LatencyHistogram h = new LatencyHistogram();
        h.record(huge, 10);

        Snapshot s = h.snapshot();
        assertThat(s.bucketCounts()[bounds.length]).isEqualTo(10);
        assertThat(s.quantileNanos(0.5)).isEqualTo(huge);
    }

    @Test
    void bucket_bounds_grow_by_one_step_from_50_microseconds() {
        long[] b = LatencyHistogram.bucketBoundsNanos();

        assertThat(b[0]).isEqualTo(50_000);
        for (int i = 1; i < b.length; i++) {
            assertThat((double) b[i] / b[i - 1]).isCloseTo(STEP, within(1e-3));
        }
        assertThat(b[b.length - 1]).as("the last bound covers a 20-minute outage")
                .isGreaterThan(20L * 60 * 1_000_000_000L);
    }

    @Test
    void bucket_of_puts_a_value_in_the_first_bucket_whose_bound_is_not_below_it() {
        long[] b = LatencyHistogram.bucketBoundsNanos();

        assertThat(LatencyHistogram.bucketOf(0)).isZero();
        assertThat(LatencyHistogram.bucketOf(b[0])).isZero();
        assertThat(LatencyHistogram.bucketOf(b[0] + 1)).isEqualTo(1);
        assertThat(LatencyHistogram.bucketOf(b[10])).isEqualTo(10);
        assertThat(LatencyHistogram.bucketOf(b[b.length - 1] + 1)).isEqualTo(b.length);
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(b.length);
    }

    @Test
    void a_snapshot_does_not_change_when_more_is_recorded() {
        LatencyHistogram h = new LatencyHistogram();
        h.record(MS);
        Snapshot s = h.snapshot();

        h.record(9 * MS);

        assertThat(s.count()).isEqualTo(1);
        assertThat(s.maxNanos()).isEqualTo(MS);
        assertThat(Arrays.stream(s.bucketCounts()).sum()).isEqualTo(1);
    }

    /** Nearest-rank quantiles of the values, against the histogram's: never below, at most one step above. */
    private static void assertQuantilesWithinOneStep(Snapshot s, long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (double q : QUANTILES) {
            long truth = sorted[(int) Math.max(0, Math.ceil(q * sorted.length) - 1)];
            assertThat(s.quantileNanos(q)).as("q=%s, true value %d ns", q, truth)
                    .isBetween(truth, (long) Math.ceil(truth * STEP) + 1);
        }
    }

    private static long boundAtOrAbove(long v) {
        return Arrays.stream(LatencyHistogram.bucketBoundsNanos()).filter(b -> b >= v).findFirst().orElseThrow();
    }
}
