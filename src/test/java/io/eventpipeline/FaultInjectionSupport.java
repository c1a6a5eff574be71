package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the fault-injection tests share: the MariaDB of PIPELINE_TEST_DB_URL (skipped without it, failed in CI),
 * a {@link TcpProxy} in front of it per test, the real jar started against the proxy with small, fast settings,
 * and ways to post events by id and to wait, with deadlines, for health and for rows.
 */
@NeedsTestDatabase
abstract class FaultInjectionSupport {
    static final int QUEUE_CAPACITY = 2000;
    static final int BATCH_SIZE = 100;
    static final int WORKERS = 4;
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** How long /health may take to notice the database going or coming back. */
    static final Duration HEALTH_NOTICE = Duration.ofSeconds(10);
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);

    static TestDb db;

    @TempDir
    Path dir;

    TcpProxy proxy;
    private final List<JarProcess> services = new ArrayList<>();

    @RegisterExtension
    final ServiceLogsOnFailure logsOnFailure = new ServiceLogsOnFailure(services, () -> this.logDir);

    @BeforeAll
    static void requireDatabase() {
        db = TestDb.requireFromEnvironment("the fault-injection tests");
    }

    /** Where the services' logs go: under target/, so that they outlive the test for a look after a failure. */
    private Path logDir;

    @BeforeEach
    void emptyTablesAndStartProxy(TestInfo test) throws Exception {
        String method = test.getTestMethod().map(m -> m.getName()).orElse("test");
        String name = method.substring(0, Math.min(method.length(), 60)) + "-"
                + test.getDisplayName().replaceAll("[^A-Za-z0-9._-]+", "_");
        logDir = Path.of("target", "fault-injection-logs", getClass().getSimpleName(),
                name.substring(0, Math.min(name.length(), 160)));
        Files.createDirectories(logDir);
        try (var old = Files.list(logDir)) {
            for (Path f : old.toList()) {
                Files.delete(f);
            }
        }
        db.reset();
        proxy = new TcpProxy(db.host(), db.port());
    }

    @AfterEach
    void stopServicesAndProxy() throws Exception {
        for (JarProcess s : services) {
            s.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    /** The flags every test starts with: the database through the proxy, small queue and batches, a short drain. */
    List<String> serviceArgs(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--db-url", db.urlVia(proxy.port()),
                "--data-dir", dir.resolve("data").toString(),
                "--workers", Integer.toString(WORKERS),
                "--queue-capacity", Integer.toString(QUEUE_CAPACITY),
                "--batch-size", Integer.toString(BATCH_SIZE),
                "--shutdown-timeout", SHUTDOWN_TIMEOUT.toSeconds() + "s"));
        args.addAll(List.of(more));
        return args;
    }

    /** Starts the jar and waits until it is healthy; it is killed after the test if still running. */
    JarProcess startService(List<String> jvmArgs, List<String> args) throws Exception {
        JarProcess service = JarProcess.start(logDir.resolve("service-" + services.size() + ".log"), jvmArgs, args);
        services.add(service);
        return service.awaitHealthy(Duration.ofSeconds(60));
    }

    JarProcess startService(List<String> args) throws Exception {
        return startService(List.of("-Xmx256m"), args);
    }

    /** Event JSON with a client id, so that every assertion can be on ids. */
    static String event(String id, String data) {
        return HttpTestClient.event(id, "fault", data);
    }

    static String batchBody(List<String> ids, String data) {
        StringBuilder sb = new StringBuilder(64 + ids.size() * (96 + data.length())).append("{\"events\":[");
        for (int i = 0; i < ids.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(event(ids.get(i), data));
        }
        return sb.append("]}").toString();
    }

    static List<String> ids(String prefix, int from, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = from; i < from + n; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    /** What a POST came to: all of its events accepted (202), or none (503). */
    record Outcome(int status, List<String> accepted, int retryAfterSeconds) {
        boolean refused() {
            return status == 503;
        }
    }

    /**
     * Posts the events as one batch. A 202 must accept them all under the ids sent; a 503 must carry Retry-After
     * and accepts none. Anything else fails.
     */
    static Outcome postBatch(HttpTestClient http, List<String> ids, String data) throws IOException,
            InterruptedException {
        return outcome(http.post("/events/batch", batchBody(ids, data)), ids);
    }

    static Outcome postOne(HttpTestClient http, String id, String data) throws IOException, InterruptedException {
        return outcome(http.post("/events", event(id, data)), List.of(id));
    }

    private static Outcome outcome(HttpTestClient.Response r, List<String> sent) {
        if (r.status() == 202) {
            JsonNode body = r.json();
            List<String> accepted = new ArrayList<>();
            if (body.has("ids")) {
                body.get("ids").forEach(id -> accepted.add(id.asText()));
            } else {
                accepted.add(body.get("id").asText());
            }
            assertThat(accepted).as("ids of a 202").isEqualTo(sent);
            return new Outcome(202, accepted, 0);
        }
        assertThat(r.status()).as("a POST is accepted or refused with 503, never anything else: %s", r.body())
                .isEqualTo(503);
        String retryAfter = r.raw().headers().firstValue("Retry-After").orElse(null);
        assertThat(retryAfter).as("Retry-After on a 503: %s", r.body()).isNotNull().matches("[1-9][0-9]*");
        assertThat(r.json().get("error").asText()).as("a 503 says why").isNotBlank();
        return new Outcome(503, List.of(), Integer.parseInt(retryAfter));
    }

    /**
     * Polls GET /health until it answers {@code status} with {@code "database":database}; returns how long that
     * took. Fails after {@link #HEALTH_NOTICE}.
     */
    static Duration awaitHealth(HttpTestClient http, int status, String database) throws InterruptedException {
        long t0 = System.nanoTime();
        Eventually.await(HEALTH_NOTICE, "GET /health answers " + status + " with database " + database, () -> {
            try {
                var r = http.get("/health");
                return r.status() == status && database.equals(r.json().get("database").asText());
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the await's next sleep throws
                return false;
            }
        });
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Waits until the events table holds every one of {@code ids}; returns how long that took. */
    static Duration awaitStored(Set<String> ids, Duration timeout) throws InterruptedException {
        long t0 = System.nanoTime();
        db.awaitStored(ids, timeout);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /** Every accepted id is in the events table once, and nothing else is: no loss, no duplicate, no stray. */
    static void assertStoredExactlyOnce(Set<String> accepted) throws SQLException {
        List<String> rows = db.strings("SELECT id FROM events");
        assertThat(rows).as("rows in events").hasSize(accepted.size());
        assertThat(new HashSet<>(rows)).as("ids in events").isEqualTo(accepted);
    }

    static JsonNode metrics(HttpTestClient http) throws IOException, InterruptedException {
        var r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
