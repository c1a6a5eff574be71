package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.event.Event;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.H2Pool;
import io.eventpipeline.storage.JdbcEventRepository;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The waits the integration tests read their verdicts from, on an embedded H2 with the service's schema. */
@Timeout(30)
class TestDbTest {
    private HikariDataSource pool;
    private TestDb db;

    @BeforeEach
    void twoStoredEvents() throws Exception {
        String url = "jdbc:h2:mem:test-db-" + System.nanoTime();
        pool = H2Pool.open(url, 1); // keeps the in-memory database alive for the test's own connections
        db = new TestDb("h2", url);
        new JdbcEventRepository(pool, Dialect.H2).insert(List.of(event("a"), event("b")));
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void await_event_count_returns_once_the_table_holds_that_many_rows() {
        assertThatCode(() -> db.awaitEventCount(2, Duration.ofSeconds(10))).doesNotThrowAnyException();
    }

    @Test
    void await_event_count_on_timeout_reports_the_last_count_it_saw() {
        assertThatThrownBy(() -> db.awaitEventCount(3, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("timed out after PT0.2S waiting until events holds 3 rows; the last poll saw: 2");
    }

    @Test
    void await_event_count_fails_at_once_when_the_table_holds_more() {
        assertThatThrownBy(() -> db.awaitEventCount(1, Duration.ofMinutes(5)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("events holds 2 rows, more than the 1 expected");
    }

    @Test
    void await_event_count_on_timeout_reports_why_the_last_count_failed() throws Exception {
        db.execute("DROP TABLE events");

        assertThatThrownBy(() -> db.awaitEventCount(2, Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("timed out after PT0.2S waiting until events holds 2 rows; the last poll "
                        + "failed: org.h2.jdbc.JdbcSQLSyntaxErrorException");
    }

    @Test
    void await_stored_names_the_ids_still_missing() {
        assertThatCode(() -> db.awaitStored(Set.of("a", "b"), Duration.ofSeconds(10))).doesNotThrowAnyException();
        assertThatThrownBy(() -> db.awaitStored(Set.of("a", "c", "d"), Duration.ofMillis(200)))
                .isInstanceOf(AssertionError.class)
                .hasMessage("timed out after PT0.2S waiting until the events table holds all 3 ids; "
                        + "still missing 2, e.g. [c, d]");
    }

    private static Event event(String id) {
        return new Event(id, "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8), Instant.now(), null);
    }
}
