package io.eventpipeline;

import static io.eventpipeline.HostileRequests.JSON;
import static io.eventpipeline.HostileRequests.latin1;
import static io.eventpipeline.HostileRequests.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import io.eventpipeline.metrics.Metrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service under hostile input (the event rules and the HTTP API): thousands of requests drawn from seeded generators, and a
 * few fixed cases with the exact status the contract names. For every response: never a 5xx; a JSON body with
 * a string "error" whenever the status is 400 or more; and the server still healthy afterwards.
 *
 * <p>Replay a run with {@code -Dhostile.seed=N}; change its size with {@code -Dhostile.requests=N}.
 */
class HostileInputIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int RAW_TIMEOUT_MILLIS = 10_000;
    private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(20);
    private static final int REQUESTS_PER_TRANSPORT_RETRY = 1000;

    @RegisterExtension
    static final RunningService SERVICE = RunningService.embedded().with(c -> c.durability(Durability.MEMORY));

    private static Config config;
    private static Service service;
    private static HttpClient client;
    private static String base;

    @BeforeAll
    static void start() throws Exception {
        config = SERVICE.config().build();
        service = SERVICE.service();
        base = "http://127.0.0.1:" + service.port();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
    }

    private final List<String> transportRetries = new ArrayList<>();
    private String previous = "none";

    @AfterEach
    void the_server_is_still_healthy() throws Exception {
        assertHealthy();
    }

    // ---- the property run -------------------------------------------------------------------------------------

    @Test
    void thousands_of_hostile_requests_never_get_a_5xx_or_a_non_json_error() throws Exception {
        long seed = Long.getLong("hostile.seed", new Random().nextLong());
        int requests = Integer.getInteger("hostile.requests", 3000);
        System.out.printf("HostileInputIT: seed=%d requests=%d (replay with -Dhostile.seed=%d)%n", seed, requests,
                seed);
        Random random = new Random(seed);
        Map<String, Integer> byStatus = new TreeMap<>();
        Map<String, Map<String, Integer>> byGenerator = new TreeMap<>();
        List<String> violations = new ArrayList<>();
        Map<String, Integer> violationKinds = new TreeMap<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            long caseSeed = random.nextLong();
            HostileRequests.Case c = HostileRequests.draw(new Random(caseSeed));
            List<String> problems = new ArrayList<>();
            String outcome = send(c, problems);
            byStatus.merge(outcome, 1, Integer::sum);
            byGenerator.computeIfAbsent(c.generator(), k -> new TreeMap<>()).merge(outcome, 1, Integer::sum);
            for (String p : problems) {
                String kind = c.generator() + ": " + p.replaceAll("[:(].*", "");
                if (violationKinds.merge(kind, 1, Integer::sum) <= 3) { // a few examples of each kind
                    violations.add("#" + i + " case-seed=" + caseSeed + " " + p + "\n    request: " + c);
                }
            }
            if (i % 100 == 99) {
                assertHealthy();
            }
        }
        long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
        System.out.printf("HostileInputIT: %d requests in %ds; outcomes %s%n", requests, seconds, byStatus);
        byGenerator.forEach((g, m) -> System.out.printf("  %-22s %s%n", g, m));
        violations.forEach(v -> System.out.println("VIOLATION " + v));
        transportRetries.forEach(t -> System.out.println("RESENT on a fresh connection: " + t));
        assertHealthy();
        assertThat(violationKinds).as("violations by generator and kind (seed %d), with examples:%n%s", seed,
                String.join("\n", violations)).isEmpty();
        assertThat(transportRetries).as("requests resent after their keep-alive connection failed (seed %d)", seed)
                .hasSizeLessThanOrEqualTo(Math.max(1, requests / REQUESTS_PER_TRANSPORT_RETRY));
        everyAcceptedEventIsStored();
    }

    /** Sends one case and returns its outcome for the tally: the status, or what happened instead. */
    private String send(HostileRequests.Case c, List<String> problems) throws Exception {
        try {
            return sendCase(c, problems);
        } finally {
            previous = c.toString();
        }
    }

    /**
     * The JDK client reuses keep-alive connections, and a reused one can fail under a request now and then for
     * reasons of its own (a close it had not yet seen). Such a failure, unless it is a timeout, is resent once on
     * a new connection: the case then counts by the answer it gets there, and the failure is printed and counted,
     * at most one in {@link #REQUESTS_PER_TRANSPORT_RETRY}. Keep-alive after refusals has fixed tests below.
     */
    private static HttpResponse<byte[]> sendOnFreshConnection(HostileRequests.Http h) throws InterruptedException {
        try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build()) {
            return fresh.send(request(h), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            return null;
        }
    }

    private String sendCase(HostileRequests.Case c, List<String> problems) throws Exception {
        return switch (c) {
            case HostileRequests.Http h -> {
                HttpResponse<byte[]> r;
                long sent = System.nanoTime();
                try {
                    r = client.send(request(h), HttpResponse.BodyHandlers.ofByteArray());
                } catch (HttpTimeoutException e) {
                    problems.add("no response within " + HTTP_TIMEOUT.toSeconds() + " s: " + e);
                    yield "timeout";
                } catch (IOException e) {
                    String failure = "after " + (System.nanoTime() - sent) / 1_000_000 + " ms: " + e;
                    r = sendOnFreshConnection(h);
                    if (r == null) {
                        problems.add("no response (" + failure + "), nor on a fresh connection");
                        yield "io-error";
                    }
                    transportRetries.add(failure + "; the case before: " + previous);
                }
                problems.addAll(check(c, r.statusCode(), r.headers().firstValue("Content-Type").orElse(null),
                        r.body(), h.path()));
                yield Integer.toString(r.statusCode());
            }
            case HostileRequests.Raw raw -> {
                RawHttp.Exchange x = RawHttp.exchange(service.port(), raw.request(), raw.finish(), RAW_TIMEOUT_MILLIS);
                if (x.responses().isEmpty()) {
                    if (x.timedOut()) {
                        problems.add("hang: no response within " + RAW_TIMEOUT_MILLIS + " ms");
                        yield "timeout";
                    }
                    yield x.reset() ? "reset" : "closed";
                }
                boolean first = true;
                for (RawHttp.Response r : x.responses()) {
                    List<String> p = check(c, r.status(), r.header("Content-Type"), r.body(), null);
                    if (!first) {
                        p.removeIf(s -> s.startsWith("expected")); // the allowed set is about the first answer
                    }
                    problems.addAll(p);
                    first = false;
                }
                yield Integer.toString(x.first().status());
            }
        };
    }

    /** The properties of one response; an empty list when it keeps the contract. */
    private static List<String> check(HostileRequests.Case c, int status, String contentType, byte[] body,
            String path) {
        List<String> problems = new ArrayList<>();
        String shown = HostileRequests.preview(body);
        if (status >= 500) {
            problems.add("got " + status + " (a 5xx): " + shown);
        }
        if (!c.allowed().isEmpty() && !c.allowed().contains(status)) {
            problems.add("expected one of " + c.allowed() + ", got " + status + ": " + shown);
        }
        if (status >= 400) {
            if (contentType == null || !contentType.toLowerCase().startsWith(JSON)) {
                problems.add("error " + status + " with Content-Type " + contentType + ": " + shown);
            }
            JsonNode json = parse(body);
            if (json == null || !json.path("error").isTextual()) {
                problems.add("error " + status + " without a JSON {\"error\": \"...\"} body: " + shown);
            }
        }
        if (status == 202 && path != null) {
            JsonNode json = parse(body);
            boolean ok = json != null && (!path.startsWith(HostileRequests.BATCH) ? json.path("id").isTextual()
                    : json.path("ids").isArray() && json.path("accepted").asInt() == json.path("ids").size());
            if (!ok) {
                problems.add("202 without the ids it accepted: " + shown);
            }
        }
        return problems;
    }

    private static JsonNode parse(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A 202 means the event will be stored: none of the accepted ones may end up in the dead letter, but for the
     * invalid messages of Segment batches, which intake puts there itself (with 0 attempts).
     */
    private static void everyAcceptedEventIsStored() throws Exception {
        Metrics m = service.metrics();
        Eventually.await(Duration.ofSeconds(60), "every accepted event is stored, a duplicate or dead-lettered",
                () -> m.processed.sum() + m.duplicates.sum() + m.failed.sum() >= m.accepted.sum());
        System.out.printf("HostileInputIT: accepted=%d stored=%d duplicates=%d dead-lettered=%d%n", m.accepted.sum(),
                m.processed.sum(), m.duplicates.sum(), m.failed.sum());
        assertThat(m.processed.sum() + m.duplicates.sum() + m.failed.sum()).as("accepted events handled within 60 s")
                .isEqualTo(m.accepted.sum());
        List<String> refused = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(config.effectiveDbUrl());
                ResultSet rs = c.createStatement().executeQuery(
                        "SELECT error FROM events_dead_letter WHERE attempts > 0")) {
            while (rs.next()) {
                refused.add(rs.getString(1));
            }
        }
        assertThat(refused).as("accepted events that the database refused").isEmpty();
    }

    // ---- fixed cases ------------------------------------------------------------------------------------------

    @Test
    void a_body_that_is_not_json_is_400() throws Exception {
        assertError(post("/events", JSON, null, utf8("hello, world")), 400);
        assertError(post("/events/batch", JSON, null, utf8("{\"events\":[")), 400);
    }

    @Test
    void a_body_that_is_not_declared_json_is_415() throws Exception {
        assertError(post("/events", "text/plain", null, utf8(validEvent())), 415);
        assertError(post("/events", null, null, utf8(validEvent())), 415);
    }

    @Test
    void an_unknown_content_encoding_is_415() throws Exception {
        assertError(post("/events", JSON, "br", utf8(validEvent())), 415);
    }

    @Test
    void a_body_over_the_5_MiB_limit_is_413() throws Exception {
        assertError(post("/events", JSON, null, HostileRequests.tenMiBJson()), 413);
        assertError(post("/events/batch", JSON, null, HostileRequests.tenMiBJson()), 413);
    }

    /**
     * A server that answers before reading a body and then closes makes the TCP stack reset the connection, which
     * can destroy the answer: the client sees an empty reply. Repeated, because it happened to 1 request in 30.
     */
    @Test
    void a_refused_large_body_gets_its_answer_not_a_reset() throws Exception {
        byte[] body = HostileRequests.tenMiBJson();
        for (int i = 0; i < 40; i++) {
            boolean wrongType = i % 2 == 1;
            assertError(post("/events", wrongType ? "text/plain" : JSON, null, body), wrongType ? 415 : 413);
        }
    }

    @Test
    void a_chunked_body_over_the_limit_is_413_though_it_declares_no_length() throws Exception {
        byte[] body = HostileRequests.tenMiBJson();
        byte[] head = latin1("POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n");
        RawHttp.Exchange x = RawHttp.exchange(service.port(), HostileRequests.concat(head, body, latin1("\r\n0\r\n\r\n")),
                true, RAW_TIMEOUT_MILLIS);
        assertThat(x.first()).as("a response").isNotNull();
        assertRawError(x.first(), 413);
    }

    @Test
    void a_gzip_bomb_is_413() throws Exception {
        byte[] bomb = HostileRequests.gzipBomb();
        HttpResponse<byte[]> r = post("/events", JSON, "gzip", bomb);
        assertError(r, 413);
        assertThat(MAPPER.readTree(r.body()).path("error").asText()).contains("inflated");
    }

    /**
     * The proof that a bomb is not inflated whole: the client sends only its first part and keeps the body open,
     * and the 413 must come anyway, once what arrived inflates past the limit.
     */
    @Test
    void a_gzip_bomb_is_refused_before_the_client_has_sent_it_all() throws Exception {
        byte[] part = java.util.Arrays.copyOf(HostileRequests.gzipBomb(), 256 * 1024); // ~256 MiB inflated
        try (Socket socket = new Socket("127.0.0.1", service.port())) {
            socket.setSoTimeout(RAW_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write(latin1("POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(part.length)
                    + "\r\n"));
            out.write(part);
            out.write(latin1("\r\n"));
            out.flush(); // no last chunk: the body never ends
            byte[] head = socket.getInputStream().readNBytes(12);
            assertThat(new String(head, java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 413");
        }
    }

    @Test
    void an_accepted_event_is_202_with_its_id() throws Exception {
        HttpResponse<byte[]> r = post("/events", JSON, null, utf8(validEvent()));
        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(MAPPER.readTree(r.body()).path("id").isTextual()).isTrue();
        HttpResponse<byte[]> b = post("/events/batch", JSON, "gzip",
                HostileRequests.gzip(utf8("{\"events\":[" + validEvent() + "," + validEvent() + ",{\"type\":1}]}")));
        assertThat(b.statusCode()).isEqualTo(202);
        JsonNode json = MAPPER.readTree(b.body());
        assertThat(json.path("accepted").asInt()).isEqualTo(2);
        assertThat(json.path("rejected").asInt()).isEqualTo(1);
        assertThat(json.path("ids")).hasSize(2);
    }

    @Test
    void a_body_shorter_than_its_declared_length_is_400_and_nothing_is_accepted() throws Exception {
        String event = validEvent();
        String request = "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + (utf8(event).length + 100) + "\r\n\r\n" + event;
        RawHttp.Response r = raw(request); // the client half-closes after the bytes it has

        assertRawError(r, 400);
        assertThat(MAPPER.readTree(r.body()).path("error").asText()).contains("ended early");
    }

    @Test
    void a_batch_202_is_gzipped_for_a_client_that_accepts_it() throws Exception {
        // 100 ids of 36 characters: well over the size from which Javalin compresses.
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int i = 0; i < 100; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"type\":\"t\",\"source\":\"s\",\"data\":{}}");
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/events/batch")).timeout(HTTP_TIMEOUT)
                .header("Content-Type", JSON).header("Accept-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofString(batch.append("]}").toString())).build();
        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        byte[] body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(r.body())).readAllBytes();
        assertThat(MAPPER.readTree(body).path("ids")).hasSize(100);
    }

    @Test
    void errors_jetty_answers_before_the_routes_are_json_too() throws Exception {
        String post = "POST /events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
        assertRawError(raw(post + "X-Big: " + "a".repeat(64 * 1024) + "\r\nContent-Length: 2\r\n\r\n{}"), 431);
        assertRawError(raw("GARBAGE\r\n\r\n"), 400);
        assertRawError(raw("POST /events%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 400);
        assertRawError(raw(post + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"), 400);
        assertRawError(raw(post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), 400);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static String validEvent() {
        return HostileRequests.validEvent(new Random(42));
    }

    private static HttpRequest request(HostileRequests.Http h) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + h.path())).timeout(HTTP_TIMEOUT)
                .method(h.method(), HttpRequest.BodyPublishers.ofByteArray(h.body()));
        if (h.accept() != null) {
            b.header("Accept", h.accept());
        }
        if (h.contentType() != null) {
            b.header("Content-Type", h.contentType());
        }
        if (h.contentEncoding() != null) {
            b.header("Content-Encoding", h.contentEncoding());
        }
        return b.build();
    }

    private static HttpResponse<byte[]> post(String path, String type, String encoding, byte[] body)
            throws Exception {
        return client.send(request(new HostileRequests.Http("fixed", "POST", path, type, encoding, null, body, Set.of())),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static RawHttp.Response raw(String request) throws IOException {
        RawHttp.Exchange x = RawHttp.exchange(service.port(), latin1(request), true, RAW_TIMEOUT_MILLIS);
        assertThat(x.first()).as("a response to %s", request.lines().findFirst().orElse("")).isNotNull();
        return x.first();
    }

    private static void assertError(HttpResponse<byte[]> r, int status) throws IOException {
        assertThat(r.statusCode()).as(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(JSON);
        assertThat(MAPPER.readTree(r.body()).path("error").isTextual()).isTrue();
    }

    private static void assertRawError(RawHttp.Response r, int status) throws IOException {
        assertThat(r.status()).as(r.bodyText()).isEqualTo(status);
        assertThat(r.header("Content-Type")).as(r.bodyText()).startsWith(JSON);
        assertThat(MAPPER.readTree(r.body()).path("error").isTextual()).as(r.bodyText()).isTrue();
    }

    private static void assertHealthy() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(HTTP_TIMEOUT)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET /health: %s", r.body()).isEqualTo(200);
        assertThat(MAPPER.readTree(r.body()).path("status").asText()).isEqualTo("UP");
    }
}
