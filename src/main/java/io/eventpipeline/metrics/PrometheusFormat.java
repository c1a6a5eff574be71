package io.eventpipeline.metrics;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * Renders the registry in the Prometheus text exposition format 0.0.4: what GET /metrics answers to a scrape.
 * Names follow Prometheus conventions: a {@code pipeline_} prefix, {@code _total} on counters, seconds for
 * time. The latency histograms report every fourth bound of {@link LatencyHistogram} (so each {@code le} doubles
 * the one before), and each cumulative count is the exact sum of the fine buckets below that bound.
 */
public final class PrometheusFormat {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final int LATENCY_BOUND_STEP = 4;

    /** What the registry does not hold: the state of the queue, the database and the service. */
    public record Gauges(long queueDepth, long queueCapacity, long queueBytes, long queueMaxBytes, int workers,
            boolean databaseUp, boolean draining, long uptimeSeconds) {
    }

    private final StringBuilder out = new StringBuilder(8192);

    private PrometheusFormat() {
    }

    public static String render(Metrics m, Gauges g) {
        PrometheusFormat p = new PrometheusFormat();
        for (Counter c : m.counters()) {
            p.counter(c.prometheusName(), c.help(), c.sum());
        }
        for (LabeledCounter c : m.labeledCounters()) {
            p.labeled(c);
        }
        p.gauge("pipeline_queue_depth", "Events in the queue, waiting for a worker.", g.queueDepth());
        p.gauge("pipeline_queue_capacity", "Events the queue holds before ingest answers 503 (--queue-capacity).",
                g.queueCapacity());
        p.gauge("pipeline_queue_bytes", "Bytes of the events in the queue.", g.queueBytes());
        p.gauge("pipeline_queue_capacity_bytes",
                "Bytes the queue holds before ingest answers 503 (--queue-max-bytes).", g.queueMaxBytes());
        p.gauge("pipeline_workers", "Workers storing batches (--workers).", g.workers());
        p.gauge("pipeline_database_up", "1 when the last database probe succeeded, else 0.", g.databaseUp() ? 1 : 0);
        p.gauge("pipeline_draining", "1 while the service is shutting down and refusing events, else 0.",
                g.draining() ? 1 : 0);
        p.gauge("pipeline_uptime_seconds", "Seconds since the service started.", g.uptimeSeconds());
        p.gauge("pipeline_kafka_records_in_flight", "With --queue kafka: records handed to the producer and not yet "
                + "acknowledged by the broker or failed.", m.kafkaRecordsInFlight.get());
        p.lag(m.kafkaLag);
        p.latency("pipeline_event_latency_seconds",
                "Time from an event's 202 to its row being stored (or found a duplicate).", m.latency.snapshot());
        p.latency("pipeline_kafka_ack_latency_seconds", "With --queue kafka: time from a record's send to the "
                + "broker's acknowledgement (acks=all), per acknowledged record.", m.kafkaAckLatency.snapshot());
        p.latency("pipeline_kafka_offset_commit_latency_seconds", "With --queue kafka: time a writer's offset "
                + "commit took, refused ones included.", m.kafkaCommitLatency.snapshot());
        p.sizes("pipeline_batch_size_events", "Events per batch stored in one INSERT.", m.batchSize.snapshot());
        p.sizes("pipeline_kafka_batch_size_records", "With --queue kafka: records per batch a writer polled and "
                + "stored.", m.kafkaBatchSize.snapshot());
        p.httpRequests(m.httpRequests);
        return p.out.toString();
    }

    private void latency(String name, String help, LatencyHistogram.Snapshot s) {
        header(name, help, "histogram");
        long[] bounds = LatencyHistogram.bucketBoundsNanos();
        long[] counts = s.bucketCounts();
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i];
            if (i % LATENCY_BOUND_STEP == 0) {
                bucket(name, seconds(bounds[i]), cumulative);
            }
        }
        bucket(name, "+Inf", s.count());
        sample(name + "_sum", "", seconds(s.sumNanos()));
        sample(name + "_count", "", Long.toString(s.count()));
    }

    private void sizes(String name, String help, SizeHistogram.Snapshot s) {
        header(name, help, "histogram");
        long[] bounds = SizeHistogram.bucketBounds();
        long[] counts = s.bucketCounts();
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i];
            bucket(name, Long.toString(bounds[i]), cumulative);
        }
        bucket(name, "+Inf", s.count());
        sample(name + "_sum", "", Long.toString(s.sum()));
        sample(name + "_count", "", Long.toString(s.count()));
    }

    private void httpRequests(HttpRequests requests) {
        String name = "pipeline_http_requests_total";
        header(name, "HTTP requests answered, by method, route template (\"unmatched\" for none) and status.",
                "counter");
        for (HttpRequests.Count c : requests.snapshot()) {
            sample(name, "{method=\"" + escapeLabel(c.method()) + "\",route=\"" + escapeLabel(c.route())
                    + "\",status=\"" + c.status() + "\"}", Long.toString(c.count()));
        }
    }

    private void labeled(LabeledCounter c) {
        header(c.prometheusName(), c.help(), "counter");
        c.snapshot().forEach((value, count) -> sample(c.prometheusName(),
                "{" + c.label() + "=\"" + escapeLabel(value) + "\"}", Long.toString(count)));
    }

    /** One sample per partition held; a node that holds none has the family's HELP and TYPE only. */
    private void lag(PartitionLag lag) {
        String name = "pipeline_kafka_consumer_lag_records";
        header(name, "With --queue kafka: per partition this writer node holds, the records between the log end "
                + "offset (as of the last fetch) and what the node has committed or is storing.", "gauge");
        lag.snapshot().forEach((partition, records) -> sample(name, "{partition=\"" + partition + "\"}",
                Long.toString(records)));
    }

    private void counter(String name, String help, long value) {
        header(name, help, "counter");
        sample(name, "", Long.toString(value));
    }

    private void gauge(String name, String help, long value) {
        header(name, help, "gauge");
        sample(name, "", Long.toString(value));
    }

    private void bucket(String name, String le, long cumulative) {
        sample(name + "_bucket", "{le=\"" + le + "\"}", Long.toString(cumulative));
    }

    /** HELP and TYPE name the family: for a counter, the name with its _total. */
    private void header(String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private void sample(String name, String labels, String value) {
        out.append(name).append(labels).append(' ').append(value).append('\n');
    }

    /** Exact decimal seconds, never an exponent: {@code 50000} ns is {@code 0.00005}. */
    static String seconds(long nanos) {
        return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
    }

    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /**
     * Whether an Accept header asks for this format: text/plain or application/openmetrics-text (both answered
     * with 0.0.4 text, which Prometheus reads whatever it asked for) preferred over application/json.
     */
    public static boolean requestedBy(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        double text = 0;
        double json = 0;
        for (String range : accept.split(",")) {
            String[] parts = range.split(";");
            String type = parts[0].strip().toLowerCase(Locale.ROOT);
            double q = quality(parts);
            if (type.equals("text/plain") || type.equals("application/openmetrics-text")) {
                text = Math.max(text, q);
            } else if (type.equals("application/json")) {
                json = Math.max(json, q);
            }
        }
        return text > 0 && text > json;
    }

    private static double quality(String[] parts) {
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            if (p.length() > 2 && (p.charAt(0) == 'q' || p.charAt(0) == 'Q') && p.charAt(1) == '=') {
                try {
                    return Double.parseDouble(p.substring(2).strip());
                } catch (NumberFormatException e) {
                    return 0;
                }
            }
        }
        return 1;
    }
}
