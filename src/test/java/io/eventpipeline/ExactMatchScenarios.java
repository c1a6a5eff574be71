package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.Event;
import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.EventPage;
import io.eventpipeline.storage.EventQuery;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.JdbcEventRepository;
import io.eventpipeline.storage.StoredEvent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Values that differ only in trailing spaces are different values on every database: MySQL's and MariaDB's
 * utf8mb4_bin would take them for equal. Mixed into {@link PipelineScenarios}, so that every database's suite runs it.
 */
interface ExactMatchScenarios extends QueryScenarios {
    /**
     * Values that a PAD SPACE collation takes for one (trailing spaces), and others that no binary collation does (a
     * tab or a no-break space at the end, a capital): each is its own value everywhere.
     */
    List<String> VARIANTS = List.of("u1", "u1 ", "u1  ", "u1\t", "u1\u00a0", "U1");

    @Test
    default void user_ids_that_differ_only_in_trailing_spaces_are_filtered_and_walked_apart() throws Exception {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int p = 0; p < VARIANTS.size(); p++) {
            for (int i = 0; i < 3; i++) {
                batch.append(p + i == 0 ? "" : ",").append("{\"id\":\"pad-").append(p).append('-').append(i)
                        .append("\",\"type\":\"t\",\"source\":\"s\",\"user_id\":")
                        .append(HttpTestClient.JSON.writeValueAsString(VARIANTS.get(p))).append(",\"data\":{}}");
            }
        }
        assertThat(client().post("/events/batch", batch.append("]}").toString()).status()).isEqualTo(202);
        database().awaitEventCount(3L * VARIANTS.size(), STORE_TIMEOUT);

        for (int p = 0; p < VARIANTS.size(); p++) {
            String userId = VARIANTS.get(p);
            String filter = "user_id=" + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20");
            List<String> expected = List.of("pad-" + p + "-0", "pad-" + p + "-1", "pad-" + p + "-2");
            assertThat(walk(filter + "&limit=100")).as("[%s]", userId).containsExactlyInAnyOrderElementsOf(expected);
            // Page by page, the cursor's walk keeps to the same exact filter.
            assertThat(walk(filter + "&limit=1")).as("[%s]", userId).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    default void ids_types_and_sources_differing_only_in_trailing_spaces_are_stored_and_found_apart() throws Exception {
        Config config = Config.builder().dbUrl(database().url()).build();
        Dialect dialect = Dialect.of(config.effectiveDbUrl());
        try (HikariDataSource pool = Database.pool(config, "exact-match-test", 1, Duration.ofSeconds(10))) {
            // Today's intake refuses spaces in these three: the storage must not depend on it.
            JdbcEventRepository repository = new JdbcEventRepository(pool, dialect);
            List<Event> variants = new ArrayList<>();
            for (String v : VARIANTS) {
                variants.add(event("id-" + v, "type-" + v, "source-" + v));
            }
            assertThat(repository.insert(variants)).as("one row per id").isEqualTo(VARIANTS.size());
            assertThat(repository.insert(List.of(event("id-u1 ", "other", "other")))).as("an exact duplicate").isZero();
            assertThat(database().strings("SELECT id FROM events")).containsExactlyInAnyOrderElementsOf(
                    VARIANTS.stream().map(v -> "id-" + v).toList());

            EventReader reader = new EventReader(pool, dialect);
            for (String v : VARIANTS) {
                assertThat(reader.findById("id-" + v)).get().extracting(StoredEvent::type).isEqualTo("type-" + v);
                assertThat(ids(reader.page(new EventQuery("type-" + v, null, null, null, null), 10,
                        Optional.empty()))).containsExactly("id-" + v);
                assertThat(ids(reader.page(new EventQuery(null, "source-" + v, null, null, null), 10,
                        Optional.empty()))).containsExactly("id-" + v);
            }
            assertThat(repository.deadLetter(event("b", "t", "s"), "refused", 4)).isTrue();
            assertThat(repository.deadLetter(event("b ", "t", "s"), "refused", 4)).as("another id").isTrue();
        }
    }

    private static Event event(String id, String type, String source) {
        return new Event(id, type, source, null, null, "{}".getBytes(StandardCharsets.UTF_8), Instant.now(), null);
    }

    private static List<String> ids(EventPage page) {
        return page.events().stream().map(StoredEvent::id).toList();
    }
}
