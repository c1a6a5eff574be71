package io.eventpipeline.storage;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One page of a newest-first walk over the events that match a query.
 *
 * @param next where the walk goes on; empty when this page is the last
 */
public record EventPage(List<StoredEvent> events, Optional<Position> next) {

    /**
     * A place in a walk: strictly after the row ({@code createdAt}, {@code seq}) in the order
     * {@code created_at DESC, seq DESC}, among the rows with {@code seq <= maxSeq}. The bound is the largest seq
     * when the walk began, so that a walk covers the events stored before it began and is not drawn into rows
     * stored meanwhile.
     */
    public record Position(Instant createdAt, long seq, long maxSeq) {
    }
}
