package io.eventpipeline.security;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Per-key token buckets: {@code rate} events per second, bursts of up to one second's worth. A batch takes as
 * many tokens as it has events; one larger than the bucket passes only when the bucket is full, and leaves it
 * in debt, so the long-run rate holds either way.
 */
public final class RateLimiter {
    private final double rate;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(double eventsPerSecond, LongSupplier nanoClock) {
        if (!(eventsPerSecond > 0)) {
            throw new IllegalArgumentException("--rate-limit must be positive, got " + eventsPerSecond);
        }
        this.rate = eventsPerSecond;
        this.nanoClock = nanoClock;
    }

    /** Takes {@code n} tokens from the key's bucket; returns 0 when allowed, else the seconds to wait (≥ 1). */
    public long tryAcquire(String key, int n) {
        return buckets.computeIfAbsent(key, k -> new Bucket(rate, nanoClock.getAsLong())).take(n, nanoClock.getAsLong());
    }

    private static final class Bucket {
        private final double rate;
        private final double capacity;
        private final ReentrantLock lock = new ReentrantLock();
        private double tokens;
        private long last;

        Bucket(double rate, long now) {
            this.rate = rate;
            this.capacity = Math.max(1, rate);
            this.tokens = capacity;
            this.last = now;
        }

        long take(int n, long now) {
            lock.lock();
            try {
                tokens = Math.min(capacity, tokens + (now - last) / 1e9 * rate);
                last = now;
                double needed = Math.min(n, capacity);
                if (tokens >= needed) {
                    tokens -= n;
                    return 0;
                }
                return Math.max(1, (long) Math.ceil((needed - tokens) / rate));
            } finally {
                lock.unlock();
            }
        }
    }
}
