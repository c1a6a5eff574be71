package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Counter;
import io.eventpipeline.metrics.LabeledCounter;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.metrics.PrometheusText;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.NoAcceptLog;
import io.eventpipeline.security.ApiKeys;
import io.javalin.Javalin;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP app alone, with a real socket: health split, request ids, route counting, metrics negotiation, and
 * the counters: every one of the list in both renderings, each ingest request counted once by its answer.
 */
class StatusRoutesTest {
    final Metrics metrics = new Metrics();
    final EventQueue queue = new EventQueue(100, 1 << 20);
    /** What every append to the accept log throws while set: a journal that cannot be written, or a fault. */
    final AtomicReference<Exception> appendFailure = new AtomicReference<>();
    /** What the accept log says of itself while set: a journal-async journal whose force failed. */
    final AtomicReference<String> journalFailure = new AtomicReference<>();
    final NoAcceptLog acceptLog = new NoAcceptLog() {
        @Override
        public long append(List<Event> events) throws IOException {
            switch (appendFailure.get()) {
                case null -> {
                    return 0;
                }
                case IOException e -> throw e;
                case RuntimeException e -> throw e;
                default -> throw new AssertionError(appendFailure.get());
            }
        }

        @Override
        public String failure() {
            return journalFailure.get();
        }
    };
    final Ingest ingest = new LocalIngest(queue, acceptLog);
    ApiUnderTest api;
    Javalin app;
    HttpTestClient http;

    void start(boolean databaseUp) {
        start(databaseUp, Config.builder().port(0).build());
    }

    void start(boolean databaseUp, Config config) {
        api = ApiUnderTest.start(config, ApiUnderTest.healthDatabase("status-test", databaseUp),
                probe -> new HttpApi.Parts(ingest, queue, metrics, probe, null, "memory", ApiKeys.none(), null));
        app = api.app();
        http = api.http();
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void the_service_listens_on_one_connector_with_a_deep_accept_queue_and_small_copy_buffers() {
        start(true);
        var connectors = app.jettyServer().server().getConnectors();

        assertThat(connectors).hasSize(1); // Javalin adds its own only when none is given
        var connector = (org.eclipse.jetty.server.ServerConnector) connectors[0];
        assertThat(connector.getAcceptQueueSize()).isEqualTo(HttpApi.ACCEPT_QUEUE);
        assertThat(connector.getLocalPort()).isEqualTo(app.port()).isPositive();
        assertThat(connector.getHost()).isEqualTo("127.0.0.1");
        assertThat(connector.getIdleTimeout()).isEqualTo(Config.builder().build().idleTimeout().toMillis());
        // Javalin's per-response copy buffer, left at Jetty's 32 KiB output size unless set.
        assertThat(app.unsafe.http.responseBufferSize).isEqualTo(HttpApi.RESPONSE_COPY_BYTES);
        assertThat(connector.getConnectionFactory(org.eclipse.jetty.server.HttpConnectionFactory.class)
                .getHttpConfiguration().getOutputBufferSize()).as("Jetty's own buffer, unchanged").isEqualTo(32768);
    }

    /** --idle-timeout closes a keep-alive connection left silent that long, and not at the first silence. */
    @Test
    void a_silent_keep_alive_connection_is_closed_after_the_idle_timeout() throws Exception {
        start(true, Config.builder().port(0).idleTimeout(Duration.ofSeconds(1)).build());
        try (Socket socket = new Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(15);
            assertThat(new String(head, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK");
            long answered = System.nanoTime();
            byte[] rest = in.readAllBytes(); // the rest of the answer, then the server's close
            long silentMillis = (System.nanoTime() - answered) / 1_000_000;

            assertThat(new String(rest, StandardCharsets.ISO_8859_1)).contains("\"UP\"")
                    .doesNotContainIgnoringCase("Connection: close");
            assertThat(silentMillis).as("closed after the 1s idle timeout, within the 10s read timeout")
                    .isGreaterThanOrEqualTo(900);
        }
    }

    @Test
    void live_and_ready_are_up_when_the_database_is_and_the_service_is_not_draining() throws Exception {
        start(true);
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        assertThat(http.get("/health/live").json().get("status").asText()).isEqualTo("UP");
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("UP");
        assertThat(ready.json().get("database").asText()).isEqualTo("UP");
        assertThat(ready.json().get("draining").asBoolean()).isFalse();
        // The same shape as /health, which stays as it was.
        var health = http.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(ready.json().fieldNames()).toIterable().containsExactlyElementsOf(
                () -> health.json().fieldNames());
    }

    @Test
    void ready_is_down_while_draining_but_live_stays_up() throws Exception {
        start(true);
        ingest.close(Duration.ofSeconds(1));
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(ready.json().get("draining").asBoolean()).isTrue();
        assertThat(http.get("/health").status()).isEqualTo(503);
        assertThat(http.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void ready_is_down_while_the_database_is_unreachable_but_live_stays_up() throws Exception {
        start(false);
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("database").asText()).isEqualTo("DOWN");
        assertThat(ready.json().get("database_error").asText()).isNotBlank();
        assertThat(http.get("/health/live").status()).isEqualTo(200);
    }

    @Test
    void a_sane_request_id_is_echoed_and_any_other_is_replaced_by_a_new_one() throws Exception {
        start(true);
        assertThat(requestId("/health/live", "abc-123.X:y_z")).isEqualTo("abc-123.X:y_z");
        assertThat(requestId("/no/such/route", "gw:42")).isEqualTo("gw:42"); // 404s carry it too
        String generated = requestId("/health/live", null);
        assertThat(generated).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(requestId("/health/live", null)).isNotEqualTo(generated);
        for (String insane : List.of("x".repeat(129), "has space", "quote\"", "semi;colon", "")) {
            assertThat(requestId("/health/live", insane)).as(insane).isNotEqualTo(insane).hasSize(36);
        }
        assertThat(requestId("/health/live", "y".repeat(128))).isEqualTo("y".repeat(128));
    }

    @Test
    void requests_are_counted_by_route_template_and_status_never_by_raw_path() throws Exception {
        start(true);
        http.get("/health/live");
        http.get("/health/live");
        http.post("/events", "{\"type\":\"t\"}"); // 400
        http.get("/unknown/" + System.nanoTime()); // 404
        http.send(HttpRequest.newBuilder(uri("/events")).method("DELETE", HttpRequest.BodyPublishers.noBody()));

        PrometheusText text = scrape();
        assertThat(text.value("pipeline_http_requests_total", "method", "GET", "route", "/health/live",
                "status", "200")).isEqualTo(2);
        assertThat(text.value("pipeline_http_requests_total", "method", "POST", "route", "/events",
                "status", "400")).isEqualTo(1);
        assertThat(text.value("pipeline_http_requests_total", "method", "GET", "route", "unmatched",
                "status", "404")).isEqualTo(1);
        assertThat(text.value("pipeline_http_requests_total", "method", "DELETE", "route", "unmatched",
                "status", "405")).isEqualTo(1);
        assertThat(text.samples).noneMatch(s -> s.labels().getOrDefault("route", "").startsWith("/unknown"));
        assertThat(http.get("/metrics").json().get("http_requests").get("POST /events").get("400").asLong())
                .isEqualTo(1);
    }

    @Test
    void metrics_answer_prometheus_text_to_a_scrape_and_json_otherwise() throws Exception {
        start(true);
        var text = http.send(HttpRequest.newBuilder(uri("/metrics")).header("Accept",
                "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1").GET());
        assertThat(text.status()).isEqualTo(200);
        assertThat(text.raw().headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        PrometheusText.parse(text.body()).assertWellFormed();

        var json = http.send(HttpRequest.newBuilder(uri("/metrics")).header("Accept", "*/*").GET());
        assertThat(json.raw().headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(json.json().get("queue").get("capacity").asInt()).isEqualTo(100);
        assertThat(http.get("/metrics").json().has("latency_ms")).isTrue(); // no Accept at all
    }

    @Test
    void every_counter_of_the_list_appears_with_its_value_in_the_json_and_in_the_prometheus_text() throws Exception {
        start(true);
        List<Counter> counters = metrics.counters();
        for (int i = 0; i < counters.size(); i++) {
            counters.get(i).add(1000 + i); // each its own value, so that no two can be mixed up
        }
        List<LabeledCounter> labeled = metrics.labeledCounters();
        for (int i = 0; i < labeled.size(); i++) {
            List<String> values = List.copyOf(labeled.get(i).snapshot().keySet());
            for (int v = 0; v < values.size(); v++) {
                labeled.get(i).add(values.get(v), 2000 + 100 * i + v);
            }
        }

        JsonNode json = http.get("/metrics").json();
        PrometheusText text = scrape();

        text.assertWellFormed();
        for (Counter c : counters) {
            assertThat(json.get(c.key())).as("JSON %s", c.key()).isNotNull();
            assertThat(json.get(c.key()).asLong()).as("JSON %s", c.key()).isEqualTo(c.sum());
            assertThat(text.types).as(c.prometheusName()).containsEntry(c.prometheusName(), "counter");
            assertThat(text.helps).as(c.prometheusName()).containsEntry(c.prometheusName(), c.help());
            assertThat(text.value(c.prometheusName())).as(c.prometheusName()).isEqualTo(c.sum());
        }
        for (LabeledCounter c : labeled) {
            assertThat(text.types).as(c.prometheusName()).containsEntry(c.prometheusName(), "counter");
            assertThat(text.helps).as(c.prometheusName()).containsEntry(c.prometheusName(), c.help());
            assertThat(json.get(c.key()).size()).as("JSON %s", c.key()).isEqualTo(c.snapshot().size());
            c.snapshot().forEach((v, n) -> {
                assertThat(json.at("/" + c.key() + "/" + v).asLong()).as("JSON %s.%s", c.key(), v).isEqualTo(n);
                assertThat((long) text.value(c.prometheusName(), c.label(), v)).as("%s{%s}", c.prometheusName(), v)
                        .isEqualTo(n);
            });
        }
        Set<String> listed = counters.stream().map(Counter::prometheusName).collect(Collectors.toSet());
        labeled.forEach(c -> listed.add(c.prometheusName()));
        listed.add("pipeline_http_requests_total"); // by labels, not a single value: rendered apart
        Set<String> rendered = text.types.entrySet().stream().filter(e -> e.getValue().equals("counter"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(rendered).as("every counter family but the labelled HTTP one comes from the lists")
                .containsExactlyInAnyOrderElementsOf(listed);
    }

    /** Each 503 of an ingest route is counted once under its reason, in JSON and in the Prometheus text. */
    @Test
    void a_503_is_counted_under_its_reason() throws Exception {
        start(true);
        appendFailure.set(new IOException("no space left on device"));
        for (int i = 0; i < 2; i++) {
            var refused = http.post("/events", HttpTestClient.event("disk-" + i, "t", "{}"));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.json().get("reason").asText()).isEqualTo("not_durable");
        }
        appendFailure.set(null);
        ingest.close(Duration.ZERO);
        assertThat(http.post("/events", HttpTestClient.event("draining-1", "t", "{}")).status()).isEqualTo(503);

        JsonNode refusals = http.get("/metrics").json().get("refusals");
        assertThat(refusals.get("not_durable").asLong()).isEqualTo(2);
        assertThat(refusals.get("draining").asLong()).isEqualTo(1);
        assertThat(refusals.get("queue_full").asLong()).isZero();
        assertThat(scrape().value("pipeline_ingest_refusals_total", "reason", "not_durable")).isEqualTo(2);
        assertThat(scrape().value("pipeline_ingest_refusals_total", "reason", "draining")).isEqualTo(1);
    }

    @Test
    void a_body_whose_events_cannot_be_counted_is_one_rejected_event_on_either_route() throws Exception {
        start(true, Config.builder().port(0).maxBodyBytes(4096).maxBatchEvents(3).build());
        List<HttpRequest.Builder> bodies = new ArrayList<>();
        for (String route : List.of("/events", "/events/batch")) {
            bodies.add(post(route, "application/json", "{\"events\":[{\"type\":")); // not JSON
            bodies.add(post(route, "application/json", "[" + event() + "]")); // not an object
            bodies.add(post(route, "application/json", "")); // empty
            bodies.add(post(route, "application/json", batch())); // no event
            bodies.add(post(route, "application/json", batch(event(), event(), event(), event()))); // over 3
            bodies.add(post(route, "text/plain", event())); // 415
            bodies.add(post(route, "application/json", "{\"data\":\"" + "x".repeat(5000) + "\"}")); // over 4096 B
        }

        long refused = 0;
        for (HttpRequest.Builder request : bodies) {
            var answer = http.send(request);
            assertThat(answer.status()).as(answer.body()).isBetween(400, 499).isNotEqualTo(429);
            refused++;
            assertCounts(refused, 0, refused, 0, 0);
        }
    }

    @Test
    void requests_refused_while_draining_are_counted_as_throttled_on_either_route() throws Exception {
        start(true);
        assertThat(http.post("/events/batch", batch(event(), event())).status()).isEqualTo(202);
        ingest.close(Duration.ofSeconds(5));

        assertThat(http.post("/events", event()).status()).isEqualTo(503);
        assertCounts(3, 2, 0, 1, 0);
        // Refused before its body is read, so counted as one event, like any request whose events are not known.
        var refused = http.post("/events/batch", batch(event(), event(), event()));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("error").asText()).contains("shutting down");
        assertCounts(4, 2, 0, 2, 0);
        assertThat(http.post("/events/batch", "not json").status()).as("refused before it is read").isEqualTo(503);
        assertCounts(5, 2, 0, 3, 0);
    }

    @Test
    void a_batch_refused_by_a_full_queue_counts_its_valid_events_as_throttled_and_its_invalid_ones_as_rejected()
            throws Exception {
        start(true);
        String[] ninetyNine = Collections.nCopies(99, event()).toArray(String[]::new);
        assertThat(http.post("/events/batch", batch(ninetyNine)).status()).isEqualTo(202);
        assertThat(http.post("/events", event()).status()).isEqualTo(202); // the queue holds 100: full

        var refused = http.post("/events/batch", batch(event(), "{\"source\":\"test\"}", event()));

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("reason").asText()).isEqualTo("queue_full");
        assertCounts(103, 100, 1, 2, 0);
    }

    @Test
    void events_the_service_could_not_keep_are_counted_as_throttled_whether_it_answers_503_or_500()
            throws Exception {
        start(true);
        appendFailure.set(new IOException("No space left on device"));
        var notDurable = http.post("/events/batch", batch(event(), event()));
        assertThat(notDurable.status()).isEqualTo(503);
        assertThat(notDurable.json().get("reason").asText()).isEqualTo("not_durable");
        assertCounts(2, 0, 0, 2, 0);

        appendFailure.set(new IllegalStateException("a fault in the service"));
        assertThat(http.post("/events", event()).status()).isEqualTo(500);
        assertCounts(3, 0, 0, 3, 0);
    }

    /**
     * journal-async after a failed force: every event is refused with a reason of its own (not "is the disk
     * full?"), counted as throttled, and readiness goes down with why, so that a load balancer stops sending
     * events to a node that would refuse them all; live stays up (a restart is the fix, and the operator's call).
     */
    @Test
    void a_journal_that_failed_a_force_refuses_events_with_its_own_reason_and_makes_ready_503() throws Exception {
        String why = "a force of the journal in /data/journal to disk failed (Input/output error): events are "
                + "refused; restart the service once the disk is sound";
        api = ApiUnderTest.start(Config.builder().port(0).build(), ApiUnderTest.healthDatabase("status-journal", true),
                probe -> new HttpApi.Parts(ingest, true, queue, metrics, probe, null, "journal-async",
                        ApiKeys.none(), null, null, true, List.of(Dependency.journal(acceptLog)), null));
        app = api.app();
        http = api.http();
        var up = http.get("/health/ready");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.json().get("journal").asText()).isEqualTo("UP");

        journalFailure.set(why);
        appendFailure.set(new IOException("Journal in /data/journal takes no more appends since a force failed"));
        var refused = http.post("/events/batch", batch(event(), event()));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.json().get("reason").asText()).isEqualTo("journal_failed");
        assertThat(refused.json().get("error").asText())
                .contains("could not force to disk", "restart the service").doesNotContain("disk full");
        assertCounts(2, 0, 0, 2, 0);

        var down = http.get("/health/ready");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(down.json().get("journal").asText()).isEqualTo("DOWN");
        assertThat(down.json().get("journal_error").asText()).isEqualTo(why);
        assertThat(http.get("/health/live").status()).isEqualTo(200);
    }

    static final String BROKER_ERROR = "connection to node -1 could not be established";
    /** Whether the test's dependency "broker" is up; flipped by the test, read by every /health answer. */
    final AtomicBoolean brokerUp = new AtomicBoolean(true);

    /**
     * The API with the full parts: a node that takes events, whose readiness waits for the database only when
     * {@code databaseRequired}, with one dependency "broker" (up while {@link #brokerUp}), required or not.
     */
    void startWithDependency(boolean databaseUp, boolean databaseRequired, boolean brokerRequired) {
        api = ApiUnderTest.start(Config.builder().port(0).build(),
                ApiUnderTest.healthDatabase("status-dep", databaseUp),
                probe -> fullParts(probe, databaseRequired, brokerRequired));
        app = api.app();
        http = api.http();
    }

    HttpApi.Parts fullParts(io.eventpipeline.storage.HealthProbe probe, boolean databaseRequired,
            boolean brokerRequired) {
        return new HttpApi.Parts(ingest, true, queue, metrics, probe, null, "kafka", ApiKeys.none(), null, null,
                databaseRequired, List.of(new Dependency("broker", brokerUp::get,
                        () -> brokerUp.get() ? null : BROKER_ERROR, brokerRequired)), null);
    }

    @Test
    void a_required_dependency_that_is_down_makes_ready_503_with_its_state_and_error_and_up_again_200()
            throws Exception {
        startWithDependency(true, true, true);
        var up = http.get("/health/ready");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.json().get("broker").asText()).isEqualTo("UP");
        assertThat(up.json().has("broker_error")).isFalse();

        brokerUp.set(false);
        var down = http.get("/health/ready");
        assertThat(down.status()).isEqualTo(503);
        assertThat(down.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(down.json().get("broker").asText()).isEqualTo("DOWN");
        assertThat(down.json().get("broker_error").asText()).isEqualTo(BROKER_ERROR);
        assertThat(down.json().get("database").asText()).isEqualTo("UP");
        assertThat(http.get("/health").status()).isEqualTo(503);
        assertThat(http.get("/health/live").status()).as("live checks nothing else").isEqualTo(200);

        brokerUp.set(true);
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
    }

    @Test
    void a_dependency_that_is_not_required_is_reported_down_but_ready_stays_200() throws Exception {
        startWithDependency(true, true, false);
        brokerUp.set(false);
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("UP");
        assertThat(ready.json().get("broker").asText()).isEqualTo("DOWN");
        assertThat(ready.json().get("broker_error").asText()).isNotBlank();
    }

    @Test
    void a_database_that_is_not_required_is_reported_down_but_ready_stays_200() throws Exception {
        startWithDependency(false, false, true);
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("status").asText()).isEqualTo("UP");
        assertThat(ready.json().get("database").asText()).isEqualTo("DOWN");
        assertThat(ready.json().get("database_error").asText()).isNotBlank();
        assertThat(ready.json().get("broker").asText()).isEqualTo("UP");
    }

    @Test
    void without_a_health_probe_the_database_is_none_and_ready_is_200() throws Exception {
        api = ApiUnderTest.start(Config.builder().port(0).build(), ApiUnderTest.healthDatabase("status-none", true),
                probe -> fullParts(null, true, true)); // the node has no database: no probe reaches the routes
        app = api.app();
        http = api.http();
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.json().get("database").asText()).isEqualTo("NONE");
        assertThat(ready.json().has("database_error")).isFalse();
        assertThat(http.get("/metrics").json().get("database").asText()).isEqualTo("NONE");
    }

    /** The five ingest counters in the JSON, and the sum that must hold between them. */
    private void assertCounts(long received, long accepted, long rejected, long throttled, long rateLimited)
            throws Exception {
        JsonNode json = http.get("/metrics").json();
        assertThat(List.of(json.get("received").asLong(), json.get("accepted").asLong(),
                json.get("rejected").asLong(), json.get("throttled").asLong(), json.get("rate_limited").asLong()))
                .as("received, accepted, rejected, throttled, rate_limited")
                .containsExactly(received, accepted, rejected, throttled, rateLimited);
        assertThat(received).isEqualTo(accepted + rejected + throttled + rateLimited);
    }

    private PrometheusText scrape() throws Exception {
        var r = http.send(HttpRequest.newBuilder(uri("/metrics")).header("Accept", "text/plain").GET());
        return PrometheusText.parse(r.body());
    }

    private String requestId(String path, String given) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
        if (given != null) {
            b.header(RequestLog.HEADER, given);
        }
        return http.send(b).raw().headers().firstValue(RequestLog.HEADER).orElseThrow();
    }

    private HttpRequest.Builder post(String path, String contentType, String body) {
        return HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static String event() {
        return HttpTestClient.event(null, "t", "{}");
    }

    private static String batch(String... events) {
        return "{\"events\":[" + String.join(",", events) + "]}";
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + app.port() + path);
    }
}
