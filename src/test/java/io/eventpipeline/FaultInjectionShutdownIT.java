package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SIGTERM while the database is away: the drain cannot finish, so after --shutdown-timeout the service keeps
 * what it could not store under --data-dir and exits 0. Once the database is back, a restart on the same data
 * directory stores every accepted event, exactly once, in both durability modes. With the journal, even kill -9
 * loses nothing that got a 202.
 */
class FaultInjectionShutdownIT extends FaultInjectionSupport {
    /** What "a few seconds" past --shutdown-timeout may take: closing intake, HTTP, the pools. */
    static final Duration EXIT_SLACK = Duration.ofSeconds(5);

    @ParameterizedTest(name = "--durability {0} --max-retries {1}")
    @CsvSource({"journal, 3", "memory, 3", "journal, 0", "memory, 0"})
    void sigterm_while_the_database_is_away_exits_zero_in_time_and_a_restart_after_it_returns_stores_every_event(
            String durability, int maxRetries) throws Exception {
        List<String> args = serviceArgs("--durability", durability, "--max-retries", Integer.toString(maxRetries));
        Set<String> accepted = new HashSet<>();
        JarProcess first = startService(args);
        HttpTestClient http = new HttpTestClient(first.port());

        for (int b = 0; b < 5; b++) {
            accepted.addAll(postBatch(http, ids("before-" + b + "-", 0, 100), "{}").accepted());
        }
        awaitStored(accepted, STORE_TIMEOUT);
        // Some in flight to the database when it goes away.
        for (int b = 0; b < 3; b++) {
            accepted.addAll(postBatch(http, ids("edge-" + b + "-", 0, 100), "{}").accepted());
        }
        proxy.cut();
        awaitHealth(http, 503, "DOWN");
        Set<String> acceptedWhileAway = new HashSet<>();
        for (int b = 0; b < 10; b++) {
            var outcome = postBatch(http, ids("away-" + b + "-", 0, 100), "{}");
            assertThat(outcome.status()).as("room in the queue for 1,300 events").isEqualTo(202);
            acceptedWhileAway.addAll(outcome.accepted());
        }
        accepted.addAll(acceptedWhileAway);
        assertThat(accepted).hasSize(1800);

        long t0 = System.nanoTime();
        first.terminate();
        int code = first.awaitExit(SHUTDOWN_TIMEOUT.plus(Duration.ofSeconds(60)));
        Duration exit = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(code).as(first.output()).isZero();
        assertThat(exit).as("SIGTERM to exit, with --shutdown-timeout %s", SHUTDOWN_TIMEOUT)
                .isLessThan(SHUTDOWN_TIMEOUT.plus(EXIT_SLACK));
        assertThat(first.output()).contains("event=drain_timeout").contains("event=stopped");
        Set<String> storedBeforeRestart = db.storedIds();
        assertThat(storedBeforeRestart).as("nothing accepted while away reached the database")
                .doesNotContainAnyElementsOf(acceptedWhileAway);
        assertThat(journalRecords(dir.resolve("data/journal"))).as("the unstored events are kept on disk")
                .isPositive();

        proxy.restore();
        JarProcess second = startService(args);
        HttpTestClient http2 = new HttpTestClient(second.port());
        Duration recovery = awaitStored(accepted, STORE_TIMEOUT);
        assertStoredExactlyOnce(accepted);
        assertThat(second.output()).contains("event=replay");
        assertThat(metrics(http2).get("replayed").asLong()).as("events put back from the journal")
                .isGreaterThanOrEqualTo(accepted.size() - storedBeforeRestart.size());
        assertThat(metrics(http2).get("failed").asLong()).isZero();
        assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).isZero();

        second.terminate();
        assertThat(second.awaitExit(SHUTDOWN_TIMEOUT.plus(Duration.ofSeconds(60)))).as(second.output()).isZero();
        assertThat(journalRecords(dir.resolve("data/journal"))).as("nothing left in the journal once stored")
                .isZero();
        assertStoredExactlyOnce(accepted);
        System.out.printf("fault-injection SIGTERM (--durability %s --max-retries %d): exit 0 %.2fs after SIGTERM "
                + "(--shutdown-timeout %ds), %d events not yet stored kept on disk; all %d stored %.2fs after the "
                + "restarted service was healthy%n", durability, maxRetries, seconds(exit), SHUTDOWN_TIMEOUT.toSeconds(),
                accepted.size() - storedBeforeRestart.size(), accepted.size(), seconds(recovery));
    }

    /**
     * The drain is held by the database being away, with a --shutdown-timeout far longer than the test needs, and
     * ended by giving the database back: in between, requests sent mid-drain must be answered.
     */
    @Test
    void through_the_drain_http_stays_open_refusing_events_with_503_and_not_ready_then_closes_and_exits_zero()
            throws Exception {
        List<String> args = new ArrayList<>(serviceArgs("--durability", "journal"));
        args.set(args.indexOf("--shutdown-timeout") + 1, "5m");
        Set<String> accepted = new HashSet<>();
        JarProcess service = startService(args);
        HttpTestClient http = new HttpTestClient(service.port());
        accepted.addAll(postBatch(http, ids("before-", 0, 100), "{}").accepted());
        proxy.cut();
        awaitHealth(http, 503, "DOWN");
        for (int b = 0; b < 3; b++) {
            accepted.addAll(postBatch(http, ids("away-" + b + "-", 0, 100), "{}").accepted());
        }
        assertThat(accepted).hasSize(400);

        service.terminate();
        Eventually.await(Duration.ofSeconds(30), "GET /health/ready answers 503 draining", () -> {
            try {
                var r = http.get("/health/ready");
                return r.status() == 503 && r.json().path("draining").asBoolean();
            } catch (IOException e) {
                throw new AssertionError("the listener closed before the drain ended", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
        // Mid-drain: the queue still holds the events the database has not taken.
        assertThat(service.output()).contains("event=intake_closed").doesNotContain("event=queue_drained");
        var ready = http.get("/health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.json().get("status").asText()).isEqualTo("DOWN");
        assertThat(ready.json().get("draining").asBoolean()).isTrue();
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        for (Outcome refused : List.of(postOne(http, "mid-drain-1", "{}"),
                postBatch(http, ids("mid-drain-batch-", 0, 10), "{}"))) {
            assertThat(refused.refused()).isTrue();
            assertThat(refused.retryAfterSeconds()).isPositive();
        }
        var single = http.post("/events", event("mid-drain-2", "{}"));
        assertThat(single.json().get("error").asText()).contains("shutting down");
        assertThat(service.isAlive()).as("still draining").isTrue();

        proxy.restore();
        assertThat(service.awaitExit(Duration.ofSeconds(120))).as(service.output()).isZero();
        assertThat(service.output()).doesNotContain("event=drain_timeout");
        List<String> stopSteps = service.output().lines().map(l -> l.replaceAll(".* - (event=[a-z_]+).*", "$1"))
                .filter(e -> List.of("event=intake_closed", "event=queue_drained", "event=http_stopped",
                        "event=stopped").contains(e)).toList();
        assertThat(stopSteps).as("the listener closes after the drain").containsExactly("event=intake_closed",
                "event=queue_drained", "event=http_stopped", "event=stopped");
        assertStoredExactlyOnce(accepted);
        assertThat(journalRecords(dir.resolve("data/journal"))).as("nothing left in the journal").isZero();
    }

    @Test
    void kill_9_while_the_database_is_away_loses_nothing_that_got_a_202_with_the_journal() throws Exception {
        List<String> args = serviceArgs("--durability", "journal");
        Set<String> accepted = new HashSet<>();
        JarProcess first = startService(args);
        HttpTestClient http = new HttpTestClient(first.port());
        for (int b = 0; b < 3; b++) {
            accepted.addAll(postBatch(http, ids("before-" + b + "-", 0, 100), "{}").accepted());
        }
        proxy.cut();
        awaitHealth(http, 503, "DOWN");
        for (int b = 0; b < 10; b++) {
            accepted.addAll(postBatch(http, ids("away-" + b + "-", 0, 100), "{}").accepted());
        }
        assertThat(accepted).hasSize(1300);
        first.kill(); // no shutdown code runs: only what was forced to the journal before each 202 is left

        proxy.restore();
        JarProcess second = startService(args);
        awaitStored(accepted, STORE_TIMEOUT);
        assertStoredExactlyOnce(accepted);
        assertThat(second.output()).contains("event=replay");
    }

    /**
     * Bytes of records in the journal's segment files: each file starts with an 8-byte header and ends with the
     * zeros written ahead of its records.
     */
    static long journalRecords(Path journal) throws Exception {
        List<Path> files = new ArrayList<>();
        try (var list = Files.list(journal)) {
            list.forEach(files::add);
        }
        long bytes = 0;
        for (Path f : files) {
            byte[] content = Files.readAllBytes(f);
            int end = content.length;
            while (end > 8 && content[end - 1] == 0) {
                end--;
            }
            bytes += Math.max(0, end - 8);
        }
        return bytes;
    }
}
