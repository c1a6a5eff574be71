package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.metrics.LatencyHistogram;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.storage.HealthProbe;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** GET /health and GET /metrics. */
final class StatusRoutes {
    private final HealthProbe database;
    private final Ingest ingest;
    private final EventQueue queue;
    private final Metrics metrics;
    private final ObjectMapper json;
    private final int workers;
    private final String durability;

    StatusRoutes(HealthProbe database, Ingest ingest, EventQueue queue, Metrics metrics, ObjectMapper json,
            int workers, String durability) {
        this.database = database;
        this.ingest = ingest;
        this.queue = queue;
        this.metrics = metrics;
        this.json = json;
        this.workers = workers;
        this.durability = durability;
    }

    void health(Context ctx) throws Exception {
        boolean dbUp = database.up();
        boolean draining = ingest.closed();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", dbUp && !draining ? "UP" : "DOWN");
        body.put("database", dbUp ? "UP" : "DOWN");
        if (!dbUp) {
            body.put("database_error", database.lastError());
        }
        body.put("draining", draining);
        body.put("queue", queueState());
        body.put("durability", durability);
        body.put("uptime_seconds", metrics.uptimeSeconds());
        ctx.status(dbUp && !draining ? 200 : 503).contentType("application/json").result(json.writeValueAsBytes(body));
    }

    void metrics(Context ctx) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("received", metrics.received.sum());
        body.put("accepted", metrics.accepted.sum());
        body.put("rejected", metrics.rejected.sum());
        body.put("throttled", metrics.throttled.sum());
        body.put("processed", metrics.processed.sum());
        body.put("duplicates", metrics.duplicates.sum());
        body.put("failed", metrics.failed.sum());
        body.put("retries", metrics.retries.sum());
        body.put("replayed", metrics.replayed.sum());
        body.put("queue", queueState());
        body.put("workers", workers);
        body.put("latency_ms", latency(metrics.latency.snapshot()));
        Map<String, Object> eps = new LinkedHashMap<>();
        eps.put("received_last_second", metrics.receivedRate.lastSecond());
        eps.put("received_last_minute", round(metrics.receivedRate.lastMinute()));
        eps.put("processed_last_second", metrics.processedRate.lastSecond());
        eps.put("processed_last_minute", round(metrics.processedRate.lastMinute()));
        body.put("eps", eps);
        body.put("database", database.up() ? "UP" : "DOWN");
        body.put("uptime_seconds", metrics.uptimeSeconds());
        ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    }

    private Map<String, Object> queueState() {
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

    private static double millis(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
