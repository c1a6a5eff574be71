package io.eventpipeline.pipeline;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, so that many workers do not retry in step. */
public record Backoff(Duration base, Duration cap) {

    /** The pause before retry number {@code attempt} (1-based): between half and all of base·2^(attempt-1). */
    public long delayMillis(int attempt) {
        long ceiling = cap.toMillis();
        long exp = base.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        long full = Math.min(ceiling, exp <= 0 ? ceiling : exp);
        long half = full / 2;
        return half + ThreadLocalRandom.current().nextLong(full - half + 1);
    }
}
