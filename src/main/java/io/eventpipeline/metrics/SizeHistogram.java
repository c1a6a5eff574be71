package io.eventpipeline.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * How many events each stored batch held, in fixed buckets (1, 2, 5, 10, 25, … 10000), so memory is constant. A
 * mean near 1 under load says the workers outnumber the arrivals; a mean near --batch-size says the database is
 * the bottleneck.
 */
public final class SizeHistogram {
    private static final long[] BOUNDS = {1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000};

    private final AtomicLongArray counts = new AtomicLongArray(BOUNDS.length + 1);
    private final LongAdder sum = new LongAdder();
    private final LongAccumulator max = new LongAccumulator(Math::max, 0);

    public void record(long size) {
        long v = Math.max(0, size);
        int bucket = 0;
        while (bucket < BOUNDS.length && BOUNDS[bucket] < v) {
            bucket++;
        }
        counts.incrementAndGet(bucket);
        sum.add(v);
        max.accumulate(v);
    }

    /** Upper bounds of the buckets (inclusive); the last bucket is unbounded. */
    public static long[] bucketBounds() {
        return BOUNDS.clone();
    }

    /** Per-bucket counts read once, so that count is exactly their sum. */
    public Snapshot snapshot() {
        long[] c = read(counts);
        return new Snapshot(c, Arrays.stream(c).sum(), sum.sum(), max.get());
    }

    /** Each bucket read once: a snapshot's count is the sum of these, never a separate, racing counter. */
    static long[] read(AtomicLongArray counts) {
        long[] c = new long[counts.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts.get(i);
        }
        return c;
    }

    public record Snapshot(long[] bucketCounts, long count, long sum, long max) {
        public double mean() {
            return count == 0 ? 0 : (double) sum / count;
        }
    }
}
