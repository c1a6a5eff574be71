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
    List<String> PADDING = List.of("", " ", "  ");

    @Test
    default void user_ids_that_differ_in_trailing_spaces_are_filtered_and_walked_apart() throws Exception {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int p = 0; p < PADDING.size(); p++) {
            for (int i = 0; i < 3; i++) {
                batch.append(p + i == 0 ? "" : ",").append("{\"id\":\"pad-").append(p).append('-').append(i)
                        .append("\",\"type\":\"t\",\"source\":\"s\",\"user_id\":\"u1").append(PADDING.get(p))
                        .append("\",\"data\":{}}");
            }
        }
        assertThat(client().post("/events/batch", batch.append("]}").toString()).status()).isEqualTo(202);
        database().awaitEventCount(9, STORE_TIMEOUT);

        for (int p = 0; p < PADDING.size(); p++) {
            String userId = "u1" + PADDING.get(p);
            String filter = "user_id=" + URLEncoder.encode(userId, StandardCharsets.UTF_8).replace("+", "%20");
            List<String> expected = List.of("pad-" + p + "-0", "pad-" + p + "-1", "pad-" + p + "-2");
            assertThat(walk(filter + "&limit=100")).as("[%s]", userId).containsExactlyInAnyOrderElementsOf(expected);
            // Page by page, the cursor's walk keeps to the same exact filter.
            assertThat(walk(filter + "&limit=1")).as("[%s]", userId).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    default void ids_types_and_sources_that_differ_in_trailing_spaces_are_stored_and_found_apart() throws Exception {
        Config config = Config.builder().dbUrl(database().url()).build();
        Dialect dialect = Dialect.of(config.effectiveDbUrl());
        try (HikariDataSource pool = Database.pool(config, "exact-match-test", 1, Duration.ofSeconds(10))) {
            // Today's intake refuses spaces in these three: the storage must not depend on it.
            JdbcEventRepository repository = new JdbcEventRepository(pool, dialect);
            List<Event> padded = new ArrayList<>();
            for (String pad : PADDING) {
                padded.add(event("a" + pad, "click" + pad, "web" + pad));
            }
            assertThat(repository.insert(padded)).as("three ids, three rows").isEqualTo(3);
            assertThat(repository.insert(List.of(event("a ", "other", "other")))).as("an exact duplicate").isZero();
            assertThat(database().strings("SELECT id FROM events")).containsExactlyInAnyOrderElementsOf(
                    PADDING.stream().map(pad -> "a" + pad).toList());

            EventReader reader = new EventReader(pool, dialect);
            for (String pad : PADDING) {
                assertThat(reader.findById("a" + pad)).get().extracting(StoredEvent::type).isEqualTo("click" + pad);
                assertThat(ids(reader.page(new EventQuery("click" + pad, null, null, null, null), 10,
                        Optional.empty()))).containsExactly("a" + pad);
                assertThat(ids(reader.page(new EventQuery(null, "web" + pad, null, null, null), 10,
                        Optional.empty()))).containsExactly("a" + pad);
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
