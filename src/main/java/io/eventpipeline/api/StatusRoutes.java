package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.metrics.Counter;
import io.eventpipeline.metrics.HttpRequests;
import io.eventpipeline.metrics.LabeledCounter;
import io.eventpipeline.metrics.LatencyHistogram;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.metrics.PrometheusFormat;
import io.eventpipeline.metrics.SizeHistogram;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.storage.HealthProbe;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * GET /health (and its split for orchestrators: /health/live, /health/ready) and GET /metrics, as JSON or, for a
 * Prometheus scrape, as text; both renderings read the same registry.
 */
final class StatusRoutes {
    private final HealthProbe database;
    private final Ingest ingest;
    private final EventQueue queue;
    private final Metrics metrics;
    private final ObjectMapper json;
    private final int workers;
    private final String durability;
    private final Supplier<Map<String, Object>> queueState;
    private final boolean databaseRequired;
    private final List<Dependency> dependencies;

    /**
     * @param database   null on a node without a database: /health then shows "database": "NONE", never down
     * @param queueState what "queue" shows, or null for the local queue's depth and bounds
     * @param databaseRequired whether a database that is down makes the node not ready
     * @param dependencies what else is reported, each required or not
     */
    StatusRoutes(HealthProbe database, Ingest ingest, EventQueue queue, Metrics metrics, ObjectMapper json,
            int workers, String durability, Supplier<Map<String, Object>> queueState, boolean databaseRequired,
            List<Dependency> dependencies) {
        this.queueState = queueState;
        this.databaseRequired = databaseRequired;
        this.dependencies = dependencies;
        this.database = database;
        this.ingest = ingest;
        this.queue = queue;
        this.metrics = metrics;
        this.json = json;
        this.workers = workers;
        this.durability = durability;
    }

    void health(Context ctx) throws Exception {
        boolean dbUp = databaseUp();
        boolean draining = ingest.closed();
        boolean ready = !draining && (dbUp || !databaseRequired);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "UP");
        body.put("database", databaseState());
        if (!dbUp) {
            body.put("database_error", database.lastError());
        }
        for (Dependency d : dependencies) {
            boolean up = d.up().getAsBoolean();
            body.put(d.name(), up ? "UP" : "DOWN");
            if (!up) {
                body.put(d.name() + "_error", d.lastError().get());
                ready &= !d.required();
            }
        }
        body.put("status", ready ? "UP" : "DOWN");
        body.put("draining", draining);
        body.put("queue", queueState());
        body.put("durability", durability);
        body.put("uptime_seconds", metrics.uptimeSeconds());
        ctx.status(ready ? 200 : 503).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    /** The process is up and serving HTTP: nothing else is checked, so a restart is never asked for in vain. */
    void live(Context ctx) {
        ctx.status(200).contentType("application/json").result("{\"status\":\"UP\"}");
    }

    /**
     * Whether to send traffic here: the service is not draining, the database is reachable where the node needs it,
     * and so is every required dependency (with --queue kafka, the brokers; on a writer, its consumers); as /health.
     */
    void ready(Context ctx) throws Exception {
        health(ctx);
    }

    void metrics(Context ctx) throws Exception {
        if (PrometheusFormat.requestedBy(ctx.header("Accept"))) {
            PrometheusFormat.Gauges gauges = new PrometheusFormat.Gauges(queue.depth(), queue.capacity(),
                    queue.bytes(), queue.maxBytes(), workers, databaseUp(), ingest.closed(), metrics.uptimeSeconds());
            ctx.contentType(PrometheusFormat.CONTENT_TYPE).result(PrometheusFormat.render(metrics, gauges));
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        for (Counter c : metrics.counters()) {
            body.put(c.key(), c.sum());
        }
        for (LabeledCounter c : metrics.labeledCounters()) {
            body.put(c.key(), c.snapshot());
        }
        body.put("queue", queueState());
        body.put("workers", workers);
        body.put("latency_ms", latency(metrics.latency.snapshot()));
        body.put("batch_size", batchSize(metrics.batchSize.snapshot()));
        body.put("kafka_records_in_flight", metrics.kafkaRecordsInFlight.get());
        body.put("kafka_ack_latency_ms", latency(metrics.kafkaAckLatency.snapshot()));
        body.put("kafka_commit_latency_ms", latency(metrics.kafkaCommitLatency.snapshot()));
        body.put("kafka_batch_size", batchSize(metrics.kafkaBatchSize.snapshot()));
        Map<String, Long> lag = new LinkedHashMap<>();
        metrics.kafkaLag.snapshot().forEach((partition, records) -> lag.put(partition.toString(), records));
        body.put("kafka_lag", lag);
        Map<String, Object> eps = new LinkedHashMap<>();
        eps.put("received_last_second", metrics.receivedRate.lastSecond());
        eps.put("received_last_minute", round(metrics.receivedRate.lastMinute()));
        eps.put("processed_last_second", metrics.processedRate.lastSecond());
        eps.put("processed_last_minute", round(metrics.processedRate.lastMinute()));
        body.put("eps", eps);
        body.put("http_requests", httpRequests());
        body.put("database", databaseState());
        body.put("uptime_seconds", metrics.uptimeSeconds());
        ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private boolean databaseUp() {
        return database == null || database.up();
    }

    private String databaseState() {
        return database == null ? "NONE" : database.up() ? "UP" : "DOWN";
    }

    private Map<String, Object> queueState() {
        if (queueState != null) {
            return queueState.get();
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("depth", queue.depth());
        q.put("capacity", queue.capacity());
        q.put("bytes", queue.bytes());
        q.put("max_bytes", queue.maxBytes());
        return q;
    }

    private static Map<String, Object> latency(LatencyHistogram.Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", s.count());
        m.put("p50", millis(s.quantileNanos(0.50)));
        m.put("p95", millis(s.quantileNanos(0.95)));
        m.put("p99", millis(s.quantileNanos(0.99)));
        m.put("max", millis(s.maxNanos()));
        m.put("mean", millis((long) s.meanNanos()));
        return m;
    }

    private static Map<String, Object> batchSize(SizeHistogram.Snapshot s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", s.count());
        m.put("sum", s.sum());
        m.put("mean", round(s.mean()));
        m.put("max", s.max());
        return m;
    }

    /** {"POST /events": {"202": 3, "400": 1}, …}: by method and route template, then status. */
    private Map<String, Map<String, Long>> httpRequests() {
        Map<String, Map<String, Long>> m = new LinkedHashMap<>();
        for (HttpRequests.Count c : metrics.httpRequests.snapshot()) {
            m.computeIfAbsent(c.method() + " " + c.route(), k -> new LinkedHashMap<>())
                    .put(Integer.toString(c.status()), c.count());
        }
        return m;
    }

    private static double millis(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
