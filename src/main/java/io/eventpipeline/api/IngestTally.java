package io.eventpipeline.api;

import io.eventpipeline.metrics.IngestOutcome;

/**
 * The events of one ingest request, until its answer says what became of them. Until the body is parsed the
 * request stands for one event: a request refused before its events could be counted (a body too large, of the
 * wrong type, not JSON, not an envelope, or left unread while draining) is then counted as one, on either route,
 * rather than not at all.
 */
final class IngestTally {
    /** Events whose fate the answer decides: accepted, throttled, rate limited, or rejected with the request. */
    private int pending = 1;
    /** Events refused as invalid whatever the answer. */
    private int invalid;

    /** The body is parsed: {@code valid} events wait for the answer, {@code invalid} ones are already refused. */
    void parsed(int valid, int invalid) {
        this.pending = valid;
        this.invalid = invalid;
    }

    /**
     * What an answer with {@code status} did with the events: a 2xx accepted them, a 429 refused them for the
     * rate limit, a 5xx refused them for the client to retry (503: queue full, journal unwritable, draining), and
     * any other status refused them as the client's fault. Invalid events are rejected in every case.
     */
    IngestOutcome outcome(int status) {
        if (status >= 200 && status < 300) {
            return new IngestOutcome(pending, invalid, 0, 0);
        }
        if (status == 429) {
            return new IngestOutcome(0, invalid, 0, pending);
        }
        if (status >= 500) {
            return new IngestOutcome(0, invalid, pending, 0);
        }
        return new IngestOutcome(0, pending + invalid, 0, 0);
    }
}
