package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.api.ApiUnderTest;
import io.eventpipeline.api.HttpApi;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.NoAcceptLog;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.H2Pool;
import io.eventpipeline.storage.JdbcEventRepository;
import io.javalin.Javalin;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP app over a real socket, on an in-memory H2: HEAD runs the GET handler, a method a route does not serve
 * is a 405 with Allow, an unknown route a 404, and what Jetty refuses before routing is JSON in the service's words.
 */
class HttpMethodsTest {
    static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
            "QUERY", "FOO");
    /** Every route's path, and the methods it serves ("/events/batch" is also an id: GET /events/{id}). */
    static final Map<String, String> ALLOW = Map.of(
            "/events", "GET, HEAD, POST",
            "/events/batch", "GET, HEAD, POST",
            "/events/some-id", "GET, HEAD",
            "/health", "GET, HEAD",
            "/health/live", "GET, HEAD",
            "/health/ready", "GET, HEAD",
            "/metrics", "GET, HEAD");

    final Metrics metrics = new Metrics();
    final EventQueue queue = new EventQueue(100, 1 << 20);
    final Ingest ingest = new LocalIngest(queue, new NoAcceptLog());
    HikariDataSource pool;
    ApiUnderTest api;
    Javalin app;

    void start(boolean databaseUp) throws Exception {
        pool = H2Pool.inMemory("http-methods", 2);
        api = ApiUnderTest.start(Config.builder().port(0).build(),
                databaseUp ? pool : ApiUnderTest.healthDatabase("http-methods", false),
                probe -> new HttpApi.Parts(ingest, queue, metrics, probe, new EventReader(pool, Dialect.H2), "memory",
                        ApiKeys.none(), null));
        app = api.app();
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    void head_answers_what_get_would_without_the_body() throws Exception {
        start(true);
        new JdbcEventRepository(pool, Dialect.H2).insert(List.of(new Event("h-1", "t", "s", null, null,
                "{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8), Instant.now(), null)));

        RawHttp.Response get = only("GET /events/h-1");
        RawHttp.Response head = only("HEAD /events/h-1");
        assertThat(get.status()).isEqualTo(200);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Type")).isEqualTo(get.header("Content-Type"));
        assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(get.body().length));
        assertThat(head.body()).isEmpty();

        assertThat(only("HEAD /events/no-such-id").status()).isEqualTo(404);
        assertThat(only("HEAD /events/a%20b").status()).isEqualTo(400);
        assertThat(only("HEAD /events?limit=0").status()).isEqualTo(400);
        assertThat(only("HEAD /no/such/route").status()).isEqualTo(404);
        RawHttp.Response ready = only("HEAD /health/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.header("Content-Type")).startsWith("application/json");
        assertThat(ready.body()).isEmpty();
        RawHttp.Response metricsText = only("HEAD /metrics", "Accept: text/plain");
        assertThat(metricsText.header("Content-Type")).startsWith("text/plain; version=0.0.4");

        ingest.close(Duration.ofSeconds(1));
        assertThat(only("HEAD /health/ready").status()).as("draining").isEqualTo(503);
        assertThat(only("HEAD /health").status()).isEqualTo(503);
        assertThat(only("HEAD /health/live").status()).isEqualTo(200);
    }

    @Test
    void head_on_ready_is_503_while_the_database_is_unreachable() throws Exception {
        start(false);
        RawHttp.Response ready = only("HEAD /health/ready");
        assertThat(ready.status()).isEqualTo(503);
        assertThat(ready.body()).isEmpty();
        assertThat(only("HEAD /health/live").status()).isEqualTo(200);
    }

    @Test
    void every_method_a_route_does_not_serve_is_a_405_with_allow_and_a_json_error() throws Exception {
        start(true);
        for (var route : ALLOW.entrySet()) {
            for (String method : METHODS) {
                if (route.getValue().contains(method)) {
                    continue;
                }
                RawHttp.Response r = only(method + " " + route.getKey(), "Content-Length: 0");
                String what = method + " " + route.getKey();
                assertThat(r.status()).as(what).isEqualTo(405);
                assertThat(r.header("Allow")).as(what).isEqualTo(route.getValue());
                assertThat(json(r, what).get("error").asText()).as(what).isEqualTo("method " + method
                        + " is not allowed on " + route.getKey() + "; allowed: " + route.getValue());
            }
        }
    }

    @Test
    void an_unknown_route_is_a_404_that_lists_the_routes() throws Exception {
        start(true);
        for (String request : List.of("GET /nope", "DELETE /nope", "POST /events/x/y", "GET /health/x")) {
            RawHttp.Response r = only(request, "Content-Length: 0");
            assertThat(r.status()).as(request).isEqualTo(404);
            assertThat(json(r, request).get("error").asText()).as(request)
                    .startsWith("no such route: " + request + " (the routes are POST /events, ")
                    .contains("GET /events/{id}", "GET /health/ready");
        }
    }

    /** What Jetty answers before the routes: JSON that says what is wrong, not Jetty's bare status phrase. */
    @Test
    void errors_jetty_answers_itself_are_json_in_the_services_words() throws Exception {
        start(true);
        String host = "\r\nHost: x\r\n\r\n";
        Map<String, List<Object>> cases = new java.util.LinkedHashMap<>();
        cases.put("GET /events/" + "a".repeat(9000) + " HTTP/1.1" + host,
                List.of(414, "the request URI is too long: the request line and headers may take at most 8192 bytes"));
        cases.put("GET /events HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n",
                List.of(431, "the request headers are too large: the request line and headers may take at most"));
        cases.put("GET /events/a%zz HTTP/1.1" + host, List.of(400, "bad percent escape"));
        cases.put("GET /events/a%2 HTTP/1.1" + host, List.of(400, "bad percent escape"));
        cases.put("GET /events/%FF HTTP/1.1" + host, List.of(400, "the URI is not UTF-8 once percent-decoded"));
        cases.put("GET /events/a%00b HTTP/1.1" + host, List.of(400, "the URI path has a character"));
        cases.put("GET /../x HTTP/1.1" + host, List.of(400, "the request target is not a path of this service"));
        cases.put("GET events HTTP/1.1" + host, List.of(400, "the request target is not a path of this service"));
        cases.put("GET /events HTTP/1.1\r\n\r\n", List.of(400, "no Host header"));
        cases.put("GET /events HTTP/9.9" + host, List.of(400, "unknown HTTP version; send HTTP/1.1"));
        cases.put("G\u0001T /events HTTP/1.1" + host, List.of(400, "a character HTTP does not allow"));
        cases.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", List.of(426, "HTTP/2 without TLS (h2c) is not served"));
        cases.put("OPTIONS * HTTP/1.1" + host, List.of(404, "no such route: OPTIONS *"));
        for (var c : cases.entrySet()) {
            String what = c.getKey().substring(0, Math.min(40, c.getKey().length()));
            RawHttp.Exchange x = RawHttp.exchange(app.port(), c.getKey().getBytes(StandardCharsets.ISO_8859_1),
                    true, 10_000);
            assertThat(x.first()).as(what).isNotNull();
            assertThat(x.first().status()).as(what).isEqualTo(c.getValue().get(0));
            assertThat(json(x.first(), what).get("error").asText()).as(what).contains((String) c.getValue().get(1));
        }
    }

    /**
     * Once the drain is over the listener closes, and Jetty waits for the requests in flight: a request sent then
     * on a kept-alive connection (a load balancer's) gets Jetty's 503, which must say why and when to come back.
     */
    @Test
    void a_request_that_arrives_while_http_stops_is_a_503_that_says_the_service_is_shutting_down() throws Exception {
        start(true);
        try (Socket keptAlive = new Socket("127.0.0.1", app.port());
                Socket inFlight = new Socket("127.0.0.1", app.port())) {
            keptAlive.setSoTimeout(10_000);
            OutputStream out = keptAlive.getOutputStream();
            out.write(latin1("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n"));
            assertThat(readResponse(keptAlive.getInputStream())).startsWith("HTTP/1.1 200");
            // A body that never ends keeps this request in flight, and so the stop waiting.
            inFlight.getOutputStream().write(latin1("POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: "
                    + "application/json\r\nContent-Length: 100\r\n\r\n{"));
            inFlight.getOutputStream().flush();
            GracefulHandler graceful = app.jettyServer().server().getDescendant(GracefulHandler.class);
            Eventually.await(Duration.ofSeconds(10), "the POST is in flight",
                    () -> graceful.getCurrentRequestCount() > 0);
            // The next request has begun, so the stop cannot close this connection as an idle one.
            out.write(latin1("GET /health/ready HTTP/1.1\r\n"));
            out.flush();
            Thread stopping = Thread.ofVirtual().start(app::stop);
            Eventually.await(Duration.ofSeconds(10), "the listener is closing", graceful::isShutdown);

            out.write(latin1("Host: x\r\n\r\n"));
            String answer = readResponse(keptAlive.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 503").containsIgnoringCase("Retry-After: 5")
                    .containsIgnoringCase("Content-Type: application/json")
                    .contains("{\"error\":\"the service is shutting down; retry against another instance or later\"}");
            inFlight.close();
            stopping.join(Duration.ofSeconds(20));
        }
        app = null;
    }

    /** The head and the Content-Length body of one response, read from a connection left open. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("closed after " + head);
            }
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sends one request (with Host, and {@code headers}), half-closes, and returns the one response. */
    private RawHttp.Response only(String requestLine, String... headers) throws Exception {
        StringBuilder b = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: x\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        RawHttp.Exchange x = RawHttp.exchange(app.port(), b.append("\r\n").toString()
                .getBytes(StandardCharsets.ISO_8859_1), true, 10_000);
        assertThat(x.responses()).as(requestLine).hasSize(1);
        return x.first();
    }

    private static JsonNode json(RawHttp.Response r, String what) {
        assertThat(r.header("Content-Type")).as(what).startsWith("application/json");
        try {
            return HttpTestClient.JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(what + ": not JSON: " + r.bodyText(), e);
        }
    }
}
