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
 * @param refusal   null for an event to store; else why intake refused it where the client cannot be told (a
 *                  message inside a Segment batch, which no SDK resends after a 4xx): it is journaled like any
 *                  event, and the worker writes it to the dead letter with this reason instead of storing it.
 *                  {@code data} then holds the message as sent, which need not be a storable object.
 */
public record Event(String id, String type, String source, String userId, Instant timestamp, byte[] data,
        Instant receivedAt, String keyName, String refusal) {

    public Event {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /** An event to store. */
    public Event(String id, String type, String source, String userId, Instant timestamp, byte[] data,
            Instant receivedAt, String keyName) {
        this(id, type, source, userId, timestamp, data, receivedAt, keyName, null);
    }

    /** A message refused at intake, kept for the dead letter with {@code reason}; see {@code refusal}. */
    public static Event refused(String id, String type, String source, byte[] message, Instant receivedAt,
            String reason) {
        return new Event(id, type, source, null, null, message, receivedAt, null, Objects.requireNonNull(reason));
    }

    /** The same event, as written by the named API key. */
    public Event withKeyName(String name) {
        return new Event(id, type, source, userId, timestamp, data, receivedAt, name, refusal);
    }

    /** Roughly what the event holds in memory; the queue's byte bound is counted in these. */
    public long sizeBytes() {
        return 96L + data.length + 2L * (id.length() + type.length() + source.length()
                + (userId == null ? 0 : userId.length()) + (refusal == null ? 0 : refusal.length()));
    }
}
