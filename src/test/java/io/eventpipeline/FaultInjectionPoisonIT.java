package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Events the database refuses for good: a trigger rejects every id that starts with "poison-" (SIGNAL SQLSTATE
 * '45000'). Whole batches fail, are retried --max-retries times and then split until each refused event is alone:
 * exactly those land in events_dead_letter, and every other event of their batches is stored.
 */
class FaultInjectionPoisonIT extends FaultInjectionSupport {
    static final String TRIGGER = "CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW BEGIN "
            + "IF NEW.id LIKE 'poison-%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison event'; END IF; END";

    @AfterEach
    void dropTrigger() throws Exception {
        db.execute("DROP TRIGGER IF EXISTS poison");
    }

    @Test
    void only_the_poison_events_go_to_the_dead_letter_and_every_other_event_of_their_batches_is_stored()
            throws Exception {
        JarProcess service = startService(serviceArgs());
        HttpTestClient http = new HttpTestClient(service.port());
        db.execute("DROP TRIGGER IF EXISTS poison");
        db.execute(TRIGGER); // the service created the tables at start

        // Queue everything while the database is away, so that the workers then take full batches of 100 that mix
        // poison among good events, rather than whatever trickles in.
        proxy.cut();
        awaitHealth(http, 503, "DOWN");
        Random random = new Random(42);
        Set<String> good = new HashSet<>();
        Set<String> poison = new HashSet<>();
        for (int r = 0; r < 12; r++) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                // A few poison ids per request, at random places, and always at both ends of the first one.
                boolean bad = random.nextInt(100) < 4 || (r == 0 && (i == 0 || i == 99));
                String id = (bad ? "poison-" : "good-") + r + "-" + i;
                ids.add(id);
                (bad ? poison : good).add(id);
            }
            assertThat(postBatch(http, ids, "{\"r\":" + r + "}").status()).isEqualTo(202);
        }
        assertThat(postOne(http, "poison-single", "{}").status()).isEqualTo(202);
        poison.add("poison-single");
        assertThat(postOne(http, "good-single", "{}").status()).isEqualTo(202);
        good.add("good-single");
        proxy.restore();

        awaitStored(good, STORE_TIMEOUT);
        Eventually.await(STORE_TIMEOUT, "the dead letter holds " + poison.size() + " events",
                () -> deadLetterCount() >= poison.size());
        Eventually.await(Duration.ofSeconds(10), "metrics count the dead letters", () -> {
            try {
                return metrics(http).get("failed").asLong() == poison.size();
            } catch (Exception e) {
                return false;
            }
        });

        assertThat(db.strings("SELECT event_id FROM events_dead_letter")).as("dead-letter rows, one per poison id")
                .hasSize(poison.size()).doesNotHaveDuplicates();
        assertThat(new HashSet<>(db.strings("SELECT event_id FROM events_dead_letter"))).isEqualTo(poison);
        assertStoredExactlyOnce(good);
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT event_id, event, error, attempts, failed_at FROM events_dead_letter ORDER BY seq");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String id = rs.getString("event_id");
                JsonNode event = HttpTestClient.JSON.readTree(rs.getString("event"));
                assertThat(event.get("id").asText()).as("the event JSON of %s", id).isEqualTo(id);
                assertThat(event.get("type").asText()).isEqualTo("fault");
                assertThat(event.get("data").isObject()).isTrue();
                assertThat(rs.getString("error")).as("error of %s", id).contains("poison");
                assertThat(rs.getInt("attempts")).as("attempts of %s", id).isGreaterThanOrEqualTo(1);
                assertThat(rs.getTimestamp("failed_at")).isNotNull();
            }
        }
        JsonNode m = metrics(http);
        assertThat(m.get("failed").asLong()).isEqualTo(poison.size());
        assertThat(m.get("processed").asLong()).isEqualTo(good.size());
        assertThat(m.get("accepted").asLong()).isEqualTo(good.size() + poison.size());
        assertThat(service.output()).as("batches were split to isolate the poison").contains("event=store_split");
        System.out.printf("fault-injection poison: %d poison events dead-lettered, %d good events stored%n",
                poison.size(), good.size());
    }

    private static long deadLetterCount() {
        try {
            return db.count("SELECT COUNT(*) FROM events_dead_letter");
        } catch (Exception e) {
            return -1;
        }
    }
}
