package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The database goes away under the running service (every connection cut, new ones refused) and comes back:
 * health follows it both ways without a restart, ingest keeps accepting until the queue is full and then answers
 * 503 with Retry-After, and every accepted event is stored exactly once after the restore.
 */
class FaultInjectionOutageIT extends FaultInjectionSupport {

    @Test
    void health_is_down_within_seconds_of_a_cut_and_up_within_seconds_of_a_restore_without_a_restart()
            throws Exception {
        JarProcess service = startService(serviceArgs());
        HttpTestClient http = new HttpTestClient(service.port());
        assertThat(http.get("/health").json().get("database").asText()).isEqualTo("UP");

        proxy.cut();
        Duration down = awaitHealth(http, 503, "DOWN");
        var health = http.get("/health").json();
        assertThat(health.get("status").asText()).isEqualTo("DOWN");
        assertThat(health.get("database_error").asText()).as("says what is wrong").isNotBlank();
        assertThat(metrics(http).get("database").asText()).isEqualTo("DOWN");
        assertThat(proxy.refused()).as("the service tried to reconnect, and was refused").isPositive();

        proxy.restore();
        Duration up = awaitHealth(http, 200, "UP");
        assertThat(http.get("/health").json().get("status").asText()).isEqualTo("UP");
        assertThat(service.isAlive()).isTrue();

        // The same process still stores: the pool came back by itself.
        assertThat(postOne(http, "after-restore", "{}").status()).isEqualTo(202);
        awaitStored(Set.of("after-restore"), STORE_TIMEOUT);
        System.out.printf("fault-injection: /health DOWN %.2fs after the cut, UP %.2fs after the restore%n",
                seconds(down), seconds(up));
    }

    @Test
    void a_cut_during_steady_load_loses_nothing_and_stores_every_accepted_event_once_after_the_restore()
            throws Exception {
        JarProcess service = startService(serviceArgs());
        HttpTestClient http = new HttpTestClient(service.port());
        // ~1,250 events/s: the queue of 2,000 fills within two seconds of the cut.
        try (SteadyLoad load = new SteadyLoad(http, 2, 25, Duration.ofMillis(40), Duration.ofMinutes(2))) {
            Eventually.await(Duration.ofSeconds(30), "some load is stored before the cut",
                    () -> load.acceptedPosts() >= 20);
            awaitStored(Set.copyOf(load.accepted()), STORE_TIMEOUT);

            proxy.cut();
            int acceptedAtCut = load.accepted().size();
            Duration down = awaitHealth(http, 503, "DOWN");
            // Accepted into the journal while the database is away, until the queue is full; then 503s.
            Eventually.await(Duration.ofSeconds(30), "ingest refuses with 503 once the queue is full",
                    () -> load.refusedPosts() > 0);
            int acceptedDuringCut = load.accepted().size() - acceptedAtCut;
            JsonNode during = metrics(http);
            assertThat(during.get("queue").get("depth").asInt()).as("queue full while the database is away")
                    .isGreaterThan(QUEUE_CAPACITY - 25 * 2);
            assertThat(during.get("throttled").asLong()).isPositive();
            assertThat(service.isAlive()).isTrue();

            proxy.restore();
            long restoredAt = System.nanoTime();
            Set<String> acceptedBeforeRestore = Set.copyOf(load.accepted());
            Duration up = awaitHealth(http, 200, "UP");
            awaitStored(acceptedBeforeRestore, STORE_TIMEOUT);
            Duration recovery = Duration.ofNanos(System.nanoTime() - restoredAt);
            int acceptedAtRecovery = load.accepted().size();
            Eventually.await(Duration.ofSeconds(30), "ingest accepts again after the restore",
                    () -> load.accepted().size() > acceptedAtRecovery);
            load.stop();

            Set<String> accepted = new HashSet<>(load.accepted());
            awaitStored(accepted, STORE_TIMEOUT);
            assertStoredExactlyOnce(accepted);
            assertThat(db.countEvents()).isEqualTo(accepted.size());
            assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).as("an outage is no reason to give up")
                    .isZero();
            // New rows plus rows a retry found already there (an INSERT committed just before its answer was cut).
            Eventually.await(Duration.ofSeconds(10), "metrics count every accepted event as stored", () -> {
                try {
                    JsonNode m = metrics(http);
                    return m.get("processed").asLong() + m.get("duplicates").asLong() == accepted.size();
                } catch (Exception e) {
                    return false;
                }
            });
            JsonNode after = metrics(http);
            assertThat(after.get("failed").asLong()).isZero();
            assertThat(after.get("retries").asLong()).as("the writers felt the outage").isPositive();
            assertThat(after.get("accepted").asLong()).isEqualTo(accepted.size());
            System.out.printf("fault-injection steady load: %d events accepted (%d while the database was away, "
                    + "%d posts refused with 503); /health DOWN %.2fs after the cut, UP %.2fs after the restore; "
                    + "every event accepted before the restore stored %.2fs after it%n",
                    accepted.size(), acceptedDuringCut, load.refusedPosts(), seconds(down), seconds(up),
                    seconds(recovery));
            assertThat(acceptedDuringCut).as("events accepted while the database was away").isPositive();
        }
    }
}
