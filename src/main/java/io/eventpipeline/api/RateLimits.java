package io.eventpipeline.api;

import io.eventpipeline.security.ApiKey;
import io.eventpipeline.security.RateLimiter;
import java.math.BigDecimal;

/**
 * The per-key rate limit as the ingest routes answer it. A request is charged for the events the route counts
 * (for a write key its valid ones, the ones it asks to have stored; a Segment batch's refused messages go to the
 * dead letter uncharged), all of them or none: a request larger than the key's whole bucket can never pass and is
 * a 413 naming {@code --rate-limit}; one larger than what the bucket holds now is a 429 with {@code Retry-After},
 * the seconds until it holds them; one of no events costs nothing. A browser key ({@code write-browser}) is charged
 * to {@code --browser-rate-limit} instead, which is never off. Buckets are kept per instance, in memory.
 */
final class RateLimits {
    private final Limit keys;
    private final Limit browserKeys;

    /** One limit and the flag that sets it, for the answers. */
    private record Limit(RateLimiter limiter, String flag) {
    }

    /**
     * @param limiter        null when there is no per-key rate limit: every charge of a key but a browser key passes
     * @param browserLimiter the browser keys' limit, or null for none (then they are charged to {@code limiter})
     */
    RateLimits(RateLimiter limiter, RateLimiter browserLimiter) {
        this.keys = new Limit(limiter, "--rate-limit");
        this.browserKeys = browserLimiter == null ? keys : new Limit(browserLimiter, "--browser-rate-limit");
    }

    /**
     * Takes {@code events} tokens from the key's bucket.
     *
     * @throws ApiError 413 for more events than the bucket ever holds (the client has to split the request), 429
     *                  when it does not hold them now
     */
    void charge(ApiKey key, int events) {
        Limit limit = key.browser() ? browserKeys : keys;
        RateLimiter limiter = limit.limiter();
        if (limiter == null || events == 0) {
            return; // a batch of refused messages only (into the dead letter) takes no token
        }
        if (events > limiter.burst()) {
            throw ApiError.tooLarge("the batch has " + events + " valid events, more than an API key may send at "
                    + "once under " + limit.flag() + " " + rate(limiter) + ": send batches of at most "
                    + count(limiter.burst())).with("max_events", limiter.burst());
        }
        long wait = limiter.tryAcquire(key.name(), events);
        if (wait > 0) {
            throw new ApiError(429, "over the rate limit of this API key (" + limit.flag() + " " + rate(limiter)
                    + " events per second): " + count(events) + " may be sent again in " + wait + "s")
                    .header("Retry-After", Long.toString(wait)).with("reason", "rate_limited");
        }
    }

    /** Gives back what {@link #charge} took for events then refused all the same (a 503): they cost nothing. */
    void refund(ApiKey key, int events) {
        RateLimiter limiter = (key.browser() ? browserKeys : keys).limiter();
        if (limiter != null && events > 0) {
            limiter.release(key.name(), events);
        }
    }

    private static String count(int events) {
        return events == 1 ? "1 event" : events + " events";
    }

    private static String rate(RateLimiter limiter) {
        return BigDecimal.valueOf(limiter.rate()).stripTrailingZeros().toPlainString();
    }
}
