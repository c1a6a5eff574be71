package io.eventpipeline.metrics;

import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The service's counters, written on the hot path with {@link LongAdder}s and read by /metrics. Each counter
 * counts events, not requests, except where its name says otherwise.
 */
public final class Metrics {
    /** Events in requests that were read (valid or not). */
    public final LongAdder received = new LongAdder();
    /** Events acknowledged with a 202. */
    public final LongAdder accepted = new LongAdder();
    /** Events refused as invalid, or in a batch larger than its API key's --rate-limit ever admits at once. */
    public final LongAdder rejected = new LongAdder();
    /** Valid events refused with a 503 because the queue was full or the service was draining. */
    public final LongAdder throttled = new LongAdder();
    /** Valid events refused with a 429 because their API key was over its --rate-limit. */
    public final LongAdder rateLimited = new LongAdder();
    /** Events written to the database (new rows). */
    public final LongAdder processed = new LongAdder();
    /** Events whose id was already stored: no new row. */
    public final LongAdder duplicates = new LongAdder();
    /** Events the database rejected for good: they are in events_dead_letter. */
    public final LongAdder failed = new LongAdder();
    /** Failed attempts to store a batch that were tried again. */
    public final LongAdder retries = new LongAdder();
    /** Events put back into the queue from the journal at start. */
    public final LongAdder replayed = new LongAdder();
    /** Damaged ranges found in journal segments at start (not events: how many a range held is unknown). */
    public final LongAdder journalCorruptions = new LongAdder();

    public final LatencyHistogram latency = new LatencyHistogram();
    /** Events per stored batch (new rows and duplicates). */
    public final SizeHistogram batchSize = new SizeHistogram();
    /** HTTP requests by method, route template and status, counted once the answer is known. */
    public final HttpRequests httpRequests = new HttpRequests();
    public final RateMeter receivedRate;
    public final RateMeter processedRate;

    private final LongSupplier clockMillis;
    private final long startedMillis;

    public Metrics(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
        this.startedMillis = clockMillis.getAsLong();
        this.receivedRate = new RateMeter(clockMillis);
        this.processedRate = new RateMeter(clockMillis);
    }

    public Metrics() {
        this(System::currentTimeMillis);
    }

    public void received(int n) {
        received.add(n);
        receivedRate.mark(n);
    }

    /** A stored batch: its new rows and its duplicates. The caller records each event's latency. */
    public void stored(int inserted, int duplicateCount) {
        processed.add(inserted);
        duplicates.add(duplicateCount);
        processedRate.mark(inserted + duplicateCount);
        batchSize.record(inserted + duplicateCount);
    }

    public long uptimeSeconds() {
        return (clockMillis.getAsLong() - startedMillis) / 1000;
    }
}
