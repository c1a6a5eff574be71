package io.eventpipeline.storage;

import java.time.Instant;

/**
 * An event as stored, read back for the query API.
 *
 * @param seq the row's surrogate key: the tie-breaker of newest-first order, never shown to clients
 * @param userId null when the event had none
 * @param timestamp the event's own time ({@code event_time}); null when the event had none
 * @param data the stored JSON object, as text
 * @param keyName the API key that wrote it; null without API keys
 */
public record StoredEvent(long seq, String id, String type, String source, String userId, Instant timestamp,
        String data, Instant receivedAt, Instant createdAt, String keyName) {
}
