package io.eventpipeline.pipeline;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.storage.EventRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores one batch whatever it takes. A transient failure (the database is away, busy, deadlocked) is retried
 * with backoff for as long as the service runs: the batch is never dropped. A permanent one (the database
 * refuses the data) is retried {@code maxRetries} times, then the batch is split in halves until the events
 * that the database refuses are alone; only those go to the dead letter, and every other event is stored. An
 * event refused at intake ({@link Event#refusal()}) goes to the dead letter at once, with that reason and 0 attempts.
 */
public final class BatchWriter {
    private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);
    private static final long OUTAGE_LOG_INTERVAL_NANOS = 30_000_000_000L;

    private final EventRepository repository;
    private final Released released;
    private final RetryWait retryWait;
    private final Metrics metrics;
    private final int maxRetries;
    private final Backoff transientBackoff;
    private final Backoff permanentBackoff;
    private final LongSupplier nanoClock;

    /** Tells {@code acceptLog} of each stored run of events; waits between attempts by sleeping. */
    public BatchWriter(EventRepository repository, AcceptLog acceptLog, Metrics metrics, int maxRetries,
            Backoff transientBackoff, Backoff permanentBackoff) {
        this(repository, acceptLog::stored, metrics, maxRetries, transientBackoff, permanentBackoff, Thread::sleep);
    }

    /**
     * @param released  told of each run of events of one segment once they are stored or dead-lettered
     * @param retryWait waits between attempts; it may end the store by throwing InterruptedException (a consumer
     *                  that lost the batch's partitions), and the caller then keeps or abandons the batch
     */
    public BatchWriter(EventRepository repository, Released released, Metrics metrics, int maxRetries,
            Backoff transientBackoff, Backoff permanentBackoff, RetryWait retryWait) {
        this.repository = repository;
        this.released = released;
        this.retryWait = retryWait;
        this.metrics = metrics;
        this.maxRetries = maxRetries;
        this.transientBackoff = transientBackoff;
        this.permanentBackoff = permanentBackoff;
        this.nanoClock = System::nanoTime;
    }

    /** Where the events of a stored batch came from: {@code n} events of {@code segment} are stored now. */
    @FunctionalInterface
    public interface Released {
        void stored(long segment, int n);
    }

    /** The pause between two attempts to store, of {@code millis} ms. */
    @FunctionalInterface
    public interface RetryWait {
        void await(long millis) throws InterruptedException;
    }

    /**
     * Returns once every event of the batch is stored or dead-lettered. Throws InterruptedException when the
     * service stops before that; the caller then keeps the batch for the next start.
     */
    public void store(List<Envelope> batch) throws InterruptedException {
        List<Envelope> toStore = batch;
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).event().refusal() != null) {
                toStore = new ArrayList<>(batch.size());
                for (Envelope e : batch) {
                    if (e.event().refusal() != null) {
                        deadLetter(e, e.event().refusal(), 0);
                    } else {
                        toStore.add(e);
                    }
                }
                break;
            }
        }
        if (!toStore.isEmpty()) {
            store(toStore, maxRetries);
        }
    }

    private void store(List<Envelope> batch, int permanentRetries) throws InterruptedException {
        List<Event> events = new ArrayList<>(batch.size());
        for (Envelope e : batch) {
            events.add(e.event());
        }
        int permanentFailures = 0;
        int transientFailures = 0;
        long outageLoggedAt = 0;
        while (true) {
            try {
                int inserted = repository.insert(events);
                if (transientFailures > 0) {
                    log.info("event=store_recovered events={} failed_attempts={}", batch.size(), transientFailures);
                }
                stored(batch, inserted);
                return;
            } catch (Exception e) {
                throwIfInterrupted(e);
                if (Failures.isTransient(e)) {
                    transientFailures++;
                    metrics.retries.increment();
                    long now = nanoClock.getAsLong();
                    if (transientFailures == 1 || now - outageLoggedAt > OUTAGE_LOG_INTERVAL_NANOS) {
                        outageLoggedAt = now;
                        log.warn("event=store_retry reason=database_unavailable events={} attempt={} error=\"{}\" "
                                + "(retrying with backoff until it is back; the events stay queued)",
                                batch.size(), transientFailures, Messages.rootMessage(e));
                    }
                    retryWait.await(transientBackoff.delayMillis(transientFailures));
                    continue;
                }
                permanentFailures++;
                if (permanentFailures <= permanentRetries) {
                    metrics.retries.increment();
                    retryWait.await(permanentBackoff.delayMillis(permanentFailures));
                    continue;
                }
                if (batch.size() == 1) {
                    deadLetter(batch.getFirst(), Messages.rootMessage(e), permanentFailures + transientFailures);
                    return;
                }
                log.warn("event=store_split events={} error=\"{}\" (splitting the batch to find the events the "
                        + "database refuses)", batch.size(), Messages.rootMessage(e));
                int mid = batch.size() / 2;
                store(batch.subList(0, mid), 0);
                store(batch.subList(mid, batch.size()), 0);
                return;
            }
        }
    }

    private void stored(List<Envelope> batch, int inserted) {
        long now = nanoClock.getAsLong();
        for (Envelope e : batch) {
            metrics.latency.record(now - e.acceptedNanos());
        }
        metrics.stored(inserted, batch.size() - inserted);
        release(batch);
    }

    private void deadLetter(Envelope envelope, String error, int attempts) throws InterruptedException {
        int failures = 0;
        while (true) {
            try {
                if (!repository.deadLetter(envelope.event(), error, attempts)) {
                    log.info("event=dead_letter_known id={} (refused again after a restart; the dead letter "
                            + "already holds it)", envelope.event().id());
                    metrics.duplicates.increment();
                    release(List.of(envelope));
                    return;
                }
                break;
            } catch (Exception e) {
                throwIfInterrupted(e);
                if (!Failures.isTransient(e)) {
                    // Nowhere left in the database to keep it: the log is the last place. Never silently dropped.
                    log.error("event=dead_letter_failed id={} error=\"{}\" dead_letter_error=\"{}\" event_json={}",
                            envelope.event().id(), error, Messages.rootMessage(e),
                            io.eventpipeline.event.EventCodec.toJson(envelope.event()));
                    break;
                }
                metrics.retries.increment();
                retryWait.await(transientBackoff.delayMillis(++failures));
            }
        }
        metrics.failed.increment();
        log.warn("event=dead_letter id={} attempts={} error=\"{}\"", envelope.event().id(), attempts, error);
        release(List.of(envelope));
    }

    /**
     * A stop past the shutdown deadline interrupts the worker, and the pool or the driver then fails the attempt
     * with an SQLException ("Interrupted during connection acquisition"). That says nothing about the data: it
     * must not count as a refusal (which would bisect the batch and dead-letter every event of it), but stop the
     * store so that the caller keeps the batch for the next start.
     */
    private static void throwIfInterrupted(Exception cause) throws InterruptedException {
        if (Thread.interrupted()) {
            InterruptedException stop = new InterruptedException("stopped during a store attempt");
            stop.initCause(cause);
            throw stop;
        }
    }

    /** Tells {@link #released}, one call per run of events from the same segment. */
    private void release(List<Envelope> batch) {
        int i = 0;
        while (i < batch.size()) {
            long segment = batch.get(i).segment();
            int j = i + 1;
            while (j < batch.size() && batch.get(j).segment() == segment) {
                j++;
            }
            released.stored(segment, j - i);
            i = j;
        }
    }
}
