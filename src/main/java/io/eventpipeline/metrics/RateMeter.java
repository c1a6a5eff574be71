package io.eventpipeline.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Events per second over the last second and the last minute, from a ring of per-second counters. Each slot
 * carries the second it counts, so a slot left over from a minute ago is never mistaken for a recent one.
 */
public final class RateMeter {
    private static final int SLOTS = 62;

    private final AtomicLongArray counts = new AtomicLongArray(SLOTS);
    private final AtomicLongArray seconds = new AtomicLongArray(SLOTS);
    private final LongSupplier clockMillis;

    public RateMeter(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    public void mark(long n) {
        long second = clockMillis.getAsLong() / 1000;
        int slot = slotOf(second);
        long owner = seconds.get(slot);
        if (owner != second) {
            // The first to see a new second resets the slot; a racing add may be lost, which a rate tolerates.
            if (seconds.compareAndSet(slot, owner, second)) {
                counts.set(slot, 0);
            }
        }
        counts.addAndGet(slot, n);
    }

    /** Events in the last complete second. */
    public long lastSecond() {
        long previous = clockMillis.getAsLong() / 1000 - 1;
        return countAt(previous);
    }

    /** Mean events per second over the last 60 complete seconds. */
    public double lastMinute() {
        long now = clockMillis.getAsLong() / 1000;
        long total = 0;
        for (long s = now - 60; s < now; s++) {
            total += countAt(s);
        }
        return total / 60.0;
    }

    private long countAt(long second) {
        int slot = slotOf(second);
        return seconds.get(slot) == second ? counts.get(slot) : 0;
    }

    /** floorMod, not %: the windows look back before second 0 of a clock that starts there. */
    private static int slotOf(long second) {
        return (int) Math.floorMod(second, (long) SLOTS);
    }
}
