package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an operator sees, on the embedded H2: the Prometheus text against the JSON it must agree with, and the
 * real jar's log (key=value lines, request ids, no payloads, no passwords).
 */
class OperabilityIT {
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);
    /** slf4j-simple as configured: time, level, logger, " - ", message. */
    static final Pattern LOG_LINE = Pattern.compile("\\S+ (TRACE|DEBUG|INFO|WARN|ERROR) (\\S+) - (.*)");
    /** logfmt: event=name, then key=value pairs, a value quoted when it has spaces. */
    static final Pattern KEY_VALUE =
            Pattern.compile("event=[a-z_]+( [a-z_]+=(\"([^\"\\\\]|\\\\.)*\"|[^\\s\"]*))*");

    @TempDir
    Path dir;

    @Test
    void prometheus_text_reports_the_same_values_as_the_json() throws Exception {
        TestDb db = new TestDb("h2", "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath());
        Service service = Main.build(io.eventpipeline.config.Config.builder().port(0).dbUrl(db.url())
                .dataDir(dir.resolve("data")).build());
        service.start();
        try {
            HttpTestClient http = new HttpTestClient(service.port());
            for (int i = 0; i < 30; i++) {
                assertThat(http.post("/events", HttpTestClient.event("p-" + i, "t", "{}")).status()).isEqualTo(202);
            }
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 40; i++) {
                batch.append(i == 0 ? "" : ",").append(HttpTestClient.event("p-" + i, "t", "{}")); // 30 duplicates
            }
            batch.append(",{\"type\":\"t\"}]}"); // and one invalid
            assertThat(http.post("/events/batch", batch.toString()).status()).isEqualTo(202);
            assertThat(http.post("/events", "{\"type\":\"t\"}").status()).isEqualTo(400);
            Eventually.await(STORE_TIMEOUT, "every accepted event is stored or found a duplicate",
                    () -> service.metrics().processed.sum() + service.metrics().duplicates.sum() == 70);

            JsonNode json = http.get("/metrics").json();
            var scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
                    + "/metrics")).header("Accept", "text/plain;version=0.0.4").GET());
            assertThat(scrape.raw().headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            PrometheusText text = PrometheusText.parse(scrape.body());
            text.assertWellFormed();

            Map<String, String> counters = Map.of("received", "pipeline_events_received_total",
                    "accepted", "pipeline_events_accepted_total", "rejected", "pipeline_events_rejected_total",
                    "throttled", "pipeline_events_throttled_total", "processed", "pipeline_events_processed_total",
                    "duplicates", "pipeline_events_duplicates_total", "failed", "pipeline_events_failed_total",
                    "retries", "pipeline_store_retries_total", "replayed", "pipeline_events_replayed_total",
                    "rate_limited", "pipeline_events_rate_limited_total");
            counters.forEach((key, name) ->
                    assertThat(text.value(name)).as(name).isEqualTo(json.get(key).asDouble()));
            assertThat(json.get("received").asLong()).isEqualTo(72);
            assertThat(json.get("processed").asLong()).isEqualTo(40);
            assertThat(json.get("duplicates").asLong()).isEqualTo(30);
            assertThat(json.get("rejected").asLong()).isEqualTo(2);

            JsonNode queue = json.get("queue");
            assertThat(text.value("pipeline_queue_depth")).isEqualTo(queue.get("depth").asDouble());
            assertThat(text.value("pipeline_queue_capacity")).isEqualTo(queue.get("capacity").asDouble());
            assertThat(text.value("pipeline_queue_bytes")).isEqualTo(queue.get("bytes").asDouble());
            assertThat(text.value("pipeline_queue_capacity_bytes")).isEqualTo(queue.get("max_bytes").asDouble());
            assertThat(text.value("pipeline_workers")).isEqualTo(json.get("workers").asDouble());
            assertThat(text.value("pipeline_database_up")).isEqualTo(1);

            JsonNode latency = json.get("latency_ms");
            double count = text.value("pipeline_event_latency_seconds_count");
            assertThat(count).isEqualTo(latency.get("count").asDouble()).isEqualTo(70);
            assertThat(text.value("pipeline_event_latency_seconds_bucket", "le", "+Inf")).isEqualTo(count);
            double meanMs = text.value("pipeline_event_latency_seconds_sum") / count * 1000;
            assertThat(meanMs).isCloseTo(latency.get("mean").asDouble(), within(0.01));

            JsonNode batches = json.get("batch_size");
            assertThat(text.value("pipeline_batch_size_events_count")).isEqualTo(batches.get("count").asDouble());
            assertThat(text.value("pipeline_batch_size_events_sum")).isEqualTo(batches.get("sum").asDouble())
                    .isEqualTo(70);

            JsonNode requests = json.get("http_requests");
            assertThat(text.value("pipeline_http_requests_total", "method", "POST", "route", "/events",
                    "status", "202")).isEqualTo(requests.get("POST /events").get("202").asDouble()).isEqualTo(30);
            assertThat(text.value("pipeline_http_requests_total", "method", "POST", "route", "/events",
                    "status", "400")).isEqualTo(1);
            assertThat(text.value("pipeline_http_requests_total", "method", "POST", "route", "/events/batch",
                    "status", "202")).isEqualTo(1);
        } finally {
            service.stop();
        }
    }

    @Test
    void the_jar_logs_key_value_lines_with_request_ids_and_never_a_payload_or_a_password() throws Exception {
        String payloadMarker = "PAYLOAD-MARKER-7f3a";
        String password = "PASSWORD-MARKER-91c2";
        List<String> args = List.of("--db-url", "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath(),
                "--db-user", "sa", "--db-password", password, "--data-dir", dir.resolve("data").toString(),
                "--log-level", "debug");
        JarProcess service = JarProcess.start(dir.resolve("service.log"), args);
        String generatedId;
        try (service) {
            service.awaitHealthy(Duration.ofSeconds(60));
            HttpTestClient http = new HttpTestClient(service.port());
            String event = HttpTestClient.event("log-1", "t", "{\"secret\":\"" + payloadMarker + "\"}");
            var accepted = http.send(post(service, event).header("X-Request-Id", "req-accepted-1"));
            assertThat(accepted.status()).isEqualTo(202);
            assertThat(accepted.raw().headers().firstValue("X-Request-Id")).hasValue("req-accepted-1");
            var refused = http.send(post(service, "{\"type\":\"" + payloadMarker + "\"}")
                    .header("X-Request-Id", "req-refused-1"));
            assertThat(refused.status()).isEqualTo(400);
            var generated = http.send(post(service, event));
            generatedId = generated.raw().headers().firstValue("X-Request-Id").orElseThrow();
            Eventually.await(STORE_TIMEOUT, "the event is stored",
                    () -> metric(http, "processed") + metric(http, "duplicates") == 2);
            service.terminate();
            assertThat(service.awaitExit(Duration.ofSeconds(60))).as(service.output()).isZero();
        }

        String log = service.output();
        assertThat(log).doesNotContain(payloadMarker).doesNotContain(password);
        List<Matcher> lines = log.lines().map(LOG_LINE::matcher).filter(Matcher::matches).toList();
        for (Matcher line : lines) {
            if (!line.group(1).equals("DEBUG") && !line.group(1).equals("TRACE")) {
                assertThat(line.group(3)).as("a key=value line").matches(KEY_VALUE);
            }
        }
        // One INFO line per step of start and stop, in order.
        List<String> info = lines.stream().filter(m -> m.group(1).equals("INFO")).map(m -> m.group(3)).toList();
        assertThat(info).extracting(l -> l.split(" ")[0]).containsSubsequence("event=journal_opened",
                "event=database_ready", "event=workers_started", "event=started", "event=stopping",
                "event=intake_closed", "event=queue_drained", "event=http_stopped", "event=stopped");
        // At debug, one line per request, carrying its id.
        List<String> requests = lines.stream().filter(m -> m.group(1).equals("DEBUG"))
                .map(m -> m.group(3)).filter(l -> l.startsWith("event=request ")).toList();
        assertThat(requests).anySatisfy(l -> assertThat(l).matches(KEY_VALUE)
                .contains("method=POST", "route=/events", "status=202", "request_id=req-accepted-1"));
        assertThat(requests).anySatisfy(l -> assertThat(l).contains("status=400", "request_id=req-refused-1"));
        assertThat(requests).anySatisfy(l -> assertThat(l).contains("request_id=" + generatedId));
    }

    @Test
    void a_second_instance_on_the_same_data_dir_refuses_to_start() throws Exception {
        List<String> args = List.of("--db-url", "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath(),
                "--data-dir", dir.resolve("data").toString());
        try (JarProcess first = JarProcess.start(dir.resolve("first.log"), args)) {
            first.awaitHealthy(Duration.ofSeconds(60));
            try (JarProcess second = JarProcess.start(dir.resolve("second.log"), args)) {
                assertThat(second.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
                assertThat(second.output()).contains("is in use by another running instance");
            }
            assertThat(new HttpTestClient(first.port()).get("/health/ready").status()).isEqualTo(200);
        }
    }

    private static HttpRequest.Builder post(JarProcess service, String json) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/events"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static long metric(HttpTestClient http, String key) {
        try {
            return http.get("/metrics").json().get(key).asLong();
        } catch (Exception e) {
            return -1;
        }
    }
}
