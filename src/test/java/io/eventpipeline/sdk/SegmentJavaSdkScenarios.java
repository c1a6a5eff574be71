package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.Log;
import com.segment.analytics.messages.AliasMessage;
import com.segment.analytics.messages.GroupMessage;
import com.segment.analytics.messages.IdentifyMessage;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.MessageBuilder;
import com.segment.analytics.messages.PageMessage;
import com.segment.analytics.messages.ScreenMessage;
import com.segment.analytics.messages.TrackMessage;
import io.eventpipeline.Eventually;
import io.eventpipeline.TcpProxy;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

/**
 * Segment's Java library ({@code com.segment.analytics.java:analytics}, the version in the pom) sending every kind of
 * message to the service's Segment routes, and each message stored exactly once and read back through the query
 * API; also across an outage window in which the service answers 503, and when the answer to a stored batch is lost
 * and the library sends it again. The library's own {@link Callback} says what it thinks happened: every message
 * must succeed, none fail.
 *
 * <p>Timing: the library (3.5.1) retries a 5xx after a fixed backoff of 15 s to 30 s for the first retry (its
 * {@code Backo} with base 15 s, factor 2, jitter 1, not configurable), so the outage test takes that long.
 */
abstract class SegmentJavaSdkScenarios {
    /**
     * The library's {@code retries(n)} as the README recommends: its backoff between attempts is never shorter than
     * 15 s and doubles on average (capped at 1 h), so 20 retries ride out an outage of at least 5 minutes.
     */
    static final int RETRIES = 20;
    /** The service's rule for an id it keeps as sent (SEGMENT.md); any other messageId is hashed. */
    private static final Pattern ID_RULE = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Duration DELIVERY = Duration.ofSeconds(30);
    /** The library's own connect, read and write timeouts (its Platform.defaultClient). */
    private static final Duration LIBRARY_TIMEOUT = Duration.ofSeconds(15);
    /** The first retry comes after 15 s to 30 s; a second one, should it be needed, within another 15 s to 60 s. */
    private static final Duration DELIVERY_AFTER_OUTAGE = Duration.ofSeconds(120);

    abstract SdkTestService service();

    /** The library's callbacks, by messageId, and its log (echoed to stderr for a failing test's report). */
    static final class Outcomes implements Callback, Log {
        final Map<String, Message> succeeded = new ConcurrentHashMap<>();
        final List<String> failed = new CopyOnWriteArrayList<>();
        /** System.nanoTime() of the last success callback. */
        volatile long lastSuccessNanos;

        @Override
        public void success(Message message) {
            succeeded.put(message.messageId(), message);
            lastSuccessNanos = System.nanoTime();
        }

        @Override
        public void failure(Message message, Throwable error) {
            failed.add(message.messageId() + " (" + message.type() + "): " + error);
        }

        /** The library's log lines above VERBOSE. */
        final List<String> log = new CopyOnWriteArrayList<>();

        @Override
        public void print(Level level, String format, Object... args) {
            if (level != Level.VERBOSE) {
                String line = level + ": " + String.format(format, args);
                log.add(line);
                System.err.println("analytics-java " + line);
            }
        }

        @Override
        public void print(Level level, Throwable error, String format, Object... args) {
            print(level, format + " (" + error + ")", args);
        }

        /** Waits until every message has had its callback, either way; then none may have failed. */
        void awaitAllSucceeded(int n, Duration timeout) throws InterruptedException {
            Eventually.await(timeout, "the library reports all " + n + " messages done",
                    () -> succeeded.size() + failed.size(), done -> done >= n);
            assertThat(failed).as("messages the library gave up on").isEmpty();
            assertThat(succeeded).as("messages the library reports sent").hasSize(n);
        }
    }

    /**
     * The library as shipped with the README's settings, sending to the service. From 3.4.0 to 3.5.4 it sends its
     * write key only as the batch body's {@code "writeKey"} (the library's PR #408, issue #418), with no
     * Authorization header, to {@code /v1/import/} with a trailing slash.
     */
    Analytics analytics(String writeKey, Outcomes outcomes) {
        return builder(writeKey, outcomes, service().url()).build();
    }

    /** The same sending to {@code endpoint} (scheme, host and port: the library adds {@code /v1/import/}). */
    Analytics.Builder builder(String writeKey, Outcomes outcomes, String endpoint) {
        return Analytics.builder(writeKey)
                .endpoint(endpoint)
                .retries(RETRIES)
                // A batch never larger than the service's --max-batch-events in these tests.
                .flushQueueSize(SdkTestService.QUEUE_CAPACITY)
                .callback(outcomes)
                .log(outcomes);
    }

    /**
     * An HTTP client with the library's timeouts but {@code readTimeout}, and, when {@code basicAuthKey} is not
     * null, {@code Authorization: Basic base64(key + ":")} on every request, as the library sends from 3.5.5 on.
     */
    static OkHttpClient client(Duration readTimeout, String basicAuthKey) {
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .connectTimeout(LIBRARY_TIMEOUT)
                .readTimeout(readTimeout)
                .writeTimeout(LIBRARY_TIMEOUT);
        if (basicAuthKey != null) {
            String credentials = Credentials.basic(basicAuthKey, "");
            b.addInterceptor(chain -> chain.proceed(chain.request().newBuilder()
                    .header("Authorization", credentials).build()));
        }
        return b.build();
    }

    /**
     * One message of each type, with the names that test the mapping: a track event name with a space and one that
     * starts with $, a page and a screen name, a message with only an anonymousId, one with its own context, and one
     * whose messageId breaks the service's id rule (a space and a slash).
     */
    static List<MessageBuilder<?, ?>> everyType(String tag) {
        String user = "user-" + tag;
        return List.of(
                TrackMessage.builder("Order Completed").userId(user)
                        .properties(Map.of("revenue", 42.5, "currency", "EUR", "tag", tag)),
                TrackMessage.builder("$signup").anonymousId("anon-" + tag).properties(Map.of("plan", "free")),
                TrackMessage.builder("Order Completed").userId(user).messageId("order 42 / " + tag)
                        .properties(Map.of("revenue", 1)),
                IdentifyMessage.builder().userId(user).traits(Map.of("email", tag + "@example.com"))
                        .context(Map.of("locale", "de-DE")),
                PageMessage.builder("Home").anonymousId("anon-" + tag).properties(Map.of("path", "/")),
                ScreenMessage.builder("Settings").userId(user),
                GroupMessage.builder("group-" + tag).userId(user).traits(Map.of("plan", "team")),
                AliasMessage.builder("anon-" + tag).userId(user));
    }

    /** Enqueues the messages and asks the library to send them now (one batch: fewer than its flushQueueSize). */
    static void send(Analytics analytics, List<MessageBuilder<?, ?>> messages) {
        for (MessageBuilder<?, ?> m : messages) {
            analytics.enqueue(m);
        }
        analytics.flush();
    }

    /** Our id of a messageId: itself when it fits the id rule, else "sha256:" + unpadded base64url of its hash. */
    static String storedId(String messageId) throws Exception {
        if (ID_RULE.matcher(messageId).matches()) {
            return messageId;
        }
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(messageId.getBytes(StandardCharsets.UTF_8));
        return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    }

    /** What the service stores a message as: its source and type. */
    static String source(Message m) {
        return "segment." + m.type().name();
    }

    static String type(Message m) {
        return m instanceof TrackMessage t ? t.event() : m.type().name();
    }

    /**
     * Every message the library reported sent is one row under its id, and reads back with the mapping of
     * SEGMENT.md: source, type, user_id (userId, else anonymousId), timestamp as sent, data = the message plus the
     * batch's sentAt and context, and never the write key the library puts in the batch.
     */
    void assertStoredAsSent(Outcomes outcomes) throws Exception {
        SdkTestService s = service();
        List<String> ids = new ArrayList<>();
        for (Message m : outcomes.succeeded.values()) {
            ids.add(storedId(m.messageId()));
        }
        s.assertStoredOnce(ids);

        for (Message m : outcomes.succeeded.values()) {
            String id = storedId(m.messageId());
            JsonNode e = s.event(id);
            assertThat(e).as("GET /events/%s", id).isNotNull();
            assertThat(e.get("source").asText()).as("source of %s", id).isEqualTo(source(m));
            assertThat(e.get("type").asText()).as("type of %s", id).isEqualTo(type(m));
            assertThat(e.get("user_id").asText()).as("user_id of %s", id)
                    .isEqualTo(m.userId() != null ? m.userId() : m.anonymousId());
            assertThat(Instant.parse(e.get("timestamp").asText())).as("timestamp of %s", id)
                    .isEqualTo(m.timestamp().toInstant());
            JsonNode data = e.get("data");
            assertThat(data.path("messageId").asText()).as("data.messageId of %s", id).isEqualTo(m.messageId());
            assertThat(data.path("type").asText()).as("data.type of %s", id).isEqualTo(m.type().name());
            assertThat(data.path("sentAt").isTextual()).as("data.sentAt (the batch's) of %s: %s", id, data).isTrue();
            assertThat(data.has("writeKey")).as("the write key in data of %s: %s", id, data).isFalse();
            assertThat(data.toString()).as("data of %s", id).doesNotContain(s.writeKey());
            // The batch's context (the library's name and instanceId) merged into the message's own.
            assertThat(data.path("context").path("library").path("name").asText())
                    .as("data.context.library (the batch's) of %s: %s", id, data).isEqualTo("analytics-java");
            if (m.context() != null) {
                assertThat(data.path("context").path("locale").asText()).as("data.context of %s", id)
                        .isEqualTo("de-DE");
            }
        }

        // The query API finds each by source and type, every page walked.
        Map<String, Set<String>> bySourceAndType = new java.util.TreeMap<>();
        for (Message m : outcomes.succeeded.values()) {
            bySourceAndType.computeIfAbsent(source(m) + "\n" + type(m), k -> new TreeSet<>())
                    .add(storedId(m.messageId()));
        }
        for (Map.Entry<String, Set<String>> expected : bySourceAndType.entrySet()) {
            String[] st = expected.getKey().split("\n", 2);
            assertThat(s.events(st[0], st[1])).extracting(e -> e.get("id").asText()).as("GET /events?source=%s&type=%s",
                    st[0], st[1]).containsExactlyInAnyOrderElementsOf(expected.getValue());
        }
    }

    /** Requests the service answered {@code status} on any Segment route. */
    long answeredOnSegmentRoutes(int status) throws Exception {
        long n = 0;
        for (Map.Entry<String, Map<String, Long>> route : service().answers().entrySet()) {
            if (route.getKey().startsWith("POST /v1/")) {
                n += route.getValue().getOrDefault(Integer.toString(status), 0L);
            }
        }
        return n;
    }

    @Test
    void every_message_type_sent_by_the_library_is_stored_once_and_reads_back() throws Exception {
        Outcomes outcomes = new Outcomes();
        Analytics analytics = analytics(service().writeKey(), outcomes);
        try {
            List<MessageBuilder<?, ?>> messages = everyType("a");
            send(analytics, messages);
            outcomes.awaitAllSucceeded(messages.size(), DELIVERY);
        } finally {
            analytics.shutdown();
        }
        assertStoredAsSent(outcomes);
        assertThat(service().metrics().path("duplicates").asLong()).as("duplicates").isZero();
    }

    @Test
    void messages_sent_while_the_service_answers_503_are_retried_by_the_library_and_stored_once() throws Exception {
        SdkTestService s = service();
        Outcomes outcomes = new Outcomes();
        Analytics analytics = analytics(s.writeKey(), outcomes);
        try {
            // The library connects once first, so that the window below is about the database, not the first
            // connection.
            List<MessageBuilder<?, ?>> before = everyType("before");
            send(analytics, before);
            outcomes.awaitAllSucceeded(before.size(), DELIVERY);
            // Stored before the cut: a 200 means journaled, and a cut during the commit of these would make the
            // service store them again (counted as duplicates, still one row each), which is not what this tests.
            List<String> beforeIds = new ArrayList<>();
            for (Message m : outcomes.succeeded.values()) {
                beforeIds.add(storedId(m.messageId()));
            }
            s.database().awaitStored(Set.copyOf(beforeIds), DELIVERY);

            s.openOutageWindow();
            List<MessageBuilder<?, ?>> during = new ArrayList<>(everyType("during"));
            for (int i = 0; i < 10; i++) {
                during.add(TrackMessage.builder("Checkout Step").userId("user-during")
                        .properties(Map.of("step", i)));
            }
            send(analytics, during);
            Eventually.await(DELIVERY, "the service answers the library 503 at least once",
                    () -> answeredOnSegmentRoutes(503) >= 1);
            long refusedAt = System.nanoTime();
            assertThat(outcomes.succeeded).as("messages reported sent while the window is open")
                    .hasSize(before.size());
            long refused = answeredOnSegmentRoutes(503);
            s.closeOutageWindow();

            outcomes.awaitAllSucceeded(before.size() + during.size(), DELIVERY_AFTER_OUTAGE);
            System.out.printf("outage window (%s): the library was answered 503 %d time(s) before the window closed; "
                    + "its messages were reported sent %.1f s after the first 503 was seen; answers %s%n",
                    getClass().getSimpleName(), refused, (outcomes.lastSuccessNanos - refusedAt) / 1e9, s.answers());
        } finally {
            analytics.shutdown();
        }
        assertStoredAsSent(outcomes);
        assertThat(s.metrics().path("duplicates").asLong()).as("duplicates: a 503 left no trace to resend").isZero();
    }

    @Test
    void a_wrong_write_key_in_the_body_or_as_basic_credentials_is_refused_and_the_library_gives_up_at_once()
            throws Exception {
        String wrong = "not-a-configured-key";
        List<MessageBuilder<?, ?>> messages = everyType("wrong-key");
        for (boolean basic : new boolean[] {false, true}) {
            Outcomes outcomes = new Outcomes();
            Analytics.Builder builder = builder(wrong, outcomes, service().url());
            Analytics analytics = (basic ? builder.client(client(LIBRARY_TIMEOUT, wrong)) : builder).build();
            try {
                send(analytics, messages);
                Eventually.await(DELIVERY, "the library reports every message failed",
                        () -> outcomes.failed.size() == messages.size());
            } finally {
                analytics.shutdown();
            }
            assertThat(outcomes.succeeded).isEmpty();
            assertThat(outcomes.failed).allMatch(f -> f.contains("not valid"), "failed with the 401's error");
        }
        assertThat(answeredOnSegmentRoutes(401)).as("401 answers on the Segment routes: %s", service().answers())
                .isEqualTo(2);
        assertThat(service().database().countEvents()).isZero();
    }

    /**
     * The one way the library sends a message twice: a batch the service took (answered 200) whose answer never
     * came back, here swallowed by a proxy until the library's read timeout (2 s) gives up on it and retries. The
     * second copy is stored once: the messageId is the event's id.
     */
    @Test
    void a_batch_whose_200_is_lost_is_sent_again_by_the_library_and_stored_once() throws Exception {
        SdkTestService s = service();
        Outcomes outcomes = new Outcomes();
        List<MessageBuilder<?, ?>> messages = everyType("lost-answer");
        try (TcpProxy front = new TcpProxy("127.0.0.1", s.port())) {
            Analytics analytics = builder(s.writeKey(), outcomes, "http://127.0.0.1:" + front.port())
                    .client(client(Duration.ofSeconds(2), null)).build();
            try {
                front.swallowReplies(true);
                send(analytics, messages);
                Eventually.await(DELIVERY, "the service answers the batch 200", () -> answeredOnSegmentRoutes(200) == 1);
                Eventually.await(DELIVERY, "the library times out on the batch and will retry it",
                        () -> outcomes.log.stream().anyMatch(l -> l.contains("Retrying")));
                assertThat(outcomes.succeeded).as("messages reported sent without an answer").isEmpty();
                front.swallowReplies(false);
                outcomes.awaitAllSucceeded(messages.size(), DELIVERY_AFTER_OUTAGE);
            } finally {
                analytics.shutdown();
            }
        }
        assertStoredAsSent(outcomes);
        assertThat(answeredOnSegmentRoutes(200)).as("the batch, answered twice").isEqualTo(2);
        Eventually.await(DELIVERY, "the second copy of every message is counted as a duplicate",
                () -> s.metrics().path("duplicates").asLong(), n -> n >= messages.size());
        assertThat(s.metrics().path("duplicates").asLong()).as("duplicates").isEqualTo(messages.size());
    }

    @Test
    void the_write_key_as_http_basic_credentials_as_later_versions_send_it_is_accepted_too() throws Exception {
        Outcomes outcomes = new Outcomes();
        String key = service().writeKey();
        Analytics analytics = builder(key, outcomes, service().url()).client(client(LIBRARY_TIMEOUT, key)).build();
        try {
            List<MessageBuilder<?, ?>> messages = everyType("basic");
            send(analytics, messages);
            outcomes.awaitAllSucceeded(messages.size(), DELIVERY);
        } finally {
            analytics.shutdown();
        }
        assertStoredAsSent(outcomes);
    }
}
