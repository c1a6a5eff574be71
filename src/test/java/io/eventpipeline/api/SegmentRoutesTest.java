package io.eventpipeline.api;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.HttpTestClient;
import io.eventpipeline.config.Config;
import io.eventpipeline.source.segment.SegmentParser;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Envelope;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.NoAcceptLog;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.RateLimiter;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Segment routes as an SDK meets them, over a real socket: the write key as Basic credentials, the statuses
 * their retry logic acts on, the spec's size limits. No worker drains the queue: what is accepted stays in it.
 */
@Timeout(60)
class SegmentRoutesTest {
    static final ApiKeys.NewKey WRITER = ApiKeys.generate("write", "shop-server");
    static final ApiKeys.NewKey READER = ApiKeys.generate("read", "dashboard");
    static final String TRACK = "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u-1\","
            + "\"messageId\":\"m-%d\",\"properties\":{\"revenue\":9.99}}";

    final Metrics metrics = new Metrics();
    EventQueue queue;
    ApiUnderTest api;

    void start(int queueCapacity, RateLimiter limiter) throws Exception {
        queue = new EventQueue(queueCapacity, 8 << 20);
        Ingest ingest = new LocalIngest(queue, new NoAcceptLog());
        ApiKeys keys = ApiKeys.load(null, WRITER.line() + "\n" + READER.line());
        api = ApiUnderTest.start(Config.builder().port(0).build(), ApiUnderTest.healthDatabase("segment-test", true),
                probe -> new HttpApi.Parts(ingest, queue, metrics, probe, null, "memory", keys, limiter));
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    }

    private HttpTestClient.Response post(String path, String authorization, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            r.header("Authorization", authorization);
        }
        return api.http().send(r);
    }

    private static String batchOf(int n) {
        StringBuilder b = new StringBuilder("{\"batch\":[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(TRACK.formatted(i));
        }
        return b.append("],\"sentAt\":\"2024-05-01T12:00:00.000Z\"}").toString();
    }

    private static byte[] gzip(String body) throws java.io.IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(body.getBytes(UTF_8));
        }
        return bytes.toByteArray();
    }

    private List<Envelope> queued() {
        List<Envelope> all = new ArrayList<>();
        queue.drainTo(all, Integer.MAX_VALUE);
        return all;
    }

    @Test
    void a_batch_of_refused_messages_only_costs_no_token_and_is_answered_like_any_other() throws Exception {
        start(1000, new RateLimiter(10, System::nanoTime));

        var r = post("/v1/batch", basic(WRITER.secret(), ""), "{\"batch\":[{},{\"type\":\"track\"}]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isZero();
        assertThat(r.json().get("dead_lettered").asInt()).isEqualTo(2);
        assertThat(queued()).hasSize(2).allSatisfy(e -> assertThat(e.event().refusal()).isNotNull());
    }

    @Test
    void the_write_key_is_the_user_name_of_basic_credentials_as_the_sdks_send_it() throws Exception {
        start(1000, null);

        var none = post("/v1/batch", null, batchOf(1));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.raw().headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"event-pipeline\"");
        assertThat(none.json().get("error").asText()).contains("user name of HTTP Basic");
        assertThat(post("/v1/batch", basic("not-a-key", ""), batchOf(1)).status()).isEqualTo(401);
        assertThat(post("/v1/batch", "Basic %%%", batchOf(1)).status()).isEqualTo(401);
        assertThat(post("/v1/batch", basic(READER.secret(), ""), batchOf(1)).status()).isEqualTo(403);

        var ok = post("/v1/batch", basic(WRITER.secret(), ""), batchOf(2));
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("success").asBoolean()).isTrue();
        assertThat(post("/v1/import", basic("", WRITER.secret()), batchOf(1)).status()).as("key as the password")
                .isEqualTo(200);
        assertThat(post("/v1/track", "Bearer " + WRITER.secret(), TRACK.formatted(9)).status()).isEqualTo(200);

        assertThat(queued()).extracting(e -> e.event().keyName()).containsOnly("shop-server").hasSize(4);
    }

    /** Segment's Java library sends its write key only in the body, as "writeKey": taken when no header is sent. */
    @Test
    void without_an_authorization_header_the_write_key_may_come_in_the_body() throws Exception {
        start(1000, null);
        String withKey = "{\"writeKey\":\"%s\"," + batchOf(1).substring(1);

        assertThat(post("/v1/import", null, withKey.formatted(WRITER.secret())).status()).isEqualTo(200);
        assertThat(post("/v1/track", null, "{\"writeKey\":\"" + WRITER.secret() + "\",\"event\":\"E\","
                + "\"userId\":\"u\"}").status()).isEqualTo(200);
        var unknown = post("/v1/batch", null, withKey.formatted("ep_not_a_key"));
        assertThat(unknown.status()).isEqualTo(401);
        assertThat(unknown.raw().headers().firstValue("WWW-Authenticate")).hasValue("Basic realm=\"event-pipeline\"");
        assertThat(post("/v1/batch", null, withKey.formatted(READER.secret())).status()).isEqualTo(403);
        assertThat(post("/v1/batch", null, batchOf(1)).json().get("error").asText()).contains("\"writeKey\" in the body");
        assertThat(post("/v1/batch", basic("not-a-key", ""), withKey.formatted(WRITER.secret())).status())
                .as("a header, when sent, is the key").isEqualTo(401);

        List<Envelope> queued = queued();
        assertThat(queued).extracting(e -> e.event().keyName()).containsExactly("shop-server", "shop-server");
        assertThat(queued).allSatisfy(e -> assertThat(new String(e.event().data(), UTF_8))
                .doesNotContain(WRITER.secret()));
    }

    /**
     * The SDKs resend nothing answered 400, so a message that breaks a rule does not fail its batch: the answer is
     * 200, the valid messages are queued, and the refused one is queued for the dead letter with its reason.
     */
    @Test
    void a_batch_with_a_bad_message_is_answered_200_and_the_bad_message_is_kept_for_the_dead_letter()
            throws Exception {
        start(1000, null);
        String body = "{\"batch\":[" + TRACK.formatted(1) + ",{\"type\":\"track\",\"userId\":\"u\","
                + "\"messageId\":\"bad-1\"}," + TRACK.formatted(2) + "]}";

        var r = post("/v1/batch", basic(WRITER.secret(), ""), body);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).isEqualTo(2);
        assertThat(r.json().get("dead_lettered").asInt()).isEqualTo(1);
        assertThat(r.json().at("/errors/0/index").asInt()).isEqualTo(1);
        assertThat(r.json().at("/errors/0/field").asText()).isEqualTo("event");
        List<Envelope> queued = queued();
        assertThat(queued).extracting(e -> e.event().id()).containsExactly("m-1", "bad-1", "m-2");
        assertThat(queued.get(1).event().refusal()).startsWith("event: is required");
        assertThat(metrics.accepted.sum()).as("taken, the bad one for the dead letter").isEqualTo(3);
        assertThat(metrics.rejected.sum()).isZero();
    }

    @Test
    void the_spec_size_limits_are_413_and_a_body_that_is_no_batch_is_400() throws Exception {
        start(100_000, null);
        String auth = basic(WRITER.secret(), "");
        String big = "{\"batch\":[" + ("{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"s\":\""
                + "x".repeat(30_000) + "\"}},").repeat(18) + TRACK.formatted(1) + "]}";
        assertThat(big.length()).isGreaterThan(SegmentParser.MAX_BATCH_BYTES);

        var tooBig = post("/v1/batch", auth, big);
        assertThat(tooBig.status()).isEqualTo(413);
        assertThat(tooBig.json().get("error").asText()).contains("the Segment spec's limit of 500 KB");
        var message = post("/v1/identify", auth, "{\"userId\":\"u\",\"traits\":{\"s\":\"" + "x".repeat(33_000)
                + "\"}}");
        assertThat(message.status()).isEqualTo(413);
        assertThat(message.json().get("error").asText()).contains("32 KB");

        assertThat(post("/v1/batch", auth, "{\"batch\":").json().get("error").asText()).contains("not valid JSON");
        var notBatch = post("/v1/batch", auth, "{\"events\":[]}");
        assertThat(notBatch.status()).isEqualTo(400);
        assertThat(notBatch.json().get("error").asText()).contains("\"batch\" is required");
        var badCall = post("/v1/page", auth, "{\"name\":\"Home\"}");
        assertThat(badCall.status()).isEqualTo(400);
        assertThat(badCall.json().get("field").asText()).isEqualTo("userId");
        assertThat(queued()).isEmpty();
    }

    @Test
    void a_gzip_body_is_read_as_the_sdks_may_send_it() throws Exception {
        start(1000, null);
        byte[] gzipped = gzip(batchOf(3));
        var r = api.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port()
                + "/v1/batch")).header("Content-Type", "application/json").header("Content-Encoding", "gzip")
                .header("Authorization", basic(WRITER.secret(), ""))
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped)));

        assertThat(r.status()).isEqualTo(200);
        assertThat(queued()).hasSize(3);
    }

    /**
     * RudderStack's Node SDK sends its gzipped JSON as application/x-www-form-urlencoded (what its HTTP client sets
     * for a byte buffer): the Segment routes read JSON whatever the type says, but not in another charset.
     */
    @Test
    void the_body_is_json_whatever_its_content_type_says_but_not_in_another_charset() throws Exception {
        start(1000, null);
        byte[] gzipped = gzip(batchOf(2));
        for (String type : new String[] {"application/x-www-form-urlencoded", "text/plain", null}) {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port()
                    + "/v1/batch")).header("Content-Encoding", "gzip")
                    .header("Authorization", basic(WRITER.secret(), ""))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped));
            if (type != null) {
                r.header("Content-Type", type);
            }
            assertThat(api.http().send(r).status()).as(String.valueOf(type)).isEqualTo(200);
        }
        var latin1 = api.http().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.app().port()
                + "/v1/track")).header("Content-Type", "text/plain; charset=ISO-8859-1")
                .header("Authorization", basic(WRITER.secret(), ""))
                .POST(HttpRequest.BodyPublishers.ofString(TRACK.formatted(1))));
        assertThat(latin1.status()).isEqualTo(415);
        assertThat(queued()).hasSize(6);
    }

    /** What the SDKs retry: a full queue is a 503 with Retry-After, a rate limit a 429 with Retry-After. */
    @Test
    void a_full_queue_and_a_rate_limit_are_answered_with_statuses_the_sdks_retry() throws Exception {
        start(4, new RateLimiter(5, () -> 0L));
        String auth = basic(WRITER.secret(), "");

        assertThat(post("/v1/batch", auth, batchOf(3)).status()).isEqualTo(200);
        var full = post("/v1/batch", auth, batchOf(2));
        assertThat(full.status()).isEqualTo(503);
        assertThat(full.raw().headers().firstValue("Retry-After")).hasValue("1");
        queued();
        var limited = post("/v1/batch", auth, batchOf(3));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.raw().headers().firstValue("Retry-After")).isPresent();
    }
}
