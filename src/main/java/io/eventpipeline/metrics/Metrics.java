package io.eventpipeline.metrics;

import io.eventpipeline.pipeline.Ingest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The service's counters, written on the hot path and read by GET /metrics. {@link #counters()} is the one list
 * of them, with their names and help, that the JSON and the Prometheus renderings both iterate. Each counts
 * events, except where its unit says otherwise. The ingest counters are written by {@link #ingested} alone, once
 * per request, so that {@code received = accepted + rejected + throttled + rate_limited}.
 */
public final class Metrics {
    private static final String EVENTS = "events";
    private static final String MESSAGES = "messages";
    private final List<Counter> counters = new ArrayList<>();
    private final List<LabeledCounter> labeledCounters = new ArrayList<>();

    public final Counter received = counter("received", "pipeline_events_received_total", EVENTS,
            "Events in ingest requests, valid or not; a request refused before its events could be counted "
                    + "counts as one.");
    public final Counter accepted = counter("accepted", "pipeline_events_accepted_total", EVENTS,
            "Events acknowledged (202; 200 on the Segment routes): they will be stored, or, for an invalid "
                    + "message inside a Segment batch, put in events_dead_letter.");
    public final Counter rejected = counter("rejected", "pipeline_events_rejected_total", EVENTS,
            "Events refused as the client's fault (400/413/415): invalid, in a malformed body, or in a batch "
                    + "larger than --rate-limit ever admits at once.");
    public final Counter throttled = counter("throttled", "pipeline_events_throttled_total", EVENTS,
            "Events refused with a 503 (queue full, journal unwritable, draining) or, on a fault, a 500: the "
                    + "client should retry.");
    public final Counter rateLimited = counter("rate_limited", "pipeline_events_rate_limited_total", EVENTS,
            "Valid events refused with a 429: their API key was over its --rate-limit.");
    public final Counter processed = counter("processed", "pipeline_events_processed_total", EVENTS,
            "Events stored in the database as new rows.");
    public final Counter duplicates = counter("duplicates", "pipeline_events_duplicates_total", EVENTS,
            "Events whose id was already stored: no new row.");
    public final Counter failed = counter("failed", "pipeline_events_failed_total", EVENTS,
            "Events put in events_dead_letter: refused for good by the database, or invalid messages inside a "
                    + "Segment batch.");
    public final Counter retries = counter("retries", "pipeline_store_retries_total", "attempts",
            "Failed attempts to store a batch that were tried again.");
    public final Counter replayed = counter("replayed", "pipeline_events_replayed_total", EVENTS,
            "Events put back in the queue from the journal at start.");
    /** Not events: how many events a damaged range held is unknown. */
    public final Counter journalCorruptions = counter("journal_corruptions", "pipeline_journal_corruptions_total",
            "ranges", "Damaged byte ranges found in journal segments at start; logged, the segment kept as "
                    + ".damaged.");
    public final Counter kafkaProduced = counter("kafka_produced", "pipeline_kafka_events_produced_total", EVENTS,
            "With --queue kafka: events produced to the topic and acknowledged by the broker (acks=all).");
    public final Counter kafkaProduceFailed = counter("kafka_produce_failed",
            "pipeline_kafka_events_produce_failed_total", EVENTS,
            "With --queue kafka: events of requests refused with a 503 because the broker did not acknowledge them "
                    + "within --kafka-ack-timeout or refused them; some may still have been written.");
    public final Counter kafkaConsumed = counter("kafka_consumed", "pipeline_kafka_records_consumed_total", "records",
            "With --queue kafka: records a writer read from the topic (a redelivered record counts again).");
    public final Counter kafkaOffsetCommits = counter("kafka_offset_commits", "pipeline_kafka_offset_commits_total",
            "commits", "With --queue kafka: offset commits after a batch was committed to the database.");
    public final Counter kafkaOffsetCommitsFailed = counter("kafka_offset_commits_failed",
            "pipeline_kafka_offset_commits_failed_total", "commits",
            "With --queue kafka: offset commits the broker refused (a rebalance): those records are delivered again "
                    + "and counted as duplicates.");
    public final Counter kafkaPartitionsRevoked = counter("kafka_partitions_revoked",
            "pipeline_kafka_partitions_revoked_total", "partitions",
            "With --queue kafka: partitions a writer gave up in a rebalance (or lost, its membership expired).");
    public final Counter kafkaPartitionsAssigned = counter("kafka_partitions_assigned",
            "pipeline_kafka_partitions_assigned_total", "partitions",
            "With --queue kafka: partitions a writer was given in a rebalance; with kafka_partitions_revoked, how "
                    + "often the group rebalances.");
    public final Counter kafkaBatchesAbandoned = counter("kafka_batches_abandoned",
            "pipeline_kafka_batches_abandoned_total", "batches",
            "With --queue kafka: batches a writer stopped storing because it gave up their partitions or was "
                    + "stopping; uncommitted, they are delivered again to the partitions' next owner.");

    public final Counter mqttReceived = counter("mqtt_received", "pipeline_mqtt_messages_received_total",
            MESSAGES, "With --mqtt-url: messages the broker delivered (a redelivered one counts again).");
    public final Counter mqttAcknowledged = counter("mqtt_acknowledged",
            "pipeline_mqtt_messages_acknowledged_total", MESSAGES,
            "With --mqtt-url: QoS 1 messages acknowledged to the broker (PUBACK), each once its event was accepted "
                    + "(journaled, or acknowledged by Kafka) or kept for the dead letter.");
    public final Counter mqttDeadLettered = counter("mqtt_dead_lettered",
            "pipeline_mqtt_messages_dead_lettered_total", MESSAGES,
            "With --mqtt-url: accepted messages that are no event (a payload that is not a JSON object, ...): kept "
                    + "for events_dead_letter with the reason and the topic.");
    public final Counter mqttRedelivered = counter("mqtt_redelivered", "pipeline_mqtt_messages_redelivered_total",
            MESSAGES, "With --mqtt-url: messages the broker delivered again (the DUP flag): sent before an earlier "
                    + "connection ended, not acknowledged on it.");
    public final Counter mqttReconnects = counter("mqtt_reconnects", "pipeline_mqtt_reconnects_total",
            "connections", "With --mqtt-url: connections to the broker made again after one was lost.");

    /**
     * Ingest requests answered 503, by {@link Ingest.Refusal} (lower case): each request once, whatever the events
     * it carried (those are in {@link #throttled}).
     */
    public final LabeledCounter refusals = labeled("refusals", "pipeline_ingest_refusals_total", "reason",
            Arrays.stream(Ingest.Refusal.values()).map(Metrics::refusalName).toList(), "requests",
            "Ingest requests answered 503, by reason (queue_full, draining, broker_unavailable, ...): the client "
                    + "should retry.");
    /** The kinds of {@link #kafkaProducerErrors}. */
    public static final List<String> PRODUCER_ERROR_KINDS = List.of("timeout", "not_enough_replicas", "other");
    /**
     * Records the Kafka producer reported failed, by the kind of its exception; see
     * {@code KafkaIngest#errorKind}.
     */
    public final LabeledCounter kafkaProducerErrors = labeled("kafka_producer_errors",
            "pipeline_kafka_producer_errors_total", "kind", PRODUCER_ERROR_KINDS, "records",
            "With --queue kafka: records the producer reported failed, by kind: timeout (no acknowledgement or no "
                    + "metadata in time), not_enough_replicas (fewer in-sync replicas than min.insync.replicas), "
                    + "other. The producer retries until delivery.timeout.ms before it reports one.");
    /** With --queue kafka: records handed to the producer and not yet acknowledged or failed (a gauge). */
    public final AtomicLong kafkaRecordsInFlight = new AtomicLong();
    /** With --queue kafka: each record's time from its send to the broker's acknowledgement (acks=all). */
    public final LatencyHistogram kafkaAckLatency = new LatencyHistogram();
    /** With --queue kafka: how long each offset commit of a writer took, refused ones included. */
    public final LatencyHistogram kafkaCommitLatency = new LatencyHistogram();
    /** With --queue kafka: records per batch a writer polled and stored. */
    public final SizeHistogram kafkaBatchSize = new SizeHistogram();
    /** With --queue kafka: a writer node's lag per partition it holds. */
    public final PartitionLag kafkaLag = new PartitionLag();

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

    /** The counters in the order both renderings list them. */
    public List<Counter> counters() {
        return Collections.unmodifiableList(counters);
    }

    /** The counters split by a label, in the order both renderings list them, after {@link #counters()}. */
    public List<LabeledCounter> labeledCounters() {
        return Collections.unmodifiableList(labeledCounters);
    }

    /** A refusal's name in {@link #refusals} and in the 503's {@code "reason"}: {@code broker_unavailable}. */
    public static String refusalName(Ingest.Refusal refusal) {
        return refusal.name().toLowerCase(Locale.ROOT);
    }

    /** The one place an ingest request's events are counted, once its answer is known. */
    public void ingested(IngestOutcome outcome) {
        received.add(outcome.received());
        accepted.add(outcome.accepted());
        rejected.add(outcome.rejected());
        throttled.add(outcome.throttled());
        rateLimited.add(outcome.rateLimited());
        receivedRate.mark(outcome.received());
    }

    /** A stored batch: its new rows and its duplicates. The caller records each event's latency. */
    public void stored(int inserted, int duplicateCount) {
        processed.add(inserted);
        duplicates.add(duplicateCount);
        processedRate.mark(inserted + duplicateCount);
        batchSize.record(inserted + duplicateCount);
    }

    private Counter counter(String key, String prometheusName, String unit, String help) {
        Counter c = new Counter(key, prometheusName, unit, help);
        counters.add(c);
        return c;
    }

    private LabeledCounter labeled(String key, String prometheusName, String label, List<String> values,
            String unit, String help) {
        LabeledCounter c = new LabeledCounter(key, prometheusName, label, values, unit, help);
        labeledCounters.add(c);
        return c;
    }

    public long uptimeSeconds() {
        return (clockMillis.getAsLong() - startedMillis) / 1000;
    }
}
