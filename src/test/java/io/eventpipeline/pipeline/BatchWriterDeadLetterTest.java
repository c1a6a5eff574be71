package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.storage.H2Pool;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.JdbcEventRepository;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dead letter through the service's own repository, on the embedded H2. */
class BatchWriterDeadLetterTest {
    private HikariDataSource pool;
    private JdbcEventRepository repository;

    @BeforeEach
    void database() throws Exception {
        pool = H2Pool.inMemory("dead-letter", 2);
        repository = new JdbcEventRepository(pool, Dialect.H2);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    /**
     * After a restart the journal replays a segment whole, so a poison event whose segment outlived it comes back
     * and is refused again. The second refusal finds it in the dead letter: one row, counted as a duplicate, and
     * released like any handled event.
     */
    @Test
    void a_poison_event_refused_again_after_a_restart_is_one_dead_letter_row() throws Exception {
        List<Envelope> batch = List.of(envelope(event("good-1", "t")), envelope(event("poison", "x".repeat(600))),
                envelope(event("good-2", "t")));

        Metrics first = new Metrics();
        List<Long> releasedFirst = new ArrayList<>();
        writer(first, releasedFirst).store(batch);
        Metrics second = new Metrics(); // the next start's
        List<Long> releasedSecond = new ArrayList<>();
        writer(second, releasedSecond).store(batch);

        assertThat(first.failed.sum()).isEqualTo(1);
        assertThat(first.processed.sum()).isEqualTo(2);
        assertThat(second.failed.sum()).as("known already").isZero();
        assertThat(second.duplicates.sum()).as("two stored rows and the known refusal").isEqualTo(3);
        assertThat(releasedFirst).hasSize(3);
        assertThat(releasedSecond).hasSize(3);
        assertThat(deadLetterIds()).containsExactly("poison");
    }

    /**
     * A message refused at intake (a Segment batch's) is journaled with the rest and goes to the dead letter
     * without an attempt to store it, with the reason intake gave and 0 attempts, the message kept as sent; the
     * events around it are stored; a replay after a restart finds it there already.
     */
    @Test
    void a_message_refused_at_intake_goes_to_the_dead_letter_with_its_reason() throws Exception {
        byte[] message = "{\"type\":\"track\",\"userId\":\"u\"}".getBytes(StandardCharsets.UTF_8);
        Event refused = Event.refused("m-7", "track", "segment", message, Instant.now(), "event: is required");
        List<Envelope> batch = List.of(envelope(event("good-1", "t")), envelope(refused),
                envelope(event("good-2", "t")));

        Metrics metrics = new Metrics();
        List<Long> released = new ArrayList<>();
        writer(metrics, released).store(batch);
        Metrics replay = new Metrics();
        writer(replay, new ArrayList<>()).store(batch);

        assertThat(metrics.failed.sum()).isEqualTo(1);
        assertThat(metrics.processed.sum()).isEqualTo(2);
        assertThat(metrics.retries.sum()).as("no attempt to store it").isZero();
        assertThat(released).hasSize(3);
        assertThat(replay.failed.sum()).isZero();
        try (Connection c = pool.getConnection();
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT event_id, event, error, attempts FROM events_dead_letter")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString("event_id")).isEqualTo("m-7");
            assertThat(rs.getString("error")).isEqualTo("event: is required");
            assertThat(rs.getInt("attempts")).isZero();
            assertThat(rs.getString("event")).contains("\"data\":{\"type\":\"track\",\"userId\":\"u\"}");
            assertThat(rs.next()).as("one row, the replay found it").isFalse();
        }
        try (Connection c = pool.getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
    }

    private BatchWriter writer(Metrics metrics, List<Long> released) {
        Backoff quick = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1));
        return new BatchWriter(repository, new NoAcceptLog() {
            @Override
            public void stored(long segment, int n) {
                for (int i = 0; i < n; i++) {
                    released.add(segment);
                }
            }
        }, metrics, 0, quick, quick);
    }

    private List<String> deadLetterIds() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Connection c = pool.getConnection();
                ResultSet rs = c.createStatement().executeQuery("SELECT event_id FROM events_dead_letter")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** The parser would refuse a 100-character type; built directly, it reaches the database, which refuses it. */
    private static Event event(String id, String type) {
        return new Event(id, type, "s", null, null, "{}".getBytes(StandardCharsets.UTF_8), Instant.now(), null);
    }

    private static Envelope envelope(Event e) {
        return new Envelope(e, 1, System.nanoTime());
    }
}
