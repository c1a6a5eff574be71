package io.eventpipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one run measured, as written to results.json (snake_case keys). Rates are events per second; a value
 * that could not be measured (the events never all arrived) is null, never NaN.
 */
record Results(
        int schemaVersion,
        String startedAt,
        double secondsPerPhase,
        double secondsPerLatencyPhase,
        double maxWarmupSeconds,
        Machine machine,
        String loadGenerator,
        List<String> jvmFlags,
        HttpCeiling httpCeiling,
        Map<String, Target> targets,
        double totalSeconds) {

    /**
     * 5: each target's {@code service.kafka-3} row (three brokers), {@code kafka_cluster_startup_ms} and
     * {@code three_brokers_over_one}; the rest as in 4 (4 added each service row's {@code latency_matrix}).
     */
    static final int SCHEMA_VERSION = 5;

    /** (a): the bare Javalin server. */
    record HttpCeiling(long startupMs, double peakRssMib, double warmupSeconds, Ingest single) {
    }

    /**
     * One database: its ceilings, the service on it with each durability and on each Kafka (service keys
     * {@code kafka}, one broker, and {@code kafka-3}, three), and the goals. {@code kafkaClusterStartupMs} is how
     * long the three brokers, started for this target's {@code kafka-3} row alone, took until every replica was in
     * sync; {@code threeBrokersOverOne} is {@code kafka-3}'s rates over {@code kafka}'s ({@link Service#over}).
     */
    record Target(
            String name,
            Map<String, Object> database,
            JdbcPhase.Result dbCeiling,
            JdbcPhase.Result seedDesign,
            Map<String, Service> service,
            List<Goal> goals,
            Map<String, Double> journalOverMemory,
            long kafkaClusterStartupMs,
            Map<String, Double> threeBrokersOverOne,
            Mqtt mqtt,
            Otlp otlp) {
    }

    /**
     * The MQTT row ({@link MqttBench}), null when no Mosquitto was here: {@code qos1} counts each message as one
     * request of one event, {@code acceptedPerSecond} being the broker's PUBACKs to the publisher and
     * {@code endToEndPerSecond} first publish to last row; {@code overEventsBatchEndToEnd} divides that by the
     * default-flags process's /events/batch end-to-end rate of the same run. {@code payloadBytes} is one message's.
     */
    record Mqtt(
            String broker,
            int payloadBytes,
            int publisherMaxInflight,
            long startupMs,
            double warmupSeconds,
            Ingest qos1,
            Double overEventsBatchEndToEnd,
            Map<String, Object> serviceMetricsAtEnd) {
    }

    /**
     * The OTLP row ({@link OtlpBench}): {@code ExportLogsServiceRequest}s of {@code recordsPerRequest} log records
     * (one body being {@code requestBytes}) in {@code encoding} to POST /v1/logs of a default-flags process of its
     * own. {@code logs} counts each record as an event: {@code acceptedPerSecond} the records its 200 answers took,
     * {@code endToEndPerSecond} first request to last row; {@code rejectedLogRecords} sums what the answers'
     * {@code partial_success} refused (the bench's records are all valid, so 0). {@code overEventsBatchEndToEnd}
     * divides that end-to-end rate by the default-flags process's /events/batch one of the same run,
     * {@code serverCpuPerRecordOverEventsBatch} the server's CPU time per record by that row's per event.
     */
    record Otlp(
            String encoding,
            int recordsPerRequest,
            int requestBytes,
            long startupMs,
            double warmupSeconds,
            Ingest logs,
            long rejectedLogRecords,
            Double overEventsBatchEndToEnd,
            Double serverCpuPerRecordOverEventsBatch,
            Map<String, Object> serviceMetricsAtEnd) {
    }

    /**
     * (d) in one process: start-up, the two ingest phases and the latency phase, then with default flags the
     * SDK-shaped batches, then (each durability tier, not Kafka) the latency matrix; {@code startupAotCacheMs} is
     * the start-up of a second process from an AOT cache (default flags only, JDK 25+; else null).
     */
    record Service(
            String durabilityFlag,
            String durabilityReported,
            long startupMs,
            Long startupAotCacheMs,
            double peakRssMib,
            double warmupSeconds,
            Ingest single,
            Ingest batch,
            Latency latency,
            SdkBatches sdkBatches,
            LatencyMatrix latencyMatrix,
            Map<String, Object> serviceMetricsAtEnd) {

        /**
         * This row's rates and p99 over {@code base}'s: {@code single_accepted}, {@code single_end_to_end},
         * {@code batch_accepted}, {@code batch_end_to_end} and {@code p99_latency} (the open-loop phase at half
         * each row's own single-event rate); a ratio is null when either side is unknown.
         */
        Map<String, Double> over(Service base) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("single_accepted", Bench.ratio(single.acceptedPerSecond(), base.single.acceptedPerSecond()));
            m.put("single_end_to_end", Bench.ratio(single.endToEndPerSecond(), base.single.endToEndPerSecond()));
            m.put("batch_accepted", Bench.ratio(batch.acceptedPerSecond(), base.batch.acceptedPerSecond()));
            m.put("batch_end_to_end", Bench.ratio(batch.endToEndPerSecond(), base.batch.endToEndPerSecond()));
            m.put("p99_latency", Bench.ratio(latency.p99Ms(), base.latency.p99Ms()));
            return m;
        }
    }

    /**
     * Latency of single events (POST /events) in one service process, after its other phases: {@code closed}
     * over 4, 16 and 64 connections (the 64 row is the process's single-event phase, the others last
     * {@code seconds}); {@code open} at shares of (a), the HTTP ceiling, each from an open-loop generator in a JVM
     * of its own ({@link OpenLoopProcess}), {@code seconds} long after its own warm-up. {@code fsyncProbe} is
     * non-null in the one process whose 4-connection phase it ran beside.
     */
    record LatencyMatrix(double seconds, List<ClosedLatency> closed, List<OpenLatency> open, FsyncProbe fsyncProbe) {
        /** The closed-loop row with {@code connections}, or null. */
        ClosedLatency closedWith(int connections) {
            return closed.stream().filter(c -> c.connections() == connections).findFirst().orElse(null);
        }

        /** The open-loop row at {@code share} of (a), or null. */
        OpenLatency openAt(double share) {
            return open.stream().filter(o -> o.shareOfHttpCeiling() == share).findFirst().orElse(null);
        }
    }

    /**
     * A closed-loop phase of single events: {@code acceptedPerSecond} is 202 answers (events) a second, the
     * latencies (ms) are each request's, from send to answer, refused and failed ones included.
     */
    record ClosedLatency(int connections, long requests, long refused, long failed, double sendSeconds,
            double acceptedPerSecond, double p50Ms, double p99Ms, double p999Ms, double maxMs,
            double machineBusyCores) {
        static ClosedLatency of(Ingest i, Percentiles p) {
            return new ClosedLatency(i.connections(), i.requests(), i.refused(), i.failed(), i.sendSeconds(),
                    i.acceptedPerSecond(), p.p50Ms(), p.p99Ms(), p.p999Ms(), p.maxMs(), i.machineBusyCores());
        }
    }

    /** An open-loop phase at {@code shareOfHttpCeiling} x (a) requests/s (its target rate is in the latency). */
    record OpenLatency(double shareOfHttpCeiling, Latency latency) {
    }

    /**
     * {@link io.eventpipeline.bench.FsyncProbe}: {@code writes} loops of one {@code recordBytes} write and
     * fdatasync in {@code seconds}, on a {@code fileSystem} file system under {@code directory} (where the
     * service's data directory is), while {@code during} ran; mean and percentiles of one write + fdatasync, ms.
     */
    record FsyncProbe(String fileSystem, String directory, int recordBytes, String during, long writes,
            double seconds, double meanMs, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    }

    /**
     * SDK-shaped batches, measured in the default-flags process only (null in the other), after its other phases
     * and a warm-up of their own: {@code v1Batch} is 100 Segment track calls a request as
     * {@code @segment/analytics-node} sends them to POST /v1/batch ({@link SegmentEventFactory}),
     * {@code eventsBatch} the very same events through our own POST /events/batch, both over the batch row's
     * connections, each the sum of two half phases run in the order v1, events, events, v1.
     * {@code v1OverEventsBatch} holds the ratios: {@code same_events_end_to_end}, {@code same_events_accepted}
     * and {@code same_events_server_cpu_per_event} (the server's CPU time while sending over the events
     * accepted) over {@code eventsBatch}, {@code small_events_end_to_end} over the process's batch row (its
     * ~150-byte events). Request sizes are of one body each, in bytes.
     * {@code peakRssMibAfter} is VmHWM after these phases; the service's {@code peakRssMib} is read before them.
     */
    record SdkBatches(
            String library,
            int v1RequestBytes,
            int eventsRequestBytes,
            int smallEventsRequestBytes,
            double warmupSeconds,
            Ingest v1Batch,
            Ingest eventsBatch,
            Map<String, Double> v1OverEventsBatch,
            double peakRssMibAfter) {
    }

    /**
     * A closed-loop ingest phase; {@code refused} counts 503 answers (queue full), {@code failed} anything else
     * but a 202. {@code endToEndPerSecond} counts from the first request to the moment the last
     * accepted event was in the database; null when they did not all arrive within the wait. The CPU figures
     * cover the sending time; {@code machineBusyCores} counts every process on the machine (-1: unknown).
     */
    record Ingest(
            int connections,
            int eventsPerRequest,
            long requests,
            long acceptedEvents,
            long refused,
            long failed,
            double sendSeconds,
            double acceptedPerSecond,
            Long storedEvents,
            Double endToEndSeconds,
            Double endToEndPerSecond,
            double serverCpuSeconds,
            double loadGeneratorCpuSeconds,
            double machineBusyCores) {

        /**
         * Two runs of one phase as one: counts, times and CPU summed, rates over the summed times, busy cores
         * weighted by sending time. End-to-end is unknown when either run's events did not all arrive.
         */
        Ingest plus(Ingest o) {
            long accepted = acceptedEvents + o.acceptedEvents;
            double send = sendSeconds + o.sendSeconds;
            Long stored = storedEvents == null || o.storedEvents == null ? null : storedEvents + o.storedEvents;
            Double e2e = endToEndSeconds == null || o.endToEndSeconds == null ? null
                    : endToEndSeconds + o.endToEndSeconds;
            boolean complete = endToEndPerSecond != null && o.endToEndPerSecond != null;
            return new Ingest(connections, eventsPerRequest, requests + o.requests, accepted, refused + o.refused,
                    failed + o.failed, send, send > 0 ? accepted / send : 0, stored, e2e,
                    complete && e2e > 0 ? accepted / e2e : null, serverCpuSeconds + o.serverCpuSeconds,
                    loadGeneratorCpuSeconds + o.loadGeneratorCpuSeconds,
                    send > 0 ? (machineBusyCores * sendSeconds + o.machineBusyCores * o.sendSeconds) / send : -1);
        }
    }

    /**
     * An open-loop phase, latencies (ms) measured from each request's scheduled send time; refused = 503s; rates
     * in requests/s.
     */
    record Latency(
            double targetRequestsPerSecond,
            double achievedRequestsPerSecond,
            int scheduled,
            int answered,
            long refused,
            long failed,
            double p50Ms,
            double p99Ms,
            double p999Ms,
            double maxMs,
            double machineBusyCores) {
    }

    void write(Path file) throws IOException {
        mapper().writeValue(file.toFile(), this);
    }

    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }
}
