package io.eventpipeline.api;

import io.eventpipeline.security.RateLimiter;
import java.math.BigDecimal;

/**
 * The per-key rate limit as the ingest routes answer it. A request is charged for its valid events only, the
 * ones it asks to have admitted (invalid ones never reach the queue or the database), all of them or none: a
 * request larger than the key's whole bucket can never pass and is a 413 naming {@code --rate-limit}; one
 * larger than what the bucket holds now is a 429 with {@code Retry-After}, the seconds until it holds them.
 */
final class RateLimits {
    private final RateLimiter limiter;

    /** @param limiter null when there is no per-key rate limit: every charge then passes */
    RateLimits(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /**
     * Takes {@code events} tokens from the key's bucket.
     *
     * @throws ApiError 413 for more events than the bucket ever holds (the client has to split the request), 429
     *                  when it does not hold them now
     */
    void charge(String key, int events) {
        if (limiter == null) {
            return;
        }
        if (events > limiter.burst()) {
            throw ApiError.tooLarge("the batch has " + events + " valid events, more than an API key may send at "
                    + "once under --rate-limit " + rate() + ": send batches of at most " + count(limiter.burst()))
                    .with("max_events", limiter.burst());
        }
        long wait = limiter.tryAcquire(key, events);
        if (wait > 0) {
            throw new ApiError(429, "over the rate limit of this API key (--rate-limit " + rate() + " events per "
                    + "second): " + count(events) + " may be sent again in " + wait + "s")
                    .header("Retry-After", Long.toString(wait)).with("reason", "rate_limited");
        }
    }

    /** Gives back what {@link #charge} took for events then refused all the same (a 503): they cost nothing. */
    void refund(String key, int events) {
        if (limiter != null) {
            limiter.release(key, events);
        }
    }

    private static String count(int events) {
        return events == 1 ? "1 event" : events + " events";
    }

    private String rate() {
        return BigDecimal.valueOf(limiter.rate()).stripTrailingZeros().toPlainString();
    }
}
