package io.eventpipeline.bench;

import java.util.Arrays;

/** Exact percentiles of a bounded set of latency samples, by sorting them; in milliseconds. */
record Percentiles(long count, double p50Ms, double p99Ms, double p999Ms, double maxMs) {

    static Percentiles of(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        if (sorted.length == 0) {
            return new Percentiles(0, 0, 0, 0, 0);
        }
        return new Percentiles(sorted.length, ms(at(sorted, 0.50)), ms(at(sorted, 0.99)), ms(at(sorted, 0.999)),
                ms(sorted[sorted.length - 1]));
    }

    /** The nearest-rank percentile: the smallest sample that at least {@code q} of the samples do not exceed. */
    private static long at(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }
}
