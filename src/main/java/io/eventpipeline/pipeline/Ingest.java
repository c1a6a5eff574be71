package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.time.Duration;
import java.util.List;

/**
 * Where every door that accepts events (the HTTP routes, the Segment API, later sources) hands them: the local
 * journal and queue ({@link LocalIngest}), or a Kafka topic. A request's events are taken whole or not at all, and
 * taken means kept: on return they will be stored (or dead-lettered), whatever crashes next within the promise of
 * the mode.
 */
public interface Ingest {
    /**
     * Takes all the events, or none and says why.
     *
     * @throws RefusedException when none were taken: the caller answers 503 with Retry-After
     */
    void accept(List<Event> events) throws RefusedException, InterruptedException;

    /** From now on every request is refused; waits up to {@code timeout} for those being accepted. */
    void close(Duration timeout) throws InterruptedException;

    /** Whether {@link #close} has begun. */
    boolean closed();

    /**
     * The ingest of a node that takes no events (a Kafka writer): no route hands it any; it only says whether the
     * node is stopping, for /health.
     */
    final class Closed implements Ingest {
        private volatile boolean closed;

        @Override
        public void accept(List<Event> events) throws RefusedException {
            throw new RefusedException(Refusal.DRAINING);
        }

        @Override
        public void close(Duration timeout) {
            closed = true;
        }

        @Override
        public boolean closed() {
            return closed;
        }
    }

    /** Why events were refused; each maps to a 503 with Retry-After. */
    enum Refusal {
        QUEUE_FULL("the queue is full: the database is slower than the ingest rate or unavailable; retry later"),
        DRAINING("the service is shutting down; retry against another instance or later"),
        NOT_DURABLE("the events could not be written to the local journal (is the disk full?); retry later"),
        /**
         * With {@code journal-async}, a force of the journal failed: events are refused until a restart, and
         * readiness is down so that a load balancer sends them elsewhere.
         */
        JOURNAL_FAILED("the journal could not force to disk; restart the service once the disk is sound "
                + "(retry against another instance meanwhile)"),
        /**
         * The broker did not acknowledge in time, or refused: some of the events may still be written, so a client
         * that retries must send the same ids, which are stored once.
         */
        BROKER_UNAVAILABLE("the Kafka broker did not acknowledge the events in time; retry later with the same "
                + "event ids (some may have been written, and an id is stored once)"),
        /** Requests waiting for the broker's acknowledgement already hold as many bytes as the service allows. */
        AWAITING_BROKER("too many events are waiting for the Kafka broker's acknowledgement; retry later");

        private final String message;

        Refusal(String message) {
            this.message = message;
        }

        /** What the 503's body says: why, and what the client should do. */
        public String message() {
            return message;
        }
    }

    /** None of the events were taken, for {@link #refusal()}. */
    final class RefusedException extends Exception {
        private final Refusal refusal;

        /** Without a cause: the refusal says all (a full queue, a drain). */
        public RefusedException(Refusal refusal) {
            this(refusal, null);
        }

        /** With the cause of the refusal (a journal's or a broker's error): the caller logs it with its request. */
        public RefusedException(Refusal refusal, Throwable cause) {
            super(refusal.message(), cause, false, false);
            this.refusal = refusal;
        }

        /** Why the events were refused. */
        public Refusal refusal() {
            return refusal;
        }
    }
}
