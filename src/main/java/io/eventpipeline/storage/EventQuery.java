package io.eventpipeline.storage;

import java.time.Instant;

/**
 * The filters of a list query; a null field does not filter. {@code since} (inclusive) and {@code until}
 * (exclusive) bound {@code created_at}, the indexed time the database stored the event at, to the millisecond.
 */
public record EventQuery(String type, String source, String userId, Instant since, Instant until) {
    public static final EventQuery ALL = new EventQuery(null, null, null, null, null);
}
