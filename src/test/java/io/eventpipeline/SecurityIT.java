package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.config.Config;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.security.ApiKeys;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys over the real HTTP API, on the embedded database: who may do what, and what is refused. */
class SecurityIT {
    static final ApiKeys.NewKey WRITER = ApiKeys.generate("write", "shop-web");
    static final ApiKeys.NewKey READER = ApiKeys.generate("read", "dashboard");
    static final String UNKNOWN = ApiKeys.generate("read+write", "never-configured").secret();

    @TempDir
    Path dir;

    Service service;
    HttpTestClient http;

    @AfterEach
    void stop() {
        if (service != null) {
            service.stop();
        }
    }

    Config.Builder config() throws Exception {
        Path keys = dir.resolve("keys");
        Files.writeString(keys, WRITER.line() + "\n" + READER.line() + "\n");
        return Config.builder().port(0).host("127.0.0.1").dataDir(dir.resolve("data")).apiKeysFile(keys);
    }

    void start(Config config) throws Exception {
        service = Main.build(config);
        service.start();
        http = new HttpTestClient(service.port());
    }

    HttpTestClient.Response send(String method, String path, String key) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        if (method.equals("POST")) {
            String body = path.endsWith("batch") ? "{\"events\":[" + HttpTestClient.event(null, "t", "{}") + "]}"
                    : HttpTestClient.event(null, "t", "{}");
            r.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.GET();
        }
        return http.send(r);
    }

    @Test
    void every_route_answers_each_kind_of_caller_as_documented() throws Exception {
        start(config().build());
        record Case(String method, String path, int none, int unknown, int writer, int reader) {
        }
        List<Case> cases = List.of(
                new Case("POST", "/events", 401, 401, 202, 403),
                new Case("POST", "/events/batch", 401, 401, 202, 403),
                new Case("GET", "/events", 401, 401, 403, 200),
                new Case("GET", "/events/no-such-id", 401, 401, 403, 404),
                new Case("GET", "/health", 200, 200, 200, 200),
                new Case("GET", "/health/live", 200, 200, 200, 200),
                new Case("GET", "/health/ready", 200, 200, 200, 200),
                new Case("GET", "/metrics", 200, 200, 200, 200));
        for (Case c : cases) {
            String what = c.method() + " " + c.path();
            assertThat(send(c.method(), c.path(), null).status()).as(what + " without a key").isEqualTo(c.none());
            assertThat(send(c.method(), c.path(), UNKNOWN).status()).as(what + " unknown key").isEqualTo(c.unknown());
            assertThat(send(c.method(), c.path(), WRITER.secret()).status()).as(what + " write key")
                    .isEqualTo(c.writer());
            assertThat(send(c.method(), c.path(), READER.secret()).status()).as(what + " read key")
                    .isEqualTo(c.reader());
        }
        var missing = send("POST", "/events", null);
        assertThat(missing.raw().headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v ->
                assertThat(v).startsWith("Bearer"));
        assertThat(missing.json().get("error").asText()).contains("API key");
        // An unknown key and a malformed one get the same answer: nothing tells whether a key exists.
        assertThat(send("GET", "/events", UNKNOWN).body()).isEqualTo(send("GET", "/events", "x").body());

        String prometheus = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port()
                + "/metrics")).header("Accept", "text/plain")).body();
        assertThat(prometheus).contains("route=\"/events\",status=\"401\"").contains("status=\"403\"");
    }

    @Test
    void events_are_stored_with_the_name_of_the_key_that_wrote_them() throws Exception {
        start(config().build());
        var posted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/events"))
                .header("Authorization", "Bearer " + WRITER.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(HttpTestClient.event("keyed-1", "t", "{}"))));
        assertThat(posted.status()).isEqualTo(202);
        Eventually.await(Duration.ofSeconds(30), "the event is stored", () -> service.metrics().processed.sum() == 1);

        var read = send("GET", "/events/keyed-1", READER.secret());
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("key_name").asText()).isEqualTo("shop-web");
    }

    @Test
    void metrics_can_be_put_behind_the_read_scope() throws Exception {
        start(config().metricsNeedKey(true).build());
        assertThat(send("GET", "/metrics", null).status()).isEqualTo(401);
        assertThat(send("GET", "/metrics", WRITER.secret()).status()).isEqualTo(403);
        assertThat(send("GET", "/metrics", READER.secret()).status()).isEqualTo(200);
        // The router ignores a trailing slash: so must the key check.
        assertThat(send("GET", "/metrics/", null).status()).isEqualTo(401);
        assertThat(send("GET", "/metrics/", READER.secret()).status()).isEqualTo(200);
        assertThat(send("GET", "/health", null).status()).isEqualTo(200);
    }

    @Test
    void the_rate_limit_holds_for_one_key_under_sixteen_concurrent_clients() throws Exception {
        int rate = 50;
        start(config().rateLimit(rate).build());
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger limited = new AtomicInteger();
        long t0 = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Object>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                futures.add(pool.submit((Callable<Object>) () -> {
                    for (int i = 0; i < 20; i++) {
                        var r = send("POST", "/events", WRITER.secret());
                        if (r.status() == 202) {
                            admitted.incrementAndGet();
                        } else {
                            assertThat(r.status()).isEqualTo(429);
                            assertThat(r.raw().headers().firstValue("Retry-After")).isPresent();
                            limited.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<Object> f : futures) {
                f.get();
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // One full bucket at the start, then the rate: never more, give or take one bucket.
        assertThat(admitted.get()).as("admitted in %.2f s", seconds)
                .isLessThanOrEqualTo((int) Math.ceil(rate + rate * seconds) + rate);
        assertThat(admitted.get()).isGreaterThanOrEqualTo(rate);
        assertThat(limited.get()).isPositive();
        var metrics = http.get("/metrics").json();
        assertThat(metrics.get("rate_limited").asLong()).as("429s, one event each").isEqualTo(limited.get());
        assertThat(metrics.get("throttled").asLong()).as("503s only").isZero();
    }

    @Test
    void a_batch_larger_than_one_second_of_the_rate_limit_is_a_413_and_locks_nobody_out() throws Exception {
        start(config().rateLimit(5).build());
        var tooLarge = postBatch(50);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.json().get("error").asText()).contains("--rate-limit 5").contains("at most 5 events");
        assertThat(postBatch(5).status()).as("the whole bucket is still there").isEqualTo(202);
    }

    HttpTestClient.Response postBatch(int events) throws Exception {
        List<String> batch = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            batch.add(HttpTestClient.event(null, "t", "{}"));
        }
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + "/events/batch"))
                .header("Authorization", "Bearer " + WRITER.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[" + String.join(",", batch) + "]}")));
    }

    @Test
    void without_keys_it_refuses_to_listen_beyond_loopback_unless_told_to() throws Exception {
        Config open = Config.builder().port(0).host("0.0.0.0").dataDir(dir.resolve("open")).build();
        assertThatThrownBy(() -> Main.build(open).start()).isInstanceOf(StartupException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without API keys")
                .hasMessageContaining("--insecure-no-auth");

        start(open.toBuilder().insecureNoAuth(true).build());
        assertThat(send("POST", "/events", null).status()).isEqualTo(202);
    }

    @Test
    void without_keys_and_without_a_host_it_listens_on_loopback_and_needs_no_key() throws Exception {
        start(Config.builder().port(0).dataDir(dir.resolve("loopback")).build());
        assertThat(send("POST", "/events", null).status()).isEqualTo(202);
        assertThat(send("GET", "/events", null).status()).isEqualTo(200);
    }
}
