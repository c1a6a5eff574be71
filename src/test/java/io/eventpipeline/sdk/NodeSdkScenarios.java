package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Node SDK against the service's Segment routes ({@code POST /v1/batch}), through {@link NodeSdk}: every
 * message type stored once and read back through the query API; messages sent while the service answers 503 stored
 * once after the outage; a messageId sent again stored once; and (on H2 only,
 * {@link #assertABatchGivenUpIsReportedAndNotStored}) a batch the SDK gives up on reported by the SDK. One subclass per
 * SDK and database ({@link SdkTestService}): SegmentNodeSdkH2IT, SegmentNodeSdkMariaDbIT, RudderNodeSdkH2IT,
 * RudderNodeSdkMariaDbIT.
 */
@NeedsNode
abstract class NodeSdkScenarios {
    /** How long an SDK run may take to report on every message (the outage test's window is a few seconds). */
    static final Duration DEADLINE = Duration.ofSeconds(90);
    /**
     * The outage the SDKs must outlast with the recommended settings: the window stays open this long, and until the
     * SDK has been answered 503 {@link #REFUSALS_IN_WINDOW} times (it retried across an outage, not one blip).
     */
    static final Duration OUTAGE = Duration.ofSeconds(5);
    static final int REFUSALS_IN_WINDOW = 3;

    @BeforeAll
    static void node() throws Exception {
        NodeSdk.require("the Node SDK tests");
    }

    private final NodeSdk.Sdk sdk;
    private final Map<String, Object> recommended;

    /**
     * @param sdk         the SDK under test
     * @param recommended the SDK's options this project recommends (README), the ones every test here runs with
     */
    NodeSdkScenarios(NodeSdk.Sdk sdk, Map<String, Object> recommended) {
        this.sdk = sdk;
        this.recommended = recommended;
    }

    abstract SdkTestService service();

    /** One message of each type, the first track named with a space, the second with a leading $. */
    static List<Map<String, ?>> everyType(String user) {
        return List.of(
                Map.of("type", "track", "userId", user, "event", "Order Completed",
                        "properties", Map.of("order_id", "o-1", "revenue", 12.5)),
                Map.of("type", "track", "anonymousId", "anon-" + user, "event", "$pageview",
                        "properties", Map.of("path", "/pricing")),
                Map.of("type", "identify", "userId", user, "traits", Map.of("email", user + "@example.com")),
                Map.of("type", "page", "userId", user, "category", "Docs", "name", "Pricing",
                        "properties", Map.of("url", "https://example.com/pricing")),
                Map.of("type", "screen", "userId", user, "name", "Home"),
                Map.of("type", "group", "userId", user, "groupId", "g-" + user, "traits", Map.of("name", "Acme")),
                Map.of("type", "alias", "userId", user, "previousId", "anon-" + user));
    }

    /** The event type the service gives each message of {@link #everyType}, in order. */
    static final List<String> EVERY_TYPE_EVENT_TYPES = List.of("Order Completed", "$pageview", "identify", "page",
            "screen", "group", "alias");

    NodeSdk.Input input(Map<String, ?> settings, List<Map<String, ?>> messages) {
        return new NodeSdk.Input(sdk, service().url(), service().writeKey(), settings, messages, DEADLINE);
    }

    @Test
    void every_message_type_is_stored_once_and_read_back_through_the_query_api() throws Exception {
        SdkTestService s = service();
        List<Map<String, ?>> messages = everyType("u-1");

        NodeSdk.Result result = NodeSdk.run(input(recommended, messages));

        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).containsOnly(200);
        assertThat(result.reported()).as(result.summary()).isEmpty();
        if (sdk == NodeSdk.Sdk.SEGMENT_V2) {
            assertThat(result.requests()).as("Segment's 2.x sends the write key in the body only")
                    .allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("authorization"));
        } else {
            String basic = "Basic " + Base64.getEncoder().encodeToString((s.writeKey() + ":")
                    .getBytes(StandardCharsets.UTF_8));
            assertThat(result.requests()).as("the SDK authenticates with HTTP Basic, the write key as the user name")
                    .allSatisfy(r -> assertThat(r.headers().get("authorization")).isEqualTo(basic));
        }
        List<String> ids = result.messages().stream().map(NodeSdk.Message::messageId).toList();
        assertThat(ids).doesNotContainNull().doesNotHaveDuplicates();
        s.assertStoredOnce(ids);

        for (int i = 0; i < messages.size(); i++) {
            Map<String, ?> sent = messages.get(i);
            String id = ids.get(i);
            JsonNode event = s.event(id);
            assertThat(event).as("GET /events/%s", id).isNotNull();
            assertThat(event.path("id").asText()).isEqualTo(id);
            assertThat(event.path("type").asText()).isEqualTo(EVERY_TYPE_EVENT_TYPES.get(i));
            assertThat(event.path("source").asText()).isEqualTo("segment." + sent.get("type"));
            Object user = sent.containsKey("userId") ? sent.get("userId") : sent.get("anonymousId");
            assertThat(event.path("user_id").asText()).as("user_id of %s", id).isEqualTo(user);
            JsonNode data = event.path("data");
            assertThat(data.path("messageId").asText()).isEqualTo(id);
            assertThat(data.path("type").asText()).isEqualTo(sent.get("type"));
            assertThat(data.path("context").path("driverSeq").asInt(-1)).isEqualTo(i);
            // The SDK's own time of the call: Segment's timestamp, RudderStack's originalTimestamp.
            String sdkTime = data.hasNonNull("timestamp") ? data.get("timestamp").asText()
                    : data.path("originalTimestamp").asText();
            assertThat(Instant.parse(event.path("timestamp").asText())).as("timestamp of %s", id)
                    .isEqualTo(Instant.parse(sdkTime));
            assertThat(data.hasNonNull("sentAt")).as("data.sentAt of %s (the batch's, where the message lacks one)",
                    id).isTrue();
            // Segment's SDK also puts the write key in the batch body: it must not be stored with the events.
            assertThat(event.toString()).as("event %s as read back", id).doesNotContain(s.writeKey());
        }
        assertThat(s.events("segment.track", "Order Completed")).extracting(e -> e.path("id").asText())
                .containsExactly(ids.get(0));
        assertThat(s.events("segment.track", "$pageview")).extracting(e -> e.path("id").asText())
                .containsExactly(ids.get(1));
        for (String type : List.of("identify", "page", "screen", "group", "alias")) {
            assertThat(s.events("segment." + type, null)).as("events of source segment.%s", type).hasSize(1);
        }
    }

    @Test
    void messages_sent_while_the_service_answers_503_are_stored_once_after_the_outage() throws Exception {
        SdkTestService s = service();
        List<Map<String, ?>> messages = new ArrayList<>(everyType("u-2"));
        for (int i = 0; i < 23; i++) {
            messages.add(Map.of("type", "track", "userId", "u-2", "event", "Item Viewed", "properties",
                    Map.of("n", i)));
        }
        s.openOutageWindow();
        long outageEnds = System.nanoTime() + OUTAGE.toNanos();
        long refusedBefore = s.answered("POST /v1/batch", 503);

        NodeSdk.Run run = NodeSdk.start(input(recommended, messages));
        Eventually.await(DEADLINE, "the SDK has been answered 503 " + REFUSALS_IN_WINDOW + " times", () -> {
            if (!run.running()) {
                throw new AssertionError("the SDK finished inside the window: " + run.await().summary());
            }
            return s.answered("POST /v1/batch", 503) - refusedBefore >= REFUSALS_IN_WINDOW;
        });
        // The outage's length is the scenario (an outage of several seconds), not a wait for something to happen.
        Thread.sleep(Duration.ofNanos(Math.max(0, outageEnds - System.nanoTime())));
        s.closeOutageWindow();
        NodeSdk.Result result = run.await();

        System.out.printf("%s: %d messages through a 503 window: %s%n", getClass().getSimpleName(), messages.size(),
                result.summary().lines().findFirst().orElse(""));
        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).contains(503).endsWith(200);
        assertThat(result.reported()).as(result.summary()).isEmpty();
        List<String> ids = result.deliveredIds();
        assertThat(ids).hasSize(messages.size()).doesNotContainNull().doesNotHaveDuplicates();
        s.assertStoredOnce(ids);
        assertThat(s.events("segment.track", "Item Viewed")).hasSize(23);
        assertThat(s.events("segment.track", "Order Completed")).hasSize(1);
    }

    /**
     * A batch the SDK gives up on (its retries spent while the window stays open) is reported by the SDK, per message
     * and through its error channel, and nothing of it is stored. The SDK's behaviour, not the database's: the H2
     * classes run it.
     *
     * @param giveUpSoon options under which the SDK gives up after a retry or so
     */
    void assertABatchGivenUpIsReportedAndNotStored(Map<String, Object> giveUpSoon) throws Exception {
        SdkTestService s = service();
        List<Map<String, ?>> messages = everyType("u-3");
        s.openOutageWindow();

        NodeSdk.Result result = NodeSdk.run(input(giveUpSoon, messages));
        s.closeOutageWindow();

        assertThat(result.messages()).as(result.summary()).allSatisfy(m -> assertThat(m.error()).contains("503"));
        assertThat(result.statuses()).as(result.summary()).containsOnly(503);
        assertThat(result.reported()).as(result.summary()).isNotEmpty();
        s.assertStoredOnce(List.of()); // the filler events only
        assertThat(s.answered("POST /v1/batch", 200)).isZero();
    }

    @Test
    void a_message_sent_again_with_the_same_message_id_is_stored_once() throws Exception {
        SdkTestService s = service();
        String fits = "order-42-completed";
        String breaksTheIdRule = "checkout 2026/12/01 #42"; // spaces, / and #: stored under its hash
        List<Map<String, ?>> messages = List.of(
                Map.of("type", "track", "userId", "u-4", "event", "Order Completed", "messageId", fits),
                Map.of("type", "identify", "userId", "u-4", "messageId", breaksTheIdRule));
        String hashedId = "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(breaksTheIdRule.getBytes(StandardCharsets.UTF_8)));

        // Twice, as a client that resends what it is not sure was stored (a retry after a lost answer, a restart).
        for (int run = 1; run <= 2; run++) {
            NodeSdk.Result result = NodeSdk.run(input(recommended, messages));
            assertThat(result.failed()).as("run %d: %s", run, result.summary()).isEmpty();
            assertThat(result.messages()).extracting(NodeSdk.Message::messageId).containsExactly(fits,
                    breaksTheIdRule);
        }

        s.assertStoredOnce(List.of(fits, hashedId));
        assertThat(s.event(hashedId).path("data").path("messageId").asText()).isEqualTo(breaksTheIdRule);
        assertThat(s.event(fits).path("type").asText()).isEqualTo("Order Completed");
        Eventually.await(DEADLINE, "the metrics count the two messages sent again as duplicates",
                () -> s.metrics().path("duplicates").asLong() == 2);
    }

    /** Settings as a map in the order given: key, value, key, value... */
    static Map<String, Object> settings(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
