package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.Event;
import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.JdbcEventRepository;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the service promises, end to end: real HTTP into a running service, real rows read back with JDBC. One
 * subclass per database overrides only where the database is.
 */
abstract class PipelineScenarios implements QueryScenarios, ExactMatchScenarios, JsonStorageScenarios,
        EventNameScenarios, SegmentScenarios {
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    final RunningService running = RunningService.on(this::db);

    /** The database under test. */
    abstract TestDb db();

    @Override
    public TestDb database() {
        return db();
    }

    @Override
    public HttpTestClient client() {
        return running.http();
    }

    Service service() {
        return running.service();
    }

    @Test
    void every_event_posted_is_stored_exactly_once() throws Exception {
        int threads = 8;
        int perThread = 300;
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    // Half as single events, half as batches of 50.
                    for (int i = 0; i < perThread / 2; i++) {
                        String id = "t" + thread + "-s" + i;
                        var r = client().post("/events", HttpTestClient.event(id, "click", "{\"i\":" + i + "}"));
                        assertThat(r.status()).as(r.body()).isEqualTo(202);
                        accepted.add(r.json().get("id").asText());
                    }
                    for (int b = 0; b < perThread / 2 / 50; b++) {
                        StringBuilder batch = new StringBuilder("{\"events\":[");
                        for (int i = 0; i < 50; i++) {
                            batch.append(i == 0 ? "" : ",")
                                    .append(HttpTestClient.event("t" + thread + "-b" + b + "-" + i, "view", "{}"));
                        }
                        var r = client().post("/events/batch", batch.append("]}").toString());
                        assertThat(r.status()).as(r.body()).isEqualTo(202);
                        assertThat(r.json().get("accepted").asInt()).isEqualTo(50);
                        r.json().get("ids").forEach(id -> accepted.add(id.asText()));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        assertThat(accepted).hasSize(threads * perThread);
        db().awaitEventCount(accepted.size(), STORE_TIMEOUT);
        assertThat(db().storedIds()).isEqualTo(accepted);
        // A batch's rows are visible when it commits; its count is added just after.
        Eventually.await(Duration.ofSeconds(10), "processed counts every stored event",
                () -> service().metrics().processed.sum(), n -> n == accepted.size());
        assertThat(service().metrics().processed.sum()).isEqualTo(accepted.size());
    }

    /** A poison event whose journal segment outlived it is replayed and refused again: still one row. */
    @Test
    void an_event_refused_again_after_a_restart_stays_one_row_in_the_dead_letter() throws Exception {
        Config c = running.config().build();
        try (HikariDataSource pool = Database.pool(c, "dead-letter-test", 1, Duration.ofSeconds(10))) {
            JdbcEventRepository repository = new JdbcEventRepository(pool, Dialect.of(c.effectiveDbUrl()));
            Event poison = new Event("poison-1", "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8),
                    Instant.now(), null);

            assertThat(repository.deadLetter(poison, "refused", 4)).as("the first refusal is kept").isTrue();
            assertThat(repository.deadLetter(poison, "refused again", 4)).as("the replay's is not").isFalse();

            assertThat(db().strings("SELECT error FROM events_dead_letter WHERE event_id = ?", "poison-1"))
                    .containsExactly("refused");
        }
    }

    @Test
    void a_duplicate_id_is_stored_as_one_row() throws Exception {
        assertThat(client().post("/events", HttpTestClient.event("dup-1", "click", "{\"n\":1}")).status())
                .isEqualTo(202);
        db().awaitEventCount(1, STORE_TIMEOUT); // stored before its duplicate arrives, so it is the one kept
        assertThat(client().post("/events", HttpTestClient.event("dup-1", "click", "{\"n\":2}")).status())
                .isEqualTo(202);
        String batch = "{\"events\":[" + HttpTestClient.event("dup-2", "a", "{}") + ","
                + HttpTestClient.event("dup-2", "a", "{}") + "," + HttpTestClient.event("dup-1", "a", "{}") + "]}";
        assertThat(client().post("/events/batch", batch).status()).isEqualTo(202);

        Eventually.await(STORE_TIMEOUT, "all five events are stored or counted as duplicates",
                () -> service().metrics().processed.sum() + service().metrics().duplicates.sum() == 5);
        assertThat(db().strings("SELECT id FROM events ORDER BY id")).containsExactly("dup-1", "dup-2");
        assertThat(service().metrics().duplicates.sum()).isEqualTo(3);
        // The row stored first is kept; a duplicate never overwrites it.
        assertThat(json(db().strings("SELECT data FROM events WHERE id = 'dup-1'").getFirst()).get("n").asInt())
                .isEqualTo(1);
    }

    @Test
    void data_reads_back_as_the_same_json_object() throws Exception {
        String data = "{\"action\":\"click\",\"n\":42,\"price\":22.5,\"ok\":true,\"none\":null,"
                + "\"text\":\"caf\\u00e9 \\\"quoted\\\" \\\\ \\n tab\\t 日本語 😀\","
                + "\"nested\":{\"list\":[1,\"two\",{\"three\":[3]}],\"empty\":{}}}";
        var r = client().post("/events", HttpTestClient.event("json-1", "t", data));
        assertThat(r.status()).isEqualTo(202);
        db().awaitEventCount(1, STORE_TIMEOUT);

        String stored = db().strings("SELECT data FROM events WHERE id = 'json-1'").getFirst();
        JsonNode node = json(stored);
        assertThat(node.isObject()).as("stored as a JSON object, not a JSON string: %s", stored).isTrue();
        assertThat(node).isEqualTo(json(data));
        assertThat(node.get("text").asText()).isEqualTo("café \"quoted\" \\ \n tab\t 日本語 😀");
    }

    @Test
    void times_are_stored_in_utc_with_milliseconds() throws Exception {
        String event = "{\"id\":\"time-1\",\"type\":\"t\",\"source\":\"s\",\"user_id\":\"u-1\","
                + "\"timestamp\":\"2024-05-01T14:30:00.123+02:00\",\"data\":{}}";
        assertThat(client().post("/events", event).status()).isEqualTo(202);
        db().awaitEventCount(1, STORE_TIMEOUT);

        assertThat(db().strings("SELECT event_time FROM events WHERE id = 'time-1'").getFirst())
                .startsWith("2024-05-01 12:30:00.123");
        assertThat(db().strings("SELECT user_id FROM events WHERE id = 'time-1'")).containsExactly("u-1");
        assertThat(db().count("SELECT COUNT(*) FROM events WHERE received_at IS NOT NULL AND created_at IS NOT NULL"))
                .isEqualTo(1);
    }

    @Test
    void a_leap_second_is_stored_and_read_back_as_the_last_millisecond_of_its_utc_day() throws Exception {
        String event = "{\"id\":\"leap-1\",\"type\":\"t\",\"source\":\"s\","
                + "\"timestamp\":\"2016-12-31T18:59:60.5-05:00\",\"data\":{}}";
        assertThat(client().post("/events", event).status()).isEqualTo(202);
        var misplaced = client().post("/events", event.replace("leap-1", "leap-2").replace("-05:00", "+01:00"));
        assertThat(misplaced.status()).isEqualTo(400);
        assertThat(misplaced.json().get("field").asText()).isEqualTo("timestamp");
        assertThat(misplaced.json().get("error").asText()).contains("exists only at 23:59:60 UTC", "17:59:60 UTC");
        db().awaitEventCount(1, STORE_TIMEOUT);

        assertThat(db().strings("SELECT event_time FROM events WHERE id = 'leap-1'").getFirst())
                .startsWith("2016-12-31 23:59:59.999");
        assertThat(client().get("/events/leap-1").json().get("timestamp").asText())
                .isEqualTo("2016-12-31T23:59:59.999Z");
    }

    @Test
    void ids_assigned_by_the_server_are_uuid_v7_and_stored() throws Exception {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            var r = client().post("/events", HttpTestClient.event(null, "t", "{}"));
            assertThat(r.status()).isEqualTo(202);
            ids.add(r.json().get("id").asText());
        }
        assertThat(ids).hasSize(20).allSatisfy(id ->
                assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
        db().awaitEventCount(20, STORE_TIMEOUT);
        assertThat(db().storedIds()).isEqualTo(ids);
    }

    @Test
    void invalid_events_are_refused_with_the_field_named_and_not_stored() throws Exception {
        var single = client().post("/events", "{\"type\":\"t\",\"source\":\"s\",\"userId\":\"u\",\"data\":{}}");
        assertThat(single.status()).isEqualTo(400);
        assertThat(single.json().get("field").asText()).isEqualTo("userId");
        assertThat(single.json().get("error").asText()).contains("user_id");

        String batch = "{\"events\":[" + HttpTestClient.event("ok-1", "t", "{}") + ","
                + "{\"type\":\"t\",\"source\":\"s\",\"data\":[1]}" + ","
                + HttpTestClient.event("ok-2", "t", "{}") + "]}";
        var mixed = client().post("/events/batch", batch);
        assertThat(mixed.status()).isEqualTo(202);
        assertThat(mixed.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(mixed.json().get("rejected").asInt()).isEqualTo(1);
        assertThat(mixed.json().get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(mixed.json().get("errors").get(0).get("field").asText()).isEqualTo("data");

        var none = client().post("/events/batch", "{\"events\":[{\"type\":\"t\"}]}");
        assertThat(none.status()).isEqualTo(400);
        assertThat(none.json().get("errors").get(0).get("field").asText()).isEqualTo("source");

        db().awaitEventCount(2, STORE_TIMEOUT);
        assertThat(db().storedIds()).containsExactlyInAnyOrder("ok-1", "ok-2");
        assertThat(service().metrics().rejected.sum()).isEqualTo(3);
    }

    @Test
    void health_reports_the_database_up_and_metrics_count_what_happened() throws Exception {
        var health = client().get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
        assertThat(health.json().get("database").asText()).isEqualTo("UP");

        assertThat(client().post("/events", HttpTestClient.event("m-1", "t", "{}")).status()).isEqualTo(202);
        assertThat(client().post("/events", "{\"type\":\"t\"}").status()).isEqualTo(400);
        db().awaitEventCount(1, STORE_TIMEOUT);
        Eventually.await(STORE_TIMEOUT, "metrics count the stored event",
                () -> service().metrics().processed.sum() == 1);

        JsonNode m = client().get("/metrics").json();
        assertThat(m.get("received").asLong()).isEqualTo(2);
        assertThat(m.get("accepted").asLong()).isEqualTo(1);
        assertThat(m.get("rejected").asLong()).isEqualTo(1);
        assertThat(m.get("processed").asLong()).isEqualTo(1);
        assertThat(m.get("queue").get("capacity").asInt()).isEqualTo(50_000);
        assertThat(m.get("latency_ms").get("p99").asDouble()).isPositive();
        for (String key : List.of("throttled", "rate_limited", "duplicates", "failed", "retries", "workers", "eps",
                "uptime_seconds")) {
            assertThat(m.has(key)).as("metrics has %s", key).isTrue();
        }
    }

    @Test
    void accepted_events_are_stored_after_a_restart_on_the_same_data_dir() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertThat(client().post("/events", HttpTestClient.event("r-" + i, "t", "{}")).status()).isEqualTo(202);
        }
        running.restart();
        assertThat(client().post("/events", HttpTestClient.event("r-100", "t", "{}")).status()).isEqualTo(202);
        db().awaitEventCount(101, STORE_TIMEOUT);
    }

    /**
     * NDJSON, as log shippers post it (one event a line, blank lines skipped, gzip or not), is taken by
     * /events/batch like {"events":[...]}: the same 202 with the errors by index, and every valid line stored.
     */
    @Test
    void an_ndjson_batch_is_stored_line_by_line_with_its_errors_by_index() throws Exception {
        String body = HttpTestClient.event("nd-1", "log", "{\"msg\":\"a\"}") + "\n\n{not json\n"
                + HttpTestClient.event("nd-2", "log", "{}") + "\r\n";
        URI batch = URI.create("http://127.0.0.1:" + client().port() + "/events/batch");
        var r = client().send(HttpRequest.newBuilder(batch).header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body)));

        assertThat(r.status()).as(r.body()).isEqualTo(202);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(r.json().get("ids")).extracting(JsonNode::asText).containsExactly("nd-1", "nd-2");
        assertThat(r.json().at("/errors/0/index").asInt()).isEqualTo(1);
        assertThat(r.json().at("/errors/0/error").asText()).startsWith("the line");

        ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipped)) {
            gz.write((HttpTestClient.event("nd-3", "log", "{}") + "\n").getBytes(StandardCharsets.UTF_8));
        }
        var g = client().send(HttpRequest.newBuilder(batch).header("Content-Type", "application/x-ndjson")
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped.toByteArray())));
        assertThat(g.status()).as(g.body()).isEqualTo(202);

        db().awaitStored(Set.of("nd-1", "nd-2", "nd-3"), STORE_TIMEOUT);
        assertThat(db().strings("SELECT data FROM events WHERE id = 'nd-1'")).singleElement().asString()
                .contains("\"msg\"");
    }

    static JsonNode json(String s) throws Exception {
        return HttpTestClient.JSON.readTree(s);
    }
}
