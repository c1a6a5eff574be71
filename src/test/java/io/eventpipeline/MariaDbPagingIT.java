package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * On the MariaDB or MySQL named by PIPELINE_TEST_DB_URL: walking GET /events page by page while a writer keeps
 * posting events sees every event stored before the walk began exactly once, and no event twice. The events
 * before the walk come in batches of 500 stored by one INSERT each, so that many share a created_at and a page
 * boundary falls inside such a group.
 */
@NeedsTestDatabase
class MariaDbPagingIT {
    static final int BEFORE = 5000;
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(120);

    static TestDb database;

    @RegisterExtension
    final RunningService running = RunningService.on(() -> database);

    @BeforeAll
    static void requireDatabase() {
        database = TestDb.requireFromEnvironment("paging while writing on MariaDB/MySQL");
    }

    @Test
    void a_walk_while_events_arrive_sees_every_earlier_event_exactly_once() throws Exception {
        HttpTestClient http = running.http();
        for (int b = 0; b < BEFORE / 500; b++) {
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 500; i++) {
                batch.append(i == 0 ? "" : ",").append(HttpTestClient.event("old-" + b + "-" + i,
                        i % 2 == 0 ? "even" : "odd", "{\"i\":" + i + "}"));
            }
            assertThat(http.post("/events/batch", batch.append("]}").toString()).status()).isEqualTo(202);
        }
        database.awaitEventCount(BEFORE, STORE_TIMEOUT);

        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger posted = new AtomicInteger();
        try (ExecutorService writer = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> writes = writer.submit(() -> {
                for (int b = 0; writing.get(); b++) {
                    StringBuilder batch = new StringBuilder("{\"events\":[");
                    for (int i = 0; i < 20; i++) {
                        batch.append(i == 0 ? "" : ",").append(HttpTestClient.event("new-" + b + "-" + i,
                                i % 2 == 0 ? "even" : "odd", "{}"));
                    }
                    assertThat(http.post("/events/batch", batch.append("]}").toString()).status()).isEqualTo(202);
                    posted.addAndGet(20);
                    Thread.sleep(5);
                }
                return null;
            });
            Eventually.await(STORE_TIMEOUT, "the writer's first events are stored", () -> count() > BEFORE);

            // What each walk must see: every event stored before its first page.
            long storedAtStart = count();
            Set<String> before = database.storedIds();
            Set<String> all = walk("limit=97");
            Set<String> oddBefore = new HashSet<>(database.strings("SELECT id FROM events WHERE type = 'odd'"));
            Set<String> odd = walk("type=odd&limit=89");
            long storedAtEnd = count();
            writing.set(false);
            writes.get(60, TimeUnit.SECONDS);

            assertThat(storedAtEnd).as("events were stored while the walks ran").isGreaterThan(storedAtStart);
            assertThat(all).containsAll(before);
            assertThat(odd).containsAll(oddBefore);
            assertThat(odd).allMatch(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)) % 2 == 1);
            assertThat(database.storedIds()).containsAll(all);
            System.out.printf("paging while writing: %d events posted during the walks, %d stored; the walk saw "
                    + "%d of %d stored before it (+%d stored meanwhile), the odd walk %d of %d (+%d)%n",
                    posted.get(), storedAtEnd - storedAtStart, before.size(), before.size(),
                    all.size() - before.size(), oddBefore.size(), oddBefore.size(), odd.size() - oddBefore.size());
        }
    }

    private static long count() {
        try {
            return database.countEvents();
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    /** Follows next_cursor to the end, a little slowly so that writes land between pages; fails on a repeat. */
    private Set<String> walk(String query) throws Exception {
        Set<String> seen = new LinkedHashSet<>();
        String cursor = null;
        Instant previous = Instant.MAX;
        HttpTestClient http = running.http();
        for (int pages = 0; pages < 10_000; pages++) {
            String q = query + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            var r = http.get("/events?" + q);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (JsonNode e : r.json().get("events")) {
                assertThat(seen.add(e.get("id").asText())).as("%s seen twice", e.get("id")).isTrue();
                Instant created = Instant.parse(e.get("created_at").asText());
                assertThat(created).as("newest first").isBeforeOrEqualTo(previous);
                previous = created;
            }
            JsonNode next = r.json().get("next_cursor");
            if (next.isNull()) {
                return seen;
            }
            cursor = next.asText();
            Thread.sleep(10);
        }
        throw new AssertionError("the walk did not end");
    }
}
