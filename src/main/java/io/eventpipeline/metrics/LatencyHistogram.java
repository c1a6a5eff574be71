package io.eventpipeline.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Fixed-bucket latency histogram: memory is constant however many samples it takes. Bucket bounds grow by about
 * 19% (four per doubling) from 50 microseconds to over an hour, so a percentile is off by at most that step.
 */
public final class LatencyHistogram {
    private static final long FIRST_BOUND_NANOS = 50_000L;
    private static final double GROWTH = Math.pow(2, 0.25);
    private static final long[] BOUNDS = bounds();

    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS.length + 1);
    private final LongAdder sumNanos = new LongAdder();
    private final LongAccumulator maxNanos = new LongAccumulator(Math::max, 0);

    private static long[] bounds() {
        long[] b = new long[100];
        double bound = FIRST_BOUND_NANOS;
        for (int i = 0; i < b.length; i++) {
            b[i] = Math.round(bound);
            bound *= GROWTH;
        }
        return b;
    }

    public void record(long nanos) {
        record(nanos, 1);
    }

    /** Records {@code n} samples of the same value: a stored batch shares one clock reading. */
    public void record(long nanos, int n) {
        long v = Math.max(0, nanos);
        counts.addAndGet(bucketOf(v), n);
        sumNanos.add(v * n);
        maxNanos.accumulate(v);
    }

    static int bucketOf(long nanos) {
        int lo = 0;
        int hi = BOUNDS.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (BOUNDS[mid] < nanos) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** A consistent-enough view for reporting; concurrent records may land between the reads. */
    public Snapshot snapshot() {
        long[] c = SizeHistogram.read(counts);
        return new Snapshot(c, Arrays.stream(c).sum(), sumNanos.sum(), maxNanos.get());
    }

    /** Upper bounds of the buckets in nanoseconds (the last bucket is unbounded). */
    public static long[] bucketBoundsNanos() {
        return BOUNDS.clone();
    }

    public record Snapshot(long[] bucketCounts, long count, long sumNanos, long maxNanos) {
        /** The upper bound of the bucket that holds the q-quantile, capped at the largest value seen. */
        public long quantileNanos(double q) {
            if (count == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * count);
            long seen = 0;
            for (int i = 0; i < bucketCounts.length; i++) {
                seen += bucketCounts[i];
                if (seen >= rank && seen > 0) {
                    return i < BOUNDS.length ? Math.min(BOUNDS[i], maxNanos) : maxNanos;
                }
            }
            return maxNanos;
        }

        public double meanNanos() {
            return count == 0 ? 0 : (double) sumNanos / count;
        }
    }
}
