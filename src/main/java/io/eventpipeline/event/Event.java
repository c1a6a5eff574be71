package io.eventpipeline.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One accepted event. {@code data} is the client's JSON object as raw UTF-8 bytes, validated but never
 * re-serialized: it travels unchanged from the request to the INSERT.
 *
 * @param timestamp when it happened by the client's clock, or null
 * @param userId    null when the client sent none
 * @param keyName   the name of the API key that wrote it, or null without API keys
 */
public record Event(String id, String type, String source, String userId, Instant timestamp, byte[] data,
        Instant receivedAt, String keyName) {

    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** The same event, as written by the named API key. */
    public Event withKeyName(String name) {
        return new Event(id, type, source, userId, timestamp, data, receivedAt, name);
    }

    /** Roughly what the event holds in memory; the queue's byte bound is counted in these. */
    public long sizeBytes() {
        return 96L + data.length + 2L * (id.length() + type.length() + source.length()
                + (userId == null ? 0 : userId.length()));
    }
}
