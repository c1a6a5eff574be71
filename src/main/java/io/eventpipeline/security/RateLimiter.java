package io.eventpipeline.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Per-key token buckets: {@code rate} events per second, bursts of up to one second's worth (whole events, at
 * least one). A batch takes as many tokens as it has events, all or none, so no key is admitted more than
 * {@code rate × t + burst} events in any window of {@code t} seconds. A bucket never goes below empty: what was
 * admitted never makes a later request wait longer than an empty bucket would.
 *
 * <p>Tokens are counted in whole billionths of an event, so that a bucket refills {@code rate} of them each
 * nanosecond. Refills round down and waits round up, exactly (a fused multiply-add checks each rounded product),
 * so rounding never favours the client; up to some millions of events a second every quantity is exact.
 */
public final class RateLimiter {
    /** Units of a token: a rate of r events per second refills r units per nanosecond. */
    private static final long UNITS_PER_EVENT = 1_000_000_000L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Keeps a full bucket (the rate's whole events, in units) within a long. */
    private static final double MAX_RATE = 1e9;
    /** The longest step refilled at once: up to 2^53 a long converts to a double exactly. */
    private static final long MAX_EXACT = 1L << 53;

    private final double rate;
    private final int burst;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * @param eventsPerSecond above 0 and below 1e9 ({@code --rate-limit})
     * @param nanoClock       monotonic nanoseconds, {@link System#nanoTime} in service
     * @throws IllegalArgumentException for a rate out of range
     */
    public RateLimiter(double eventsPerSecond, LongSupplier nanoClock) {
        if (!(eventsPerSecond > 0 && eventsPerSecond < MAX_RATE)) {
            throw new IllegalArgumentException("--rate-limit must be above 0 and below 1e9 events per second, got "
                    + eventsPerSecond);
        }
        this.rate = eventsPerSecond;
        this.burst = (int) Math.max(1, Math.floor(eventsPerSecond));
        this.nanoClock = nanoClock;
    }

    /** Events per second per key, as configured. */
    public double rate() {
        return rate;
    }

    /** The size of a full bucket: the most events one request may ever have admitted at once. */
    public int burst() {
        return burst;
    }

    /**
     * Takes {@code n} tokens from the key's bucket if it holds them, in one step under the bucket's lock.
     *
     * @return 0 when taken; else nothing is taken, and the whole seconds (at least 1) until the bucket holds
     *         {@code n}, should no one else take from it meanwhile (for {@code Retry-After})
     * @throws IllegalArgumentException when {@code n} is below 1 or above {@link #burst()}: such a request can
     *         never pass, and the caller answers it otherwise
     */
    public long tryAcquire(String key, int n) {
        if (n < 1 || n > burst) {
            throw new IllegalArgumentException("a request of " + n + " events, the bucket holds " + burst);
        }
        return bucket(key).take(n * UNITS_PER_EVENT);
    }

    /**
     * Puts back {@code n} tokens taken by {@link #tryAcquire} for events that were then refused all the same
     * (a full queue): the key is charged only for what was admitted. The bucket stays no fuller than it would
     * be had they never been taken.
     */
    public void release(String key, int n) {
        if (n < 1 || n > burst) {
            throw new IllegalArgumentException("a release of " + n + " events, the bucket holds " + burst);
        }
        bucket(key).give(n * UNITS_PER_EVENT);
    }

    private Bucket bucket(String key) {
        return buckets.computeIfAbsent(key, k -> new Bucket(nanoClock.getAsLong()));
    }

    /**
     * One key's bucket. It holds {@code base} units plus what the time since {@code since} has refilled, up to
     * {@code capacity}. {@code since} moves on when tokens are taken or the bucket is full, never when a request
     * is refused, so a refusal drops no fraction of a unit and its {@code Retry-After} holds to the nanosecond.
     */
    private final class Bucket {
        private final ReentrantLock lock = new ReentrantLock();
        private final long capacity = burst * UNITS_PER_EVENT;
        private long base = capacity;
        private long since;

        Bucket(long now) {
            this.since = now;
        }

        long take(long units) {
            lock.lock();
            try {
                long now = nanoClock.getAsLong(); // under the lock: requests meet the clock in order
                long level = level(now);
                if (level >= units) {
                    base = level - units; // drops under a billionth of an event, in the limit's favour
                    since = now;
                    return 0;
                }
                long readyAt = since + nanosToRefill(units - base);
                return Math.max(1, Math.ceilDiv(readyAt - now, NANOS_PER_SECOND));
            } finally {
                lock.unlock();
            }
        }

        void give(long units) {
            lock.lock();
            try {
                long level = level(nanoClock.getAsLong()); // first: it may move base
                base += Math.min(units, capacity - level);
            } finally {
                lock.unlock();
            }
        }

        /** The units held at {@code now}: {@code base} and the whole units refilled since, at most full. */
        private long level(long now) {
            while (now - since > MAX_EXACT) { // a rate under one event in a hundred days, left idle that long
                base += Math.min(refilled(MAX_EXACT), capacity - base);
                since += MAX_EXACT;
            }
            long elapsed = now - since;
            if (elapsed <= 0) {
                return base;
            }
            long level = base + Math.min(refilled(elapsed), capacity - base);
            if (level == capacity) {
                base = capacity;
                since = now;
            }
            return level;
        }

        /** The whole units {@code nanos} (at most 2^53) refill, rounded down, exactly; past a full bucket, any more. */
        private long refilled(long nanos) {
            double product = nanos * rate;
            if (product > capacity) {
                return capacity + 1; // keeps the cast within a long
            }
            long units = (long) product;
            return Math.fma(nanos, rate, -units) < 0 ? units - 1 : units; // rounded up across a unit: take it back
        }

        /** The whole nanoseconds that refill {@code units}, rounded up, exactly. */
        private long nanosToRefill(long units) {
            long nanos = (long) Math.ceil(units / rate);
            return Math.fma(nanos, rate, -units) < 0 ? nanos + 1 : nanos;
        }
    }
}
