package io.eventpipeline.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.HttpTestClient;
import io.eventpipeline.config.Config;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Envelope;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.NoAcceptLog;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.RateLimiter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The browser routes as a browser meets them, over a real socket: the preflight, the CORS answer headers, the
 * refusal of an origin not in {@code --cors-origins} (before anything is queued), the browser key's limits (its
 * routes, an Origin, its own rate limit), and the write key taken from a {@code text/plain} body as sendBeacon
 * sends it. No worker drains the queue: what is accepted stays in it. The real browser is in the browser SDK ITs.
 */
@Timeout(60)
class BrowserRoutesTest {
    static final ApiKeys.NewKey BROWSER = ApiKeys.generate("write-browser", "shop-site");
    static final ApiKeys.NewKey WRITER = ApiKeys.generate("write", "shop-server");
    static final ApiKeys.NewKey READER = ApiKeys.generate("read", "dashboard");
    static final String SITE = "https://shop.example.com";
    static final String TRACK = "{\"type\":\"track\",\"event\":\"Order Completed\",\"anonymousId\":\"a-1\","
            + "\"messageId\":\"m-%s\",\"writeKey\":\"%s\",\"context\":{\"library\":{\"name\":\"analytics.js\"}}}";

    final Metrics metrics = new Metrics();
    EventQueue queue;
    ApiUnderTest api;

    void start(String corsOrigins, double browserRate) throws Exception {
        queue = new EventQueue(1000, 8 << 20);
        Ingest ingest = new LocalIngest(queue, new NoAcceptLog());
        ApiKeys keys = ApiKeys.load(null, BROWSER.line() + "\n" + WRITER.line() + "\n" + READER.line());
        RateLimiter browserLimit = new RateLimiter(browserRate, System::nanoTime);
        api = ApiUnderTest.start(Config.builder().port(0).corsOrigins(corsOrigins).build(),
                ApiUnderTest.healthDatabase("browser-test", true),
                probe -> new HttpApi.Parts(ingest, true, queue, metrics, probe, null, "memory", keys, null, null,
                        true, List.of(), browserLimit));
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    private HttpTestClient.Response send(String method, String path, Map<String, String> headers, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(r::header);
        return api.http().send(r);
    }

    /** A POST as a page's fetch or sendBeacon sends it: text/plain, with its Origin. */
    private HttpTestClient.Response post(String path, String origin, String body) throws Exception {
        return origin == null ? send("POST", path, Map.of("Content-Type", "text/plain;charset=UTF-8"), body)
                : send("POST", path, Map.of("Content-Type", "text/plain;charset=UTF-8", "Origin", origin), body);
    }

    private static String track(String id, String key) {
        return TRACK.formatted(id, key);
    }

    private static String basic(String key) {
        return "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(UTF_8));
    }

    private List<Envelope> queued() {
        List<Envelope> all = new ArrayList<>();
        queue.drainTo(all, Integer.MAX_VALUE);
        return all;
    }

    private static String header(HttpTestClient.Response r, String name) {
        return r.raw().headers().firstValue(name).orElse(null);
    }

    @Test
    void a_preflight_from_an_allowed_origin_is_granted_post_and_the_headers_it_asks_for() throws Exception {
        start(SITE, 100);

        var granted = send("OPTIONS", "/v1/t", Map.of("Origin", SITE, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization,x-retry-count"), null);
        assertThat(granted.status()).isEqualTo(204);
        assertThat(header(granted, "Access-Control-Allow-Origin")).isEqualTo(SITE);
        assertThat(header(granted, "Access-Control-Allow-Methods")).isEqualTo("POST");
        assertThat(header(granted, "Access-Control-Allow-Headers")).isEqualTo("authorization,x-retry-count");
        assertThat(header(granted, "Access-Control-Max-Age")).isEqualTo("7200");
        assertThat(header(granted, "Vary")).isEqualTo("Origin");

        var refused = send("OPTIONS", "/v1/b", Map.of("Origin", "https://evil.example",
                "Access-Control-Request-Method", "POST"), null);
        assertThat(refused.status()).isEqualTo(403);
        assertThat(header(refused, "Access-Control-Allow-Origin")).isNull();
        assertThat(refused.json().get("reason").asText()).isEqualTo("origin_not_allowed");
        assertThat(refused.json().get("error").asText()).contains("https://evil.example").contains("--cors-origins");

        var plain = send("OPTIONS", "/v1/i", Map.of(), null);
        assertThat(plain.status()).isEqualTo(204);
        assertThat(header(plain, "Allow")).isEqualTo("OPTIONS, POST");
        assertThat(header(plain, "Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void every_call_of_analytics_js_is_taken_on_its_short_route_from_a_text_plain_body() throws Exception {
        start(SITE, 100);
        Map<String, String> bodies = Map.of(
                "/v1/t", track("t", BROWSER.secret()),
                "/v1/i", "{\"userId\":\"u-1\",\"traits\":{\"plan\":\"pro\"},\"messageId\":\"m-i\",\"writeKey\":\""
                        + BROWSER.secret() + "\"}",
                "/v1/p", "{\"name\":\"Docs\",\"anonymousId\":\"a-1\",\"messageId\":\"m-p\",\"writeKey\":\""
                        + BROWSER.secret() + "\"}",
                "/v1/s", "{\"name\":\"Home\",\"anonymousId\":\"a-1\",\"messageId\":\"m-s\",\"writeKey\":\""
                        + BROWSER.secret() + "\"}",
                "/v1/g", "{\"groupId\":\"g-1\",\"userId\":\"u-1\",\"messageId\":\"m-g\",\"writeKey\":\""
                        + BROWSER.secret() + "\"}",
                "/v1/a", "{\"previousId\":\"a-1\",\"userId\":\"u-1\",\"messageId\":\"m-a\",\"writeKey\":\""
                        + BROWSER.secret() + "\"}");
        for (var e : bodies.entrySet()) {
            var r = post(e.getKey(), SITE, e.getValue());
            assertThat(r.status()).as("%s: %s", e.getKey(), r.body()).isEqualTo(200);
            assertThat(header(r, "Access-Control-Allow-Origin")).isEqualTo(SITE);
            assertThat(header(r, "Access-Control-Expose-Headers")).isEqualTo("Retry-After");
        }
        List<Envelope> stored = queued();
        assertThat(stored).extracting(e -> e.event().id())
                .containsExactlyInAnyOrder("m-t", "m-i", "m-p", "m-s", "m-g", "m-a");
        assertThat(stored).allSatisfy(e -> {
            assertThat(e.event().keyName()).isEqualTo("shop-site");
            assertThat(new String(e.event().data(), UTF_8)).as("the key is not stored")
                    .doesNotContain(BROWSER.secret());
        });
        assertThat(stored).extracting(e -> e.event().source()).contains("segment.track", "segment.identify",
                "segment.page", "segment.screen", "segment.group", "segment.alias");
    }

    @Test
    void the_batch_route_takes_analytics_next_batching_with_the_key_in_the_header_or_the_body() throws Exception {
        start(SITE, 100);
        String batch = "{\"writeKey\":\"" + BROWSER.secret() + "\",\"batch\":[" + track("b1", BROWSER.secret())
                + "," + track("b2", BROWSER.secret()) + "],\"sentAt\":\"2026-12-01T10:00:00.000Z\"}";

        var inBody = post("/v1/b", SITE, batch);
        assertThat(inBody.status()).as(inBody.body()).isEqualTo(200);
        assertThat(inBody.json().get("accepted").asInt()).isEqualTo(2);
        var inHeader = send("POST", "/v1/b", Map.of("Origin", SITE, "Content-Type", "text/plain",
                "Authorization", basic(BROWSER.secret())), batch.replace("m-b", "m-h"));
        assertThat(inHeader.status()).as(inHeader.body()).isEqualTo(200);
        assertThat(queued()).extracting(e -> e.event().id()).containsExactly("m-b1", "m-b2", "m-h1", "m-h2");
    }

    @Test
    void a_page_of_an_origin_not_allowed_is_refused_before_anything_is_queued_on_every_ingest_route()
            throws Exception {
        start(SITE + ",https://*.example.org", 100);

        for (String path : List.of("/v1/t", "/v1/b", "/v1/track", "/v1/batch", "/events")) {
            var r = post(path, "https://evil.example", track("x", BROWSER.secret()));
            assertThat(r.status()).as("%s: %s", path, r.body()).isEqualTo(403);
            assertThat(r.json().get("reason").asText()).isEqualTo("origin_not_allowed");
            assertThat(header(r, "Access-Control-Allow-Origin")).isNull();
        }
        // Not the site itself under another scheme or port, nor the parent of a wildcard.
        for (String origin : List.of("http://shop.example.com", "https://shop.example.com:8443",
                "https://example.org", "null")) {
            assertThat(post("/v1/t", origin, track("y", BROWSER.secret())).status()).as(origin).isEqualTo(403);
        }
        assertThat(post("/v1/t", "https://a.b.example.org", track("sub", BROWSER.secret())).status())
                .isEqualTo(200);
        assertThat(queued()).extracting(e -> e.event().id()).containsExactly("m-sub");

        // Refused before routing, counted under the route asked for, as a refused key is.
        assertThat(send("OPTIONS", "/v1/t", Map.of("Origin", "https://evil.example",
                "Access-Control-Request-Method", "POST"), null).status()).isEqualTo(403);
        var requests = api.http().get("/metrics").json().get("http_requests");
        assertThat(requests.get("POST /v1/t").get("403").asLong()).isEqualTo(5);
        assertThat(requests.get("POST /v1/b").get("403").asLong()).isEqualTo(1);
        assertThat(requests.get("OPTIONS /v1/t").get("403").asLong()).isEqualTo(1);
        assertThat(requests.has("POST unmatched")).isFalse();
    }

    @Test
    void a_browser_key_posts_through_the_browser_routes_from_a_page_only_and_never_reads() throws Exception {
        start(SITE, 100);

        var noOrigin = post("/v1/t", null, track("1", BROWSER.secret()));
        assertThat(noOrigin.status()).isEqualTo(403);
        assertThat(noOrigin.json().get("error").asText()).contains("no Origin header");
        var serverRoute = post("/v1/track", SITE, track("2", BROWSER.secret()));
        assertThat(serverRoute.status()).isEqualTo(403);
        assertThat(serverRoute.json().get("error").asText()).contains("browser key").contains("/v1/t");
        assertThat(send("POST", "/events", Map.of("Authorization", "Bearer " + BROWSER.secret(),
                "Content-Type", "application/json"), "{\"type\":\"x\",\"source\":\"s\"}").status()).isEqualTo(403);
        assertThat(send("GET", "/events", Map.of("Authorization", "Bearer " + BROWSER.secret()), null).status())
                .isEqualTo(403);
        assertThat(send("GET", "/events/m-1", Map.of("Authorization", "Bearer " + BROWSER.secret()), null).status())
                .isEqualTo(403);
        assertThat(queued()).isEmpty();

        // A write key is taken on the browser routes too, from a page or from a server; a read key is not.
        assertThat(post("/v1/t", null, track("w1", WRITER.secret())).status()).isEqualTo(200);
        assertThat(post("/v1/t", SITE, track("w2", WRITER.secret())).status()).isEqualTo(200);
        assertThat(post("/v1/t", SITE, track("r", READER.secret())).status()).isEqualTo(403);
        var unknown = post("/v1/t", SITE, track("u", "ep_not-a-key"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(header(unknown, "Access-Control-Allow-Origin")).as("the page may read why").isEqualTo(SITE);
        assertThat(queued()).extracting(e -> e.event().id()).containsExactly("m-w1", "m-w2");
    }

    @Test
    void a_browser_key_has_its_own_rate_limit_whose_429_the_page_can_read() throws Exception {
        start(SITE, 2);

        assertThat(post("/v1/t", SITE, track("1", BROWSER.secret())).status()).isEqualTo(200);
        assertThat(post("/v1/t", SITE, track("2", BROWSER.secret())).status()).isEqualTo(200);
        var over = post("/v1/t", SITE, track("3", BROWSER.secret()));
        assertThat(over.status()).isEqualTo(429);
        assertThat(header(over, "Retry-After")).isNotNull();
        assertThat(header(over, "Access-Control-Allow-Origin")).isEqualTo(SITE);
        assertThat(header(over, "Access-Control-Expose-Headers")).isEqualTo("Retry-After");
        assertThat(over.json().get("error").asText()).contains("--browser-rate-limit 2");
        // The write key is not charged to the browser keys' limit (there is no --rate-limit here).
        for (int i = 0; i < 5; i++) {
            assertThat(post("/v1/t", SITE, track("w" + i, WRITER.secret())).status()).isEqualTo(200);
        }
        assertThat(queued()).hasSize(7);
    }

    @Test
    void a_browser_key_is_charged_for_every_message_of_a_batch_the_refused_ones_too() throws Exception {
        start(SITE, 3);
        // The refused messages go to the dead letter: rows a public key would otherwise write for free.
        String batch = "{\"writeKey\":\"" + BROWSER.secret() + "\",\"batch\":[" + track("v", BROWSER.secret())
                + ",{},{\"type\":\"track\"}]}";

        var first = post("/v1/b", SITE, batch);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(first.json().get("dead_lettered").asInt()).isEqualTo(2);
        var second = post("/v1/b", SITE, batch);
        assertThat(second.status()).as("three messages charged, not one: %s", second.body()).isEqualTo(429);
        var onlyRefused = post("/v1/b", SITE, "{\"writeKey\":\"" + BROWSER.secret() + "\",\"batch\":[{},{},{},{}]}");
        assertThat(onlyRefused.status()).as("more messages than a second's worth: %s", onlyRefused.body())
                .isEqualTo(413);
        assertThat(queued()).hasSize(3);
    }
}
