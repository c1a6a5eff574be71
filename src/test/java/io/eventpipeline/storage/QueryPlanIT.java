package io.eventpipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.NeedsTestDatabase;
import io.eventpipeline.TestDb;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.Event;
import io.eventpipeline.storage.EventPage.Position;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * On the MariaDB or MySQL named by PIPELINE_TEST_DB_URL: the page queries with a type or a user_id filter walk the
 * schema's (type, created_at) and (user_id, created_at) indexes, and need no sort, on the first page and on later
 * ones. The plans are those of the very statements {@link EventReader} runs.
 */
@NeedsTestDatabase
class QueryPlanIT {
    static final int EVENTS = 4000;
    static final Instant START = Instant.parse("2024-05-01T00:00:00Z");

    static TestDb database;
    static HikariDataSource pool;

    /** Half the types: 249 characters outside ASCII, near the longest key a type puts in its index. */
    private static final String LONG_NAME = "\uD83D\uDE00".repeat(240) + " \u6ce8\u6587 \u5b8c\u4e86 ";

    @BeforeAll
    static void seed() throws Exception {
        database = TestDb.fromEnvironment();
        if (database == null) {
            String message = TestDb.ENV + " is not set: the query plans on MariaDB/MySQL were not checked. Set it "
                    + "to e.g. jdbc:mysql://127.0.0.1:3306/pipeline_it?user=root&password= (an empty database).";
            if (TestDb.requiredHere()) {
                fail(message + " In CI this suite must run.");
            }
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
        pool = Database.pool(Config.builder().dbUrl(database.url()).build(), "plan-it", 2, Duration.ofSeconds(5));
        Database.applySchema(pool, Dialect.MYSQL);
        database.reset();
        // 40 types and 400 users over 4000 events: each filter selects 1/40 or about 1/400 of the table, as in
        // a real table, where the optimizer then prefers the index to a scan.
        JdbcEventRepository repository = new JdbcEventRepository(pool, Dialect.MYSQL);
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            byte[] data = ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8);
            batch.add(new Event("plan-" + i, (i % 40 < 20 ? "type-" : LONG_NAME) + i % 40, "source-" + i % 3,
                    i % 10 == 0 ? null : "user-" + i % 400, null, data, START, null));
            if (batch.size() == 500) {
                repository.insert(batch);
                batch.clear();
            }
        }
        long firstSeq = database.count("SELECT MIN(seq) FROM events");
        try (Connection c = pool.getConnection();
                PreparedStatement spread = c.prepareStatement("UPDATE events SET created_at = "
                        + "TIMESTAMP('2024-05-01 00:00:00') + INTERVAL (seq - ?) SECOND");
                Statement s = c.createStatement()) {
            // One created_at per second from START, as events arriving over an hour would have.
            spread.setLong(1, firstSeq);
            spread.executeUpdate();
            s.execute("ANALYZE TABLE events");
        }
    }

    @AfterAll
    static void close() {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void a_type_filter_walks_the_type_index_without_a_sort() throws Exception {
        EventQuery type = new EventQuery("type-7", null, null, null, null);
        EventQuery typeInHalfHour = new EventQuery("type-7", null, null, START.plusSeconds(600),
                START.plusSeconds(2400));
        for (EventQuery q : List.of(type, typeInHalfHour)) {
            assertPlan(q, Optional.empty(), "idx_events_type_created");
            assertPlan(q, Optional.of(middle()), "idx_events_type_created");
        }
    }

    @Test
    void a_type_filter_of_a_long_name_outside_ascii_walks_the_type_index_without_a_sort() throws Exception {
        EventQuery type = new EventQuery(LONG_NAME + 27, null, null, null, null);
        assertThat(database.count("SELECT COUNT(*) FROM events WHERE type = ?", LONG_NAME + 27)).isEqualTo(100);
        assertPlan(type, Optional.empty(), "idx_events_type_created");
        assertPlan(type, Optional.of(middle()), "idx_events_type_created");
    }

    @Test
    void a_user_id_filter_walks_the_user_index_without_a_sort() throws Exception {
        EventQuery user = new EventQuery(null, null, "user-123", null, null);
        EventQuery userAndSource = new EventQuery(null, "source-1", "user-123", START.plusSeconds(600), null);
        for (EventQuery q : List.of(user, userAndSource)) {
            assertPlan(q, Optional.empty(), "idx_events_user_created");
            assertPlan(q, Optional.of(middle()), "idx_events_user_created");
        }
    }

    /** A walk's position half way through the table. */
    private static Position middle() throws Exception {
        long maxSeq = database.count("SELECT MAX(seq) FROM events");
        long seq = maxSeq - EVENTS / 2;
        String created = database.strings("SELECT created_at FROM events WHERE seq = ?", seq).getFirst();
        return new Position(EventReader.instant(created), seq, maxSeq);
    }

    private static void assertPlan(EventQuery q, Optional<Position> after, String index) throws Exception {
        long maxSeq = database.count("SELECT MAX(seq) FROM events");
        EventReader.Sql page = EventReader.pageSql(q, 101, maxSeq, after);
        EventReader.Sql explain = new EventReader.Sql("EXPLAIN " + page.text(), page.params());
        List<String> rows = new ArrayList<>();
        String key = null;
        String extra = null;
        try (Connection c = pool.getConnection(); PreparedStatement ps = explain.prepare(c);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                key = rs.getString("key");
                extra = String.valueOf(rs.getString("Extra"));
                rows.add("type=" + rs.getString("type") + " key=" + key + " rows=" + rs.getString("rows")
                        + " Extra=" + extra);
            }
        }
        String what = q + (after.isPresent() ? " after " + after.get() : " (first page)");
        System.out.println("EXPLAIN " + what + ": " + rows);
        assertThat(rows).as(what).hasSize(1);
        assertThat(key).as("index of %s: %s", what, rows).isEqualTo(index);
        assertThat(extra).as("no sort for %s: %s", what, rows).doesNotContainIgnoringCase("filesort");
    }
}
