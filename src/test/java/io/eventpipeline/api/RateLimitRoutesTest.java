package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.config.Config;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.metrics.PrometheusText;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-key rate limit as a client meets it, over a real socket, with the limiter's clock in the test's hand
 * (no worker drains the queue: what is accepted stays in it).
 */
@Timeout(60)
class RateLimitRoutesTest {
    static final ApiKeys.NewKey WRITER = ApiKeys.generate("write", "shop-web");
    static final ApiKeys.NewKey OTHER = ApiKeys.generate("write", "batch-job");
    static final long SECOND = 1_000_000_000L;

    final AtomicLong clock = new AtomicLong(42 * SECOND);
    final Metrics metrics = new Metrics();
    EventQueue queue;
    ApiUnderTest api;
    HttpTestClient http;

    void start(double rate, int queueCapacity) throws Exception {
        queue = new EventQueue(queueCapacity, 1 << 20);
        Ingest ingest = new LocalIngest(queue, new NoAcceptLog());
        ApiKeys keys = ApiKeys.load(null, WRITER.line() + "\n" + OTHER.line());
        api = ApiUnderTest.start(Config.builder().port(0).build(), ApiUnderTest.healthDatabase("rate-limit-test", true),
                probe -> new HttpApi.Parts(ingest, queue, metrics, probe, null, "memory", keys,
                        new RateLimiter(rate, clock::get)));
        http = api.http();
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void a_batch_the_bucket_cannot_hold_now_is_refused_whole_with_429_and_the_seconds_until_it_can() throws Exception {
        start(5, 1000);
        assertThat(batch(WRITER, 3, 0).status()).isEqualTo(202);

        var refused = batch(WRITER, 3, 0); // 2 tokens left, 1 more in 0.2 s
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.raw().headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused.json().get("reason").asText()).isEqualTo("rate_limited");
        assertThat(refused.json().get("error").asText()).contains("--rate-limit 5");

        assertThat(batch(WRITER, 2, 0).status()).as("the refused batch took nothing").isEqualTo(202);
        assertThat(single(WRITER).status()).isEqualTo(429);
        assertThat(batch(OTHER, 5, 0).status()).as("another key, another bucket").isEqualTo(202);
        clock.addAndGet(SECOND);
        assertThat(batch(WRITER, 5, 0).status()).as("a second refills the five").isEqualTo(202);

        assertThat(metrics.accepted.sum()).isEqualTo(15);
        assertCounters(4, 0);
    }

    @Test
    void retry_after_is_the_ceiling_of_the_seconds_until_the_bucket_holds_the_events() throws Exception {
        start(0.5, 1000); // one event every two seconds
        assertThat(single(WRITER).status()).isEqualTo(202);
        clock.addAndGet(SECOND / 2); // a quarter of a token back: 1.5 s to go
        var refused = single(WRITER);
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.raw().headers().firstValue("Retry-After")).hasValue("2");
        clock.addAndGet(3 * SECOND / 2 - 1);
        assertThat(single(WRITER).raw().headers().firstValue("Retry-After")).as("a nanosecond short").hasValue("1");
        clock.addAndGet(1);
        assertThat(single(WRITER).status()).isEqualTo(202);

        var pair = batch(WRITER, 2, 0); // more than half a rate's second: the bucket holds one whole event
        assertThat(pair.status()).isEqualTo(413);
        assertThat(pair.json().get("error").asText()).contains("--rate-limit 0.5").endsWith("at most 1 event");
    }

    @Test
    void a_batch_larger_than_the_whole_bucket_is_a_413_that_names_the_rate_limit_and_costs_nothing()
            throws Exception {
        start(5, 1000);
        var tooLarge = batch(WRITER, 50, 0);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.raw().headers().firstValue("Retry-After")).isEmpty();
        assertThat(tooLarge.json().get("error").asText()).contains("50 valid events").contains("--rate-limit 5")
                .contains("at most 5 events");
        assertThat(tooLarge.json().get("max_events").asInt()).isEqualTo(5);

        // Only valid events are charged: five of them in seven entries fill the bucket exactly, at once.
        var mixed = batch(WRITER, 5, 2);
        assertThat(mixed.status()).as("no lock-out after the 413").isEqualTo(202);
        assertThat(mixed.json().get("accepted").asInt()).isEqualTo(5);
        assertThat(single(WRITER).status()).as("and the five used it up").isEqualTo(429);

        assertThat(metrics.rejected.sum()).as("the 50 must be split; the 2 are invalid").isEqualTo(52);
        assertCounters(1, 0);
    }

    @Test
    void events_refused_by_a_full_queue_give_their_tokens_back() throws Exception {
        start(10, 7);
        assertThat(batch(WRITER, 3, 0).status()).isEqualTo(202); // 7 tokens left, room for 4 in the queue
        var full = batch(WRITER, 5, 0);
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.json().get("reason").asText()).isEqualTo("queue_full");

        queue.drainTo(new ArrayList<Envelope>(), 3); // a worker takes the batch
        assertThat(batch(WRITER, 7, 0).status()).as("the 5 refused events cost nothing").isEqualTo(202);
        assertThat(single(WRITER).status()).isEqualTo(429);
        assertCounters(1, 5);
    }

    /** The same two counters, apart, in JSON and in the Prometheus text, with their HELP. */
    private void assertCounters(long rateLimited, long throttled) throws Exception {
        JsonNode json = http.get("/metrics").json();
        assertThat(json.get("rate_limited").asLong()).isEqualTo(rateLimited);
        assertThat(json.get("throttled").asLong()).isEqualTo(throttled);
        var scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port() + "/metrics"))
                .header("Accept", "text/plain").GET());
        PrometheusText text = PrometheusText.parse(scrape.body());
        text.assertWellFormed();
        assertThat(text.types).containsEntry("pipeline_events_rate_limited_total", "counter");
        assertThat(text.helps.get("pipeline_events_rate_limited_total")).contains("429").contains("--rate-limit");
        assertThat(text.value("pipeline_events_rate_limited_total")).isEqualTo(rateLimited);
        assertThat(text.value("pipeline_events_throttled_total")).isEqualTo(throttled);
    }

    private HttpTestClient.Response single(ApiKeys.NewKey key) throws Exception {
        return post(key, "/events", HttpTestClient.event(null, "t", "{}"));
    }

    /** A batch of {@code valid} events, then {@code invalid} entries without a type. */
    private HttpTestClient.Response batch(ApiKeys.NewKey key, int valid, int invalid) throws Exception {
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < valid; i++) {
            entries.add(HttpTestClient.event(null, "t", "{}"));
        }
        for (int i = 0; i < invalid; i++) {
            entries.add("{\"source\":\"test\"}");
        }
        return post(key, "/events/batch", "{\"events\":[" + String.join(",", entries) + "]}");
    }

    private HttpTestClient.Response post(ApiKeys.NewKey key, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port() + path))
                .header("Authorization", "Bearer " + key.secret()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
