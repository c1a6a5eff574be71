package io.eventpipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.event.Event;
import io.eventpipeline.storage.EventPage.Position;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader's paging rules that the HTTP scenarios cannot reach cheaply, on an embedded H2 database. */
class EventReaderIT {
    static final Instant RECEIVED = Instant.parse("2024-05-01T12:00:00Z");

    @TempDir
    Path dir;

    HikariDataSource pool;
    JdbcEventRepository repository;

    @BeforeEach
    void open() throws Exception {
        pool = H2Pool.open("jdbc:h2:file:" + dir.resolve("events").toAbsolutePath(), 2);
        repository = new JdbcEventRepository(pool, Dialect.H2);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void a_page_ends_early_once_its_data_reaches_the_budget_and_the_walk_goes_on() throws Exception {
        store(10, "x".repeat(40)); // each data is {"p":"xxx…"}: 48 characters
        EventReader reader = new EventReader(pool, Dialect.H2, 100);
        List<Integer> sizes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        Optional<Position> after = Optional.empty();
        do {
            EventPage page = reader.page(EventQuery.ALL, 1000, after);
            sizes.add(page.events().size());
            page.events().forEach(e -> ids.add(e.id()));
            after = page.next();
        } while (after.isPresent());
        assertThat(sizes).containsExactly(3, 3, 3, 1);
        assertThat(ids).doesNotHaveDuplicates().hasSize(10);
    }

    @Test
    void an_event_larger_than_the_budget_still_makes_a_page_of_one() throws Exception {
        store(2, "x".repeat(500));
        EventPage page = new EventReader(pool, Dialect.H2, 100).page(EventQuery.ALL, 1000, Optional.empty());
        assertThat(page.events()).hasSize(1);
        assertThat(page.next()).isPresent();
    }

    @Test
    void a_walk_keeps_to_the_events_stored_before_its_first_page() throws Exception {
        store(5, "");
        EventReader reader = new EventReader(pool, Dialect.H2);
        EventPage first = reader.page(EventQuery.ALL, 2, Optional.empty());
        // Rows stored after the first page, with a created_at in the walk's past (a commit that lagged its
        // timestamp, or the database clock stepping back), must not be drawn into the walk.
        repository.insert(List.of(event("late-1", ""), event("late-2", "")));
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE events SET created_at = TIMESTAMP '2000-01-01 00:00:00' WHERE id LIKE 'late-%'");
        }
        List<String> ids = new ArrayList<>();
        first.events().forEach(e -> ids.add(e.id()));
        Optional<Position> after = first.next();
        while (after.isPresent()) {
            EventPage page = reader.page(EventQuery.ALL, 2, after);
            page.events().forEach(e -> ids.add(e.id()));
            after = page.next();
        }
        assertThat(ids).containsExactlyInAnyOrder("e-0", "e-1", "e-2", "e-3", "e-4");
        // A new walk sees them.
        assertThat(reader.page(EventQuery.ALL, 100, Optional.empty()).events()).hasSize(7);
    }

    @Test
    void an_unknown_id_is_empty_and_a_known_one_reads_back_whole() throws Exception {
        store(1, "v");
        EventReader reader = new EventReader(pool, Dialect.H2);
        assertThat(reader.findById("nope")).isEmpty();
        StoredEvent e = reader.findById("e-0").orElseThrow();
        assertThat(e.data()).isEqualTo("{\"p\":\"v\"}");
        assertThat(e.receivedAt()).isEqualTo(RECEIVED);
        assertThat(e.userId()).isNull();
        assertThat(e.timestamp()).isNull();
    }

    private void store(int n, String pad) throws Exception {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(event("e-" + i, pad));
        }
        repository.insert(events);
    }

    private static Event event(String id, String pad) {
        byte[] data = ("{\"p\":\"" + pad + "\"}").getBytes(StandardCharsets.UTF_8);
        return new Event(id, "t", "s", null, null, data, RECEIVED, null);
    }
}
