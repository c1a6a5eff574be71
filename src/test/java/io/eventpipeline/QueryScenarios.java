package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What the query API promises, end to end on each database: GET /events/{id} and GET /events with its filters,
 * limits and cursor. Mixed into {@link PipelineScenarios}, so that every database's suite runs it.
 */
interface QueryScenarios {
    Duration STORE_TIMEOUT = Duration.ofSeconds(60);

    /** The running service's client. */
    HttpTestClient client();

    /** The database under test. */
    TestDb database();

    @Test
    default void an_event_reads_back_by_id_as_it_was_posted() throws Exception {
        String data = "{\"action\":\"click\",\"n\":42,\"price\":22.5,\"ok\":true,\"none\":null,"
                + "\"text\":\"caf\\u00e9 \\\"quoted\\\" \\\\ \\n 日本語 😀\",\"nested\":{\"list\":[1,\"two\",{}]}}";
        String full = "{\"id\":\"q-1\",\"type\":\"order.placed\",\"source\":\"shop\",\"user_id\":\"u-42\","
                + "\"timestamp\":\"2024-05-01T14:30:00.5+02:00\",\"data\":" + data + "}";
        assertThat(client().post("/events", full).status()).isEqualTo(202);
        assertThat(client().post("/events", HttpTestClient.event("q-2", "t", "{}")).status()).isEqualTo(202);
        database().awaitEventCount(2, STORE_TIMEOUT);

        var r = client().get("/events/q-1");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.raw().headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("application/json"));
        JsonNode e = r.json();
        assertThat(e.get("id").asText()).isEqualTo("q-1");
        assertThat(e.get("type").asText()).isEqualTo("order.placed");
        assertThat(e.get("source").asText()).isEqualTo("shop");
        assertThat(e.get("user_id").asText()).isEqualTo("u-42");
        assertThat(e.get("timestamp").asText()).isEqualTo("2024-05-01T12:30:00.500Z");
        assertThat(e.get("data").isObject()).as("data is a JSON object, not a string: %s", r.body()).isTrue();
        assertThat(e.get("data")).isEqualTo(HttpTestClient.JSON.readTree(data));
        assertThat(e.get("data").get("text").asText()).isEqualTo("café \"quoted\" \\ \n 日本語 😀");
        for (String time : List.of("received_at", "created_at")) {
            assertThat(e.get(time).asText()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
        }
        assertThat(Instant.parse(e.get("created_at").asText()))
                .isAfterOrEqualTo(Instant.parse(e.get("received_at").asText()).minusSeconds(5));
        List<String> names = new ArrayList<>();
        e.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("id", "type", "source", "user_id", "timestamp", "data", "received_at",
                "created_at", "key_name");
        assertThat(e.get("key_name").isNull()).as("no API keys configured").isTrue();

        JsonNode bare = client().get("/events/q-2").json();
        assertThat(bare.get("user_id").isNull()).isTrue();
        assertThat(bare.get("timestamp").isNull()).isTrue();
        assertThat(bare.get("data").isObject()).isTrue();
    }

    @Test
    default void an_unknown_id_is_a_404_with_a_json_error() throws Exception {
        for (String id : List.of("no-such-event", "x".repeat(64), "A.b_c:d-9")) {
            var r = client().get("/events/" + id);
            assertThat(r.status()).as(id).isEqualTo(404);
            assertThat(r.json().get("error").asText()).contains("no event with id");
        }
        var params = client().get("/events/no-such-event?type=t");
        assertThat(params.status()).isEqualTo(400);
        assertThat(params.json().get("field").asText()).isEqualTo("type");
    }

    /** An id no event can have is the client's mistake, not an event that may not be stored yet. */
    @Test
    default void an_id_that_breaks_the_id_rule_is_a_400_naming_the_rule() throws Exception {
        for (String id : List.of("x".repeat(65), "caf%C3%A9", "a%20b", "a%2Fb", "a+b", "a%252Eb", "%F0%9F%98%80")) {
            var r = client().get("/events/" + id);
            assertThat(r.status()).as(id).isEqualTo(400);
            assertThat(r.json().get("field").asText()).as(id).isEqualTo("id");
            assertThat(r.json().get("error").asText()).as(id)
                    .startsWith("id: must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        }
    }

    @Test
    default void events_are_listed_newest_first_and_filtered_by_type_source_user_and_time() throws Exception {
        // Stored one at a time, a few milliseconds apart, so that each has its own created_at.
        String[][] events = {
                {"f-1", "click", "web", "u-1"},
                {"f-2", "view", "web", "u-2"},
                {"f-3", "click", "app", "u-1"},
                {"f-4", "click", "web", null},
        };
        for (int i = 0; i < events.length; i++) {
            String[] e = events[i];
            String json = "{\"id\":\"" + e[0] + "\",\"type\":\"" + e[1] + "\",\"source\":\"" + e[2] + "\""
                    + (e[3] == null ? "" : ",\"user_id\":\"" + e[3] + "\"") + ",\"data\":{\"i\":" + i + "}}";
            assertThat(client().post("/events", json).status()).isEqualTo(202);
            database().awaitEventCount(i + 1, STORE_TIMEOUT);
            Thread.sleep(5);
        }

        JsonNode all = client().get("/events").json();
        assertThat(ids(all)).containsExactly("f-4", "f-3", "f-2", "f-1");
        assertThat(all.get("next_cursor").isNull()).isTrue();
        assertThat(all.get("events").get(0).get("data").get("i").asInt()).isEqualTo(3);

        assertThat(ids(client().get("/events?type=click").json())).containsExactly("f-4", "f-3", "f-1");
        assertThat(ids(client().get("/events?source=web").json())).containsExactly("f-4", "f-2", "f-1");
        assertThat(ids(client().get("/events?user_id=u-1").json())).containsExactly("f-3", "f-1");
        assertThat(ids(client().get("/events?type=click&source=web&user_id=u-1").json())).containsExactly("f-1");
        assertThat(ids(client().get("/events?type=nothing-has-this").json())).isEmpty();

        // since is inclusive and until exclusive, both on created_at, to the millisecond.
        String t2 = createdAt(all, "f-2");
        String t3 = createdAt(all, "f-3");
        assertThat(ids(client().get("/events?since=" + t2).json())).containsExactly("f-4", "f-3", "f-2");
        assertThat(ids(client().get("/events?until=" + t2).json())).containsExactly("f-1");
        assertThat(ids(client().get("/events?since=" + t2 + "&until=" + t3).json())).containsExactly("f-2");
        assertThat(ids(client().get("/events?type=click&since=" + t2).json())).containsExactly("f-4", "f-3");
        // The same instant with an offset, its + written %2B, or left unencoded (which arrives as a space).
        String offset = Instant.parse(t2).atOffset(java.time.ZoneOffset.ofHours(2)).toString();
        assertThat(ids(client().get("/events?since=" + offset.replace("+", "%2B")).json()))
                .containsExactly("f-4", "f-3", "f-2");
        assertThat(ids(client().get("/events?since=" + offset).json())).containsExactly("f-4", "f-3", "f-2");
    }

    @Test
    default void bad_query_parameters_are_a_400_that_names_the_parameter() throws Exception {
        assertThat(client().post("/events", HttpTestClient.event("b-1", "t", "{}")).status()).isEqualTo(202);
        assertThat(client().post("/events", HttpTestClient.event("b-2", "t", "{}")).status()).isEqualTo(202);
        database().awaitEventCount(2, STORE_TIMEOUT);
        String cursor = client().get("/events?limit=1").json().get("next_cursor").asText();
        assertThat(client().get("/events?limit=1&cursor=" + cursor).status()).isEqualTo(200);

        byte[] forged = Base64.getUrlDecoder().decode(cursor);
        forged[10] ^= 1; // another seq, same length and alphabet
        String[][] cases = {
                {"limit=0", "limit"},
                {"limit=1001", "limit"},
                {"limit=abc", "limit"},
                {"limit=-1", "limit"},
                {"limit=", "limit"},
                {"since=yesterday", "since"},
                {"since=2024-05-01", "since"},
                {"since=2024-05-01T12:30:00", "since"},
                {"until=2024-13-01T00:00:00Z", "until"},
                {"since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z", "since"},
                {"type=has%09tab", "type"},
                {"type=%20%20", "type"},
                {"type=", "type"},
                {"type=a&type=b", "type"},
                {"source=" + "s".repeat(256), "source"},
                {"user_id=" + "u".repeat(129), "user_id"},
                {"userId=u-1", "userId"},
                {"cursor=garbage", "cursor"},
                {"cursor=" + cursor.substring(1), "cursor"},
                {"cursor=" + Base64.getUrlEncoder().withoutPadding().encodeToString(forged), "cursor"},
                {"cursor=" + cursor + "&type=t", "cursor"},
                {"cursor=" + cursor.replace(cursor.charAt(5), cursor.charAt(5) == 'A' ? 'B' : 'A'), "cursor"},
        };
        for (String[] c : cases) {
            var r = client().get("/events?" + c[0]);
            assertThat(r.status()).as("%s: %s", c[0], r.body()).isEqualTo(400);
            assertThat(r.json().get("field").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(r.json().get("error").asText()).as(c[0]).contains(c[1]);
        }
        var notUtf8 = client().get("/events?user_id=%C3%28");
        assertThat(notUtf8.status()).as(notUtf8.body()).isEqualTo(400);
        assertThat(notUtf8.json().get("error").asText()).contains("query string");
        // java.net.URI refuses to send a bad escape, so this one goes over a plain socket.
        assertThat(rawGet("/events?type=%ZZ")).startsWith("HTTP/1.1 400").contains("percent escape");
        assertThat(client().get("/events?limit=1000").status()).isEqualTo(200);
        assertThat(client().get("/events?limit=1").json().get("events")).hasSize(1);
    }

    @Test
    default void following_next_cursor_visits_every_event_exactly_once_newest_first() throws Exception {
        // Batches share a created_at (one multi-row INSERT), so pages must break ties by seq to miss none.
        Set<String> posted = new HashSet<>();
        for (int b = 0; b < 5; b++) {
            StringBuilder batch = new StringBuilder("{\"events\":[");
            for (int i = 0; i < 50; i++) {
                String id = "p-" + b + "-" + i;
                posted.add(id);
                batch.append(i == 0 ? "" : ",").append(HttpTestClient.event(id, i % 2 == 0 ? "even" : "odd", "{}"));
            }
            assertThat(client().post("/events/batch", batch.append("]}").toString()).status()).isEqualTo(202);
        }
        database().awaitEventCount(posted.size(), STORE_TIMEOUT);

        assertThat(walk("limit=7")).containsExactlyInAnyOrderElementsOf(posted);
        assertThat(walk("limit=1000")).containsExactlyInAnyOrderElementsOf(posted);
        assertThat(walk("type=odd&limit=13")).hasSize(125).allMatch(id -> Integer.parseInt(id.split("-")[2]) % 2 == 1);
        JsonNode first = client().get("/events").json();
        assertThat(first.get("events")).hasSize(100);
        assertThat(first.get("next_cursor").isTextual()).isTrue();
    }

    private String rawGet(String target) throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", client().port())) {
            socket.setSoTimeout(10_000);
            String request = "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Follows next_cursor to the end; fails on a repeated event or on order other than newest first. */
    default List<String> walk(String query) throws Exception {
        List<String> seen = new ArrayList<>();
        Set<String> unique = new HashSet<>();
        String cursor = null;
        Instant previous = Instant.MAX;
        for (int pages = 0; pages < 10_000; pages++) {
            String q = query + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            var r = client().get("/events?" + q);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            for (JsonNode e : r.json().get("events")) {
                assertThat(unique.add(e.get("id").asText())).as("%s seen twice", e.get("id")).isTrue();
                Instant created = Instant.parse(e.get("created_at").asText());
                assertThat(created).as("newest first").isBeforeOrEqualTo(previous);
                previous = created;
                seen.add(e.get("id").asText());
            }
            JsonNode next = r.json().get("next_cursor");
            if (next.isNull()) {
                return seen;
            }
            cursor = next.asText();
        }
        throw new AssertionError("the walk did not end");
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("events").forEach(e -> ids.add(e.get("id").asText()));
        return ids;
    }

    private static String createdAt(JsonNode page, String id) {
        for (JsonNode e : page.get("events")) {
            if (e.get("id").asText().equals(id)) {
                return e.get("created_at").asText();
            }
        }
        throw new AssertionError(id + " is not in the page");
    }
}
