package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.RunningService;
import io.eventpipeline.TcpProxy;
import io.eventpipeline.TestDb;
import io.eventpipeline.bench.TempDirs;
import io.eventpipeline.config.Config;
import io.eventpipeline.security.ApiKeys;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import org.h2.tools.Server;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A service for testing a client library (an SDK) against: in process on a loopback port, with API keys, its
 * database behind a {@link TcpProxy} so that a test can open and close an <em>outage window</em> in which every
 * ingest request is answered {@code 503} with Retry-After, and read back what was stored.
 *
 * <p>Register it on an instance field ({@code @RegisterExtension final SdkTestService service =
 * SdkTestService.onH2();}): each test gets a fresh service, database, proxy and keys. {@link #onH2()} runs H2's own
 * TCP server (a {@code jdbc:h2:tcp://} URL, so the service reaches H2 over a socket the proxy can cut);
 * {@link #onMariaDb()} runs on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL} (put {@code @NeedsTestDatabase}
 * on the class: skipped without it, failed under {@code CI=true}).
 *
 * <p>The window: {@link #openOutageWindow()} cuts the database, then posts filler events through {@code POST
 * /events} until one is answered {@code 503} (the queue is full: {@link #QUEUE_CAPACITY} events, one worker), so
 * the window is known to be open when it returns; {@link #closeOutageWindow()} restores the database and waits until
 * every filler event is stored, which means the queue has room again. The filler events have source
 * {@link #FILLER_SOURCE}. {@link #answered} reads {@code GET /metrics} ({@code http_requests}) to prove a client
 * was really answered 503 on a route.
 *
 * <p>Reading back: {@link #events} walks {@code GET /events?source=..&type=..} through every {@code next_cursor};
 * {@link #rows} counts the events table's rows with an id over JDBC, past the proxy (it works while the window is
 * open); {@link #assertStoredOnce} waits for ids and asserts each is one row.
 */
public final class SdkTestService implements BeforeEachCallback, AfterEachCallback {
    /** Queue bound in events while the window is open; also the largest batch a request may carry. */
    public static final int QUEUE_CAPACITY = 50;
    /** Source of the events {@link #openOutageWindow()} posts to fill the queue. */
    public static final String FILLER_SOURCE = "sdk-test.filler";
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);

    private final boolean h2;
    private final boolean withBrowserKey;
    private final UnaryOperator<Config.Builder> options;

    private Path dir;
    private Server h2Server;
    private TcpProxy proxy;
    private TestDb direct;
    private RunningService running;
    private ApiKeys.NewKey writer;
    private ApiKeys.NewKey reader;
    private ApiKeys.NewKey browser;
    private final List<String> filler = new ArrayList<>();
    private boolean windowOpen;

    private SdkTestService(boolean h2, boolean withBrowserKey, UnaryOperator<Config.Builder> options) {
        this.h2 = h2;
        this.withBrowserKey = withBrowserKey;
        this.options = options;
    }

    /** On H2 served by its TCP server in a temp dir, reached through the proxy. */
    public static SdkTestService onH2() {
        return new SdkTestService(true, false, UnaryOperator.identity());
    }

    /** On the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL} (emptied first), reached through the proxy. */
    public static SdkTestService onMariaDb() {
        return new SdkTestService(false, false, UnaryOperator.identity());
    }

    /** The same with more service settings, applied after this fixture's own (one worker, a small queue). */
    public SdkTestService with(UnaryOperator<Config.Builder> more) {
        return new SdkTestService(h2, withBrowserKey, c -> more.apply(options.apply(c)));
    }

    /**
     * The same with a third key, of the {@code write-browser} scope ({@link #browserKey()}): what a web page is
     * given. The service takes it on the browser routes only, from the origins of {@code --cors-origins} (set them
     * with {@link #with}).
     */
    public SdkTestService withBrowserKey() {
        return new SdkTestService(h2, true, options);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        dir = TempDirs.create("sdk-test-");
        String viaProxy;
        if (h2) {
            h2Server = Server.createTcpServer("-tcpPort", "0", "-baseDir", dir.resolve("h2").toString(),
                    "-ifNotExists").start();
            direct = new TestDb("h2", "jdbc:h2:tcp://127.0.0.1:" + h2Server.getPort() + "/events");
            proxy = new TcpProxy("127.0.0.1", h2Server.getPort());
            viaProxy = "jdbc:h2:tcp://127.0.0.1:" + proxy.port() + "/events";
        } else {
            direct = TestDb.requireFromEnvironment("the SDK tests on MariaDB");
            proxy = new TcpProxy(direct.host(), direct.port());
            viaProxy = direct.urlVia(proxy.port());
        }
        writer = ApiKeys.generate("write", "sdk-test-writer");
        reader = ApiKeys.generate("read", "sdk-test-reader");
        Path keys = dir.resolve("keys");
        String lines = writer.line() + "\n" + reader.line() + "\n";
        if (withBrowserKey) {
            browser = ApiKeys.generate("write-browser", "sdk-test-site");
            lines += browser.line() + "\n";
        }
        Files.writeString(keys, lines);
        TestDb service = new TestDb(direct.name() + "-via-proxy", viaProxy);
        running = RunningService.on(() -> service).with(c -> options.apply(c.host("127.0.0.1").apiKeysFile(keys)
                .workers(1).queueCapacity(QUEUE_CAPACITY).maxBatchEvents(QUEUE_CAPACITY).queueMaxBytes(1L << 20)
                .shutdownTimeout(Duration.ofSeconds(5))));
        running.beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            if (proxy != null) {
                proxy.restore(); // so that the stop drains instead of waiting out its timeout
            }
            if (running != null) {
                running.afterEach(context);
            }
        } finally {
            if (proxy != null) {
                proxy.close();
            }
            if (h2Server != null) {
                h2Server.stop();
            }
            if (dir != null) {
                TempDirs.delete(dir);
            }
        }
    }

    /** {@code http://127.0.0.1:<port>}: what an SDK is given as its host / endpoint (no path). */
    public String url() {
        return "http://127.0.0.1:" + running.service().port();
    }

    public int port() {
        return running.service().port();
    }

    /** A key with the write scope: an SDK's write key (HTTP Basic user name) or {@code Authorization: Bearer}. */
    public String writeKey() {
        return writer.secret();
    }

    /** The key with the write-browser scope: a page's write key. Only with {@link #withBrowserKey()}. */
    public String browserKey() {
        if (browser == null) {
            throw new IllegalStateException("this service has no browser key: make it withBrowserKey()");
        }
        return browser.secret();
    }

    /** A key with the read scope, for {@code GET /events}. */
    public String readKey() {
        return reader.secret();
    }

    /** A plain client of the service (no key: add {@code Authorization} yourself where routes need it). */
    public HttpTestClient http() {
        return running.http();
    }

    /** The database, reached directly (not through the proxy), for counting rows with JDBC. */
    public TestDb database() {
        return direct;
    }

    /**
     * Cuts the database and fills the queue with filler events until a request is answered 503: from return until
     * {@link #closeOutageWindow()} every ingest request is refused with 503 and Retry-After.
     *
     * @return how many filler events were accepted (they are stored once the window closes)
     */
    public int openOutageWindow() throws Exception {
        if (windowOpen) {
            throw new IllegalStateException("the outage window is open already");
        }
        proxy.cut();
        windowOpen = true;
        int accepted = 0;
        long deadline = System.nanoTime() + OPEN_TIMEOUT.toNanos();
        while (true) {
            String id = "filler-" + filler.size();
            HttpTestClient.Response r = http().send(HttpRequest.newBuilder(URI.create(url() + "/events"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + writeKey())
                    .POST(HttpRequest.BodyPublishers.ofString(HttpTestClient.event(id, "filler", "{}")
                            .replace("\"source\":\"test\"", "\"source\":\"" + FILLER_SOURCE + "\""))));
            if (r.status() == 503) {
                assertThat(r.raw().headers().firstValue("Retry-After")).as("Retry-After of a 503").isPresent();
                return accepted;
            }
            assertThat(r.status()).as("a filler event while the database is cut: %s", r.body()).isEqualTo(202);
            filler.add(id);
            accepted++;
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no 503 after " + accepted + " filler events in " + OPEN_TIMEOUT);
            }
        }
    }

    /** Gives the database back and waits until every filler event is stored: the queue has room again. */
    public void closeOutageWindow() throws Exception {
        if (!windowOpen) {
            throw new IllegalStateException("the outage window is not open");
        }
        proxy.restore();
        windowOpen = false;
        direct.awaitStored(Set.copyOf(filler), STORE_TIMEOUT);
    }

    /** Ids of the filler events posted so far (each stored once after the window closed). */
    public List<String> fillerIds() {
        return List.copyOf(filler);
    }

    /** The whole {@code GET /metrics} JSON document. */
    public JsonNode metrics() throws IOException, InterruptedException {
        // The read key, so that this works with --metrics-need-key too.
        HttpTestClient.Response r = http().send(HttpRequest.newBuilder(URI.create(url() + "/metrics"))
                .header("Authorization", "Bearer " + readKey()).GET());
        assertThat(r.status()).as("GET /metrics: %s", r.body()).isEqualTo(200);
        return r.json();
    }

    /**
     * How many requests were answered {@code status} on a route, from {@code http_requests} in {@code GET /metrics}.
     *
     * @param route method and route template as the metrics name it, e.g. {@code "POST /v1/batch"}
     */
    public long answered(String route, int status) throws IOException, InterruptedException {
        return metrics().path("http_requests").path(route).path(Integer.toString(status)).asLong(0);
    }

    /** Every {@code http_requests} series: {@code "POST /v1/batch" -> {"200": 3, "503": 1}}. */
    public Map<String, Map<String, Long>> answers() throws IOException, InterruptedException {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        metrics().path("http_requests").fields().forEachRemaining(route -> {
            Map<String, Long> byStatus = new LinkedHashMap<>();
            route.getValue().fields().forEachRemaining(s -> byStatus.put(s.getKey(), s.getValue().asLong()));
            out.put(route.getKey(), byStatus);
        });
        return out;
    }

    /**
     * Every stored event with this source and type, walking {@code GET /events} through each {@code next_cursor};
     * each is the JSON object the query API answers (id, type, source, user_id, timestamp, data, ...).
     *
     * @param type the event type, or null for any
     */
    public List<JsonNode> events(String source, String type) throws IOException, InterruptedException {
        StringBuilder query = new StringBuilder("/events?limit=1000&source=").append(encode(source));
        if (type != null) {
            query.append("&type=").append(encode(type));
        }
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = read(query + (cursor == null ? "" : "&cursor=" + encode(cursor)));
            page.path("events").forEach(out::add);
            cursor = page.path("next_cursor").isTextual() ? page.get("next_cursor").asText() : null;
        } while (cursor != null);
        return out;
    }

    /** {@code GET /events/{id}}: the event, or null on 404. */
    public JsonNode event(String id) throws IOException, InterruptedException {
        HttpTestClient.Response r = http().send(HttpRequest.newBuilder(URI.create(url() + "/events/"
                + encode(id).replace("+", "%20"))).header("Authorization", "Bearer " + readKey()).GET());
        if (r.status() == 404) {
            return null;
        }
        assertThat(r.status()).as("GET /events/%s: %s", id, r.body()).isEqualTo(200);
        return r.json();
    }

    private JsonNode read(String pathAndQuery) throws IOException, InterruptedException {
        HttpTestClient.Response r = http().send(HttpRequest.newBuilder(URI.create(url() + pathAndQuery))
                .header("Authorization", "Bearer " + readKey()).GET());
        assertThat(r.status()).as("GET %s: %s", pathAndQuery, r.body()).isEqualTo(200);
        return r.json();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Rows of the events table with this id (0 or 1: the id is the table's unique key). */
    public long rows(String id) throws SQLException {
        return direct.count("SELECT COUNT(*) FROM events WHERE id = ?", id);
    }

    /**
     * Waits until every id is stored, then asserts each is exactly one row and that no row of the events table
     * besides them and the filler events exists (nothing doubled under a new id).
     */
    public void assertStoredOnce(Collection<String> ids) throws Exception {
        direct.awaitStored(Set.copyOf(ids), STORE_TIMEOUT);
        for (String id : ids) {
            assertThat(rows(id)).as("rows with id %s", id).isEqualTo(1);
        }
        Set<String> expected = new TreeSet<>(ids);
        expected.addAll(filler);
        Set<String> stored = new TreeSet<>(direct.strings("SELECT id FROM events"));
        assertThat(stored).as("every row of the events table").isEqualTo(expected);
        assertThat(direct.count("SELECT COUNT(*) FROM events_dead_letter")).as("dead-lettered events").isZero();
    }

    /** Waits until {@link #metrics()} has settled: nothing queued, every accepted event processed or a duplicate. */
    public void awaitIdle() throws InterruptedException {
        Eventually.await(STORE_TIMEOUT, "the queue is empty", () -> metrics().path("queue").path("depth").asLong() == 0);
    }
}
