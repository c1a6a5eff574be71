package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Segment's browser SDK, {@code @segment/analytics-next} (the version pinned in src/test/node/package-lock.json),
 * in Debian's Chromium ({@link BrowserSdk}), against the service's browser routes, from pages served on origins
 * other than the service's ({@link BrowserPages}): calls from an allowed origin each stored once and read back
 * through the query API, a batch and a beacon sent as the page is left each stored once, and a page from an origin
 * that is not allowed refused by the browser's CORS check, its beacon refused by the service, nothing of it stored.
 * Every page writes with the service's {@code write-browser} key. One subclass per database: BrowserSdkH2IT,
 * BrowserSdkMariaDbIT.
 */
@NeedsNode
abstract class BrowserSdkScenarios {
    /** How long a browser run may take, its hold included. */
    static final Duration DEADLINE = Duration.ofSeconds(60);
    /** How long what a left page sent may take to be stored (or refused). */
    static final Duration ARRIVAL = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void browser() throws Exception {
        BrowserSdk.require("the browser tests");
    }

    abstract SdkTestService service();

    abstract BrowserPages pages();

    /**
     * {@code base} as the browser tests need it: a write-browser key, and the allowed page origin (read when each
     * test's service starts, after the page servers did) as {@code --cors-origins}.
     */
    static SdkTestService forBrowsers(SdkTestService base, BrowserPages pages) {
        return base.withBrowserKey().with(c -> c.corsOrigins(List.of(pages.allowedOrigin())));
    }

    /** analytics-next's {@code apiHost}: host, port and path, no scheme (it posts to {@code http://<apiHost>/t}). */
    String apiHost() {
        return "127.0.0.1:" + service().port() + "/v1";
    }

    /** A messageId no other test uses: {@code br-<what>-<uuid>}. */
    static String messageId(String what) {
        return "br-" + what + "-" + UUID.randomUUID();
    }

    /** The page's settings: analytics-next loaded with the browser key, and beacons to send on pagehide. */
    Map<String, Object> config(Map<String, ?> loadOptions, List<Map<String, Object>> beaconsOnPagehide) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("analytics", BrowserSdk.analytics(service().browserKey(), apiHost(), loadOptions));
        config.put("beaconsOnPagehide", beaconsOnPagehide);
        return config;
    }

    /** A single-call message as analytics.js classic sent it with its beacon option: the write key in the body. */
    String bodyWithKey(String type, String messageId, Map<String, ?> fields) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("writeKey", service().browserKey());
        m.put("type", type);
        m.put("messageId", messageId);
        m.put("timestamp", "2026-05-01T12:30:00.000Z");
        m.putAll(fields);
        return JSON.writeValueAsString(m);
    }

    /** Waits until every id can be read back, failing at once when the run ended without leaving its browser open. */
    void awaitReadable(BrowserSdk.Run run, List<String> ids) throws InterruptedException {
        SdkTestService s = service();
        Eventually.await(ARRIVAL, "every message of the page is stored: " + ids, () -> {
            if (!run.running()) {
                throw new AssertionError("the browser run ended early: " + run.await().summary());
            }
            for (String id : ids) {
                if (s.event(id) == null) {
                    return false;
                }
            }
            return true;
        });
    }

    @Test
    void track_identify_and_page_from_an_allowed_origin_are_each_stored_once_and_read_back() throws Exception {
        SdkTestService s = service();
        String user = "u-" + UUID.randomUUID();
        String track = messageId("track");
        String identify = messageId("identify");
        String page = messageId("page");
        BrowserSdk.Page spec = new BrowserSdk.Page(pages().allowedOrigin() + BrowserPages.PAGE,
                config(Map.of(), List.of()), List.of(
                        BrowserSdk.call("track", "Order Completed", Map.of("order_id", "o-1", "revenue", 12.5),
                                Map.of("messageId", track)),
                        BrowserSdk.call("identify", user, Map.of("email", "a@example.com"),
                                Map.of("messageId", identify)),
                        BrowserSdk.call("page", "Docs", "Pricing", Map.of(), Map.of("messageId", page))),
                List.of(), false);

        BrowserSdk.Result result = BrowserSdk.run(new BrowserSdk.Input(List.of(spec), DEADLINE));

        assertThat(result.error()).as(result.summary()).isNull();
        assertThat(result.calls()).as(result.summary()).extracting(BrowserSdk.Call::messageId)
                .containsExactly(track, identify, page);
        assertThat(result.calls()).as("no failed delivery, nothing to retry: %s", result.summary())
                .allSatisfy(c -> {
                    assertThat(c.failedDelivery()).isNull();
                    assertThat(c.errors()).isEmpty();
                });
        assertThat(result.pageErrors()).as(result.summary()).isEmpty();
        List<String> ids = List.of(track, identify, page);
        s.assertStoredOnce(ids);

        String anonymous = result.calls().getFirst().anonymousId();
        assertThat(anonymous).as("the anonymousId analytics-next gave the visitor").isNotBlank();
        JsonNode tracked = s.event(track);
        assertThat(tracked.path("type").asText()).isEqualTo("Order Completed");
        assertThat(tracked.path("source").asText()).isEqualTo("segment.track");
        assertThat(tracked.path("user_id").asText()).as("a track before identify: the anonymousId")
                .isEqualTo(anonymous);
        assertThat(tracked.path("data").path("properties").path("revenue").asDouble()).isEqualTo(12.5);
        assertThat(tracked.path("data").path("context").path("page").path("url").asText())
                .isEqualTo(pages().allowedOrigin() + BrowserPages.PAGE);
        assertThat(tracked.path("data").path("context").path("library").path("name").asText())
                .isEqualTo("analytics.js");
        JsonNode identified = s.event(identify);
        assertThat(identified.path("type").asText()).isEqualTo("identify");
        assertThat(identified.path("source").asText()).isEqualTo("segment.identify");
        assertThat(identified.path("user_id").asText()).isEqualTo(user);
        assertThat(identified.path("data").path("traits").path("email").asText()).isEqualTo("a@example.com");
        JsonNode paged = s.event(page);
        assertThat(paged.path("type").asText()).isEqualTo("page");
        assertThat(paged.path("source").asText()).isEqualTo("segment.page");
        assertThat(paged.path("user_id").asText()).as("a page after identify: the userId").isEqualTo(user);
        assertThat(paged.path("data").path("name").asText()).isEqualTo("Pricing");
        for (String id : ids) {
            JsonNode event = s.event(id);
            assertThat(Instant.parse(event.path("timestamp").asText())).as("timestamp of %s", id)
                    .isEqualTo(Instant.parse(event.path("data").path("timestamp").asText()));
            assertThat(event.toString()).as("event %s as read back: the write key is not stored", id)
                    .doesNotContain(s.browserKey());
        }
        assertThat(s.events("segment.track", "Order Completed")).extracting(e -> e.path("id").asText())
                .containsExactly(track);
        assertThat(s.events("segment.identify", null)).extracting(e -> e.path("id").asText())
                .containsExactly(identify);
        assertThat(s.events("segment.page", null)).extracting(e -> e.path("id").asText()).containsExactly(page);
        assertThat(s.answered("POST /v1/t", 200)).as("answers: %s", s.answers()).isEqualTo(1);
        assertThat(s.answered("POST /v1/i", 200)).as("answers: %s", s.answers()).isEqualTo(1);
        assertThat(s.answered("POST /v1/p", 200)).as("answers: %s", s.answers()).isEqualTo(1);
        assertThat(answered(s.answers(), "OPTIONS", "204")).as("a preflight granted per route: %s", s.answers())
                .isGreaterThanOrEqualTo(3);
    }

    @Test
    void a_batch_still_queued_when_the_page_is_left_is_sent_to_v1_b_and_each_message_stored_once()
            throws Exception {
        SdkTestService s = service();
        // The batching strategy holds up to 100 messages for up to 60 s: only the page going away sends them.
        Map<String, Object> batching = Map.of("integrations", Map.of("Segment.io", Map.of("deliveryStrategy",
                Map.of("strategy", "batching", "config", Map.of("size", 100, "timeout", 60000)))));
        List<String> ids = new ArrayList<>();
        List<Map<String, ?>> calls = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(messageId("batched-" + i));
            calls.add(BrowserSdk.call("track", "Item Viewed", Map.of("n", i), Map.of("messageId", ids.get(i))));
        }
        BrowserSdk.Page spec = new BrowserSdk.Page(pages().allowedOrigin() + BrowserPages.PAGE,
                config(batching, List.of()), calls, List.of(), true);

        BrowserSdk.Result result;
        try (BrowserSdk.Run run = BrowserSdk.startHeld(new BrowserSdk.Input(List.of(spec), DEADLINE))) {
            awaitReadable(run, ids);
            result = run.await();
        }

        assertThat(result.error()).as(result.summary()).isNull();
        assertThat(result.calls()).as(result.summary()).extracting(BrowserSdk.Call::messageId)
                .containsExactlyElementsOf(ids);
        assertThat(result.calls()).as(result.summary()).allSatisfy(c -> assertThat(c.errors()).isEmpty());
        s.assertStoredOnce(ids);
        assertThat(s.events("segment.track", "Item Viewed")).hasSize(3).allSatisfy(e -> assertThat(
                e.path("user_id").asText()).isEqualTo(result.calls().getFirst().anonymousId()));
        assertThat(s.answered("POST /v1/b", 200)).as("one batch, sent on pagehide: %s", s.answers()).isEqualTo(1);
        assertThat(s.answered("POST /v1/t", 200)).as("no single track call: %s", s.answers()).isZero();
    }

    @Test
    void a_beacon_sent_as_the_page_is_left_is_stored_once() throws Exception {
        SdkTestService s = service();
        String id = messageId("beacon");
        String body = bodyWithKey("track", id, Map.of("event", "Page Left", "anonymousId", "anon-beacon",
                "properties", Map.of("path", "/pricing")));
        BrowserSdk.Page spec = new BrowserSdk.Page(pages().allowedOrigin() + BrowserPages.PAGE,
                config(Map.of(), List.of(BrowserSdk.post(s.url() + "/v1/t", body))), List.of(), List.of(), true);

        BrowserSdk.Result result;
        try (BrowserSdk.Run run = BrowserSdk.startHeld(new BrowserSdk.Input(List.of(spec), DEADLINE))) {
            awaitReadable(run, List.of(id));
            result = run.await();
        }

        assertThat(result.error()).as(result.summary()).isNull();
        s.assertStoredOnce(List.of(id));
        JsonNode event = s.event(id);
        assertThat(event.path("type").asText()).isEqualTo("Page Left");
        assertThat(event.path("source").asText()).isEqualTo("segment.track");
        assertThat(event.path("user_id").asText()).isEqualTo("anon-beacon");
        assertThat(event.path("data").path("properties").path("path").asText()).isEqualTo("/pricing");
        assertThat(Instant.parse(event.path("timestamp").asText())).isEqualTo(Instant.parse("2026-05-01T12:30:00Z"));
        assertThat(event.toString()).as("the beacon's write key is not stored").doesNotContain(s.browserKey());
        assertThat(s.answered("POST /v1/t", 200)).as("answers: %s", s.answers()).isEqualTo(1);
    }

    /**
     * The same page from an origin not in {@code --cors-origins}. analytics-next's calls carry an Authorization
     * header, so Chromium asks first (a preflight), is refused, and never sends them. A plain text/plain fetch
     * and a beacon need no preflight: they reach the service, which must refuse them (403) and store nothing; the
     * browser hides the fetch's answer from the page (no Access-Control-Allow-Origin). The test looks for what was
     * stored once the metrics show both answered.
     */
    @Test
    void a_page_from_an_origin_not_allowed_is_refused_and_nothing_of_it_is_stored() throws Exception {
        SdkTestService s = service();
        String track = messageId("refused-track");
        String identify = messageId("refused-identify");
        String page = messageId("refused-page");
        String fetched = messageId("refused-fetch");
        String beaconed = messageId("refused-beacon");
        String fetchBody = bodyWithKey("group", fetched, Map.of("anonymousId", "anon-refused", "groupId", "g-1"));
        String beaconBody = bodyWithKey("track", beaconed, Map.of("event", "Page Left",
                "anonymousId", "anon-refused"));
        BrowserSdk.Page spec = new BrowserSdk.Page(pages().refusedOrigin() + BrowserPages.PAGE,
                config(Map.of(), List.of(BrowserSdk.post(s.url() + "/v1/t", beaconBody))), List.of(
                        BrowserSdk.call("track", "Order Completed", Map.of(), Map.of("messageId", track)),
                        BrowserSdk.call("identify", "u-refused", Map.of(), Map.of("messageId", identify)),
                        BrowserSdk.call("page", "Docs", "Pricing", Map.of(), Map.of("messageId", page))),
                List.of(BrowserSdk.post(s.url() + "/v1/g", fetchBody)), true);

        BrowserSdk.Result result;
        try (BrowserSdk.Run run = BrowserSdk.startHeld(new BrowserSdk.Input(List.of(spec), DEADLINE))) {
            Eventually.await(ARRIVAL, "the service answered the fetch (/v1/g) and the beacon (/v1/t) 403", () -> {
                if (!run.running()) {
                    throw new AssertionError("the browser run ended early: " + run.await().summary());
                }
                return s.answers();
            }, answers -> answers.getOrDefault("POST /v1/g", Map.of()).getOrDefault("403", 0L) >= 1
                    && answers.getOrDefault("POST /v1/t", Map.of()).getOrDefault("403", 0L) >= 1);
            result = run.await();
        }

        assertThat(result.error()).as(result.summary()).isNull();
        assertThat(result.pages().getFirst().origin()).isEqualTo(pages().refusedOrigin());
        assertThat(result.calls()).as("analytics-next's calls: %s", result.summary()).hasSize(3)
                .allSatisfy(c -> assertThat(c.errors()).anySatisfy(e -> assertThat(e).contains("Failed to fetch")));
        assertThat(result.console(0)).as("the browser's CORS refusals: %s", result.summary())
                .anySatisfy(line -> assertThat(line).contains("blocked by CORS policy")
                        .contains("preflight").contains(s.url() + "/v1/t"));
        assertThat(result.pages().getFirst().fetches()).as(result.summary()).singleElement().satisfies(f -> {
            assertThat(f.status()).as("a refused answer is hidden from the page").isNull();
            assertThat(f.error()).startsWith("TypeError");
        });
        for (String id : List.of(track, identify, page, fetched, beaconed)) {
            assertThat(s.event(id)).as("GET /events/%s", id).isNull();
        }
        s.awaitIdle();
        s.assertStoredOnce(List.of()); // the events table is empty
        Map<String, Map<String, Long>> answers = s.answers();
        assertThat(answered(answers, "POST", "403")).as("the fetch and the beacon refused, and no POST of "
                + "analytics-next's, which never got past its preflight: %s", answers).isEqualTo(2);
        assertThat(answers).as("POSTs answered: only the two 403s").allSatisfy((route, byStatus) -> {
            if (route.startsWith("POST ")) {
                assertThat(byStatus).containsOnlyKeys("403");
            }
        });
        assertThat(answered(answers, "OPTIONS", "403")).as("preflights refused: %s", answers).isPositive();
        assertThat(answered(answers, "OPTIONS", "204")).as("preflights granted: %s", answers).isZero();
    }

    /** How many requests of this method, on any route, were answered with this status ({@code http_requests}). */
    static long answered(Map<String, Map<String, Long>> answers, String method, String status) {
        return answers.entrySet().stream().filter(e -> e.getKey().startsWith(method + " "))
                .mapToLong(e -> e.getValue().getOrDefault(status, 0L)).sum();
    }
}
