package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;

/**
 * An accepted event on its way to the database.
 *
 * @param segment       the journal segment that holds it (to release once stored), or -1 without a journal
 * @param acceptedNanos {@link System#nanoTime()} when it was accepted, for the accept-to-stored latency
 */
public record Envelope(Event event, long segment, long acceptedNanos) {
}
