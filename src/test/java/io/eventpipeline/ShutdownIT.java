package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on the real jar with tens of thousands of events queued behind deliberately slow workers: the service
 * refuses new events, stores every queued one, and exits 0. Runs on MariaDB when PIPELINE_TEST_DB_URL is set,
 * else on an H2 file the test reads once the process is gone.
 */
class ShutdownIT {
    static final int EVENTS = 20_000;

    @TempDir
    Path dir;

    @Test
    void sigterm_with_a_deep_queue_stores_every_accepted_event_and_exits_zero() throws Exception {
        TestDb env = TestDb.fromEnvironment();
        TestDb db = env != null ? env : new TestDb("h2", "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath());
        db.reset();
        // One worker writing one event per INSERT: the queue fills far faster than it drains.
        List<String> args = List.of("--db-url", db.url(), "--data-dir", dir.resolve("data").toString(),
                "--workers", "1", "--batch-size", "1", "--durability", "memory", "--shutdown-timeout", "5m");
        Set<String> accepted = new HashSet<>();
        try (JarProcess service = JarProcess.start(dir.resolve("service.log"), args)) {
            service.awaitHealthy(Duration.ofSeconds(60));
            HttpTestClient http = new HttpTestClient(service.port());
            for (int b = 0; b < EVENTS / 1000; b++) {
                List<String> events = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    events.add(HttpTestClient.event("sd-" + b + "-" + i, "t", "{\"i\":" + i + "}"));
                }
                var r = http.post("/events/batch", "{\"events\":[" + String.join(",", events) + "]}");
                assertThat(r.status()).as(r.body()).isEqualTo(202);
                r.json().get("ids").forEach(id -> accepted.add(id.asText()));
            }
            long queued = http.get("/metrics").json().get("queue").get("depth").asLong();
            assertThat(queued).as("events still queued at SIGTERM").isGreaterThan(EVENTS / 2);

            service.terminate();
            int code = service.awaitExit(Duration.ofMinutes(5));
            assertThat(code).as(service.output()).isZero();
            assertThat(service.output()).contains("event=stopped");
        }
        assertThat(accepted).hasSize(EVENTS);
        assertThat(db.countEvents()).isEqualTo(EVENTS);
        assertThat(db.storedIds()).isEqualTo(accepted);
        // Everything was stored, so nothing was left in the journal directory for a next start.
        try (var files = Files.list(dir.resolve("data/journal"))) {
            assertThat(files.filter(f -> f.toFile().length() > 8)).isEmpty();
        }
    }

    /**
     * A client still sending its body when the stop begins is answered like any request during a drain (503 with
     * Retry-After, so it goes elsewhere) once Jetty cuts its idle timeout at the stop, not with a 400 it would not
     * retry.
     */
    @Test
    void a_body_still_arriving_at_sigterm_is_told_to_retry_elsewhere() throws Exception {
        List<String> args = List.of("--db-url", "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath(),
                "--data-dir", dir.resolve("data").toString(), "--shutdown-timeout", "20s");
        try (JarProcess service = JarProcess.start(dir.resolve("service.log"), args)) {
            service.awaitHealthy(Duration.ofSeconds(60));
            try (Socket client = RawHttp.halfSentEvent(service.port())) {
                service.terminate(); // and the client sends nothing more: when HTTP stops, its body stalls

                String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(service.output()).startsWith("HTTP/1.1 503").contains("Retry-After: 5")
                        .contains("shutting down");
            }
            assertThat(service.awaitExit(Duration.ofSeconds(60))).isZero();
        }
    }
}
