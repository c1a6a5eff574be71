package io.eventpipeline.source.segment;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.MalformedBodyException;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The mapping of Segment messages to events, and what becomes of a message that breaks a rule. */
class SegmentParserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SegmentParser parser = new SegmentParser(SegmentParser.MAX_MESSAGE_BYTES, 1000);

    private SegmentParser.Batch batch(String body) throws MalformedBodyException {
        return parser.parseBatch(body.getBytes(UTF_8));
    }

    private static JsonNode data(Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    @Test
    void maps_a_track_call_and_keeps_the_message_as_sent() throws Exception {
        String message = "{\"type\":\"track\", \"event\":\"Order Completed\",\"userId\":\"u-1\",\"anonymousId\":\"a-1\","
                + "\"messageId\":\"node-next-1700000000000-3f2a\",\"timestamp\":\"2024-05-01T14:30:00.250+02:00\","
                + "\"properties\":{\"revenue\":9.990,\"big\":12345678901234567890}}";

        SegmentParser.Batch b = batch("{\"batch\":[" + message + "]}");

        assertThat(b.errors()).isEmpty();
        Event e = b.events().getFirst();
        assertThat(e.id()).isEqualTo("node-next-1700000000000-3f2a");
        assertThat(e.type()).isEqualTo("Order Completed");
        assertThat(e.source()).isEqualTo("segment.track");
        assertThat(e.userId()).as("userId wins over anonymousId").isEqualTo("u-1");
        assertThat(e.timestamp()).isEqualTo(Instant.parse("2024-05-01T12:30:00.250Z"));
        assertThat(new String(e.data(), UTF_8)).as("byte for byte").isEqualTo(message);
        assertThat(e.refusal()).isNull();
    }

    @ParameterizedTest
    @CsvSource({"identify", "page", "screen", "group", "alias"})
    void the_type_of_every_other_call_is_the_call(String call) throws Exception {
        Event e = batch("{\"batch\":[{\"type\":\"" + call + "\",\"userId\":\"u\",\"name\":\"Home\"}]}").events()
                .getFirst();

        assertThat(e.type()).isEqualTo(call);
        assertThat(e.source()).isEqualTo("segment." + call);
        assertThat(e.refusal()).isNull();
    }

    @Test
    void takes_names_as_users_write_them() throws Exception {
        SegmentParser.Batch b = batch("{\"batch\":[{\"type\":\"track\",\"event\":\"$pageview\",\"userId\":\"u\"},"
                + "{\"type\":\"track\",\"event\":\"注文 完了 \uD83D\uDED2\",\"userId\":\"u\"}]}");

        assertThat(b.events()).extracting(Event::type).containsExactly("$pageview", "注文 完了 \uD83D\uDED2");
    }

    @Test
    void the_anonymous_id_is_the_user_without_a_user_id_and_a_number_is_its_text() throws Exception {
        SegmentParser.Batch b = batch("{\"batch\":[{\"type\":\"identify\",\"anonymousId\":\"anon-7\"},"
                + "{\"type\":\"identify\",\"userId\":42,\"anonymousId\":\"anon-8\"},"
                + "{\"type\":\"identify\",\"userId\":null,\"anonymousId\":\"anon-9\"}]}");

        assertThat(b.events()).extracting(Event::userId).containsExactly("anon-7", "42", "anon-9");
    }

    /** Expected ids computed outside Java: python3 hashlib.sha256 and base64.urlsafe_b64encode without padding. */
    @Test
    void a_message_id_outside_the_id_rule_becomes_its_hash_and_is_never_refused() throws Exception {
        SegmentParser.Batch b = batch("{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"weird id/with spaces\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"" + "m".repeat(65) + "\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"注文-1\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":\"" + "m".repeat(64) + "\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"messageId\":12345}]}");

        assertThat(b.errors()).isEmpty();
        assertThat(b.events()).extracting(Event::id).containsExactly(
                "sha256:UlQjjgqYeenGhzStxQopmnxPN6sak-KAPcmIzXfQ1i0",
                "sha256:Z2_CtTiQLdRqtPCT8c_Y0hjfqWJPw9U5ytPLpqPrB_U",
                "sha256:HHGEARmZfKk6f5zhDdMgFOV_i_lS7fFTO44pay8cZkA",
                "m".repeat(64), "12345");
        assertThat(EventRules.tokenLengthFits(b.events().getFirst().id())).isTrue();
    }

    @Test
    void a_message_without_a_message_id_gets_a_new_id_each_time() throws Exception {
        String body = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"u\"}]}";

        assertThat(batch(body).events().getFirst().id()).isNotEqualTo(batch(body).events().getFirst().id());
    }

    @Test
    void the_batch_gives_every_message_its_sent_at_context_and_integrations_where_the_message_lacks_them()
            throws Exception {
        SegmentParser.Batch b = batch("{\"sentAt\":\"2024-05-01T12:00:01Z\",\"batch\":["
                + "{\"type\":\"identify\",\"userId\":\"u\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"sentAt\":\"own\",\"context\":{\"ip\":\"1.1.1.1\"},"
                + "\"integrations\":{\"All\":false}},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"context\":{ }}],"
                + "\"writeKey\":\"ignored\",\"context\":{\"ip\":\"9.9.9.9\",\"library\":{\"name\":\"x\"}},"
                + "\"integrations\":{\"All\":true}}");

        assertThat(data(b.events().get(0))).isEqualTo(JSON.readTree("{\"type\":\"identify\",\"userId\":\"u\","
                + "\"sentAt\":\"2024-05-01T12:00:01Z\",\"context\":{\"ip\":\"9.9.9.9\",\"library\":{\"name\":\"x\"}},"
                + "\"integrations\":{\"All\":true}}"));
        assertThat(data(b.events().get(1))).as("the message's own members win").isEqualTo(JSON.readTree(
                "{\"type\":\"identify\",\"userId\":\"u\",\"sentAt\":\"own\",\"context\":{\"ip\":\"1.1.1.1\","
                        + "\"library\":{\"name\":\"x\"}},\"integrations\":{\"All\":false}}"));
        assertThat(data(b.events().get(2))).isEqualTo(JSON.readTree("{\"type\":\"identify\",\"userId\":\"u\","
                + "\"context\":{\"ip\":\"9.9.9.9\",\"library\":{\"name\":\"x\"}},"
                + "\"sentAt\":\"2024-05-01T12:00:01Z\",\"integrations\":{\"All\":true}}"));
    }

    /**
     * Each message that breaks a rule is refused alone, by index, kept as sent for the dead letter under its
     * messageId's id; the valid ones around it are not touched.
     */
    @Test
    void a_message_that_breaks_a_rule_is_kept_for_the_dead_letter_and_the_rest_pass() throws Exception {
        List<String> bad = List.of(
                "{\"userId\":\"u\",\"messageId\":\"m-0\"}",
                "{\"type\":\"purchase\",\"userId\":\"u\"}",
                "{\"type\":\"track\",\"userId\":\"u\"}",
                "{\"type\":\"track\",\"event\":\"a\\tb\",\"userId\":\"u\"}",
                "{\"type\":\"track\",\"event\":\"   \",\"userId\":\"u\"}",
                "{\"type\":\"track\",\"event\":\"" + "e".repeat(256) + "\",\"userId\":\"u\"}",
                "{\"type\":\"identify\"}",
                "{\"type\":\"identify\",\"userId\":\"" + "u".repeat(129) + "\"}",
                "{\"type\":\"identify\",\"userId\":true}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"timestamp\":\"yesterday\"}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"timestamp\":\"0999-12-31T23:59:59Z\"}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"a\":1,\"a\":2}}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":" + "[".repeat(31) + "]".repeat(31) + "}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"n\":1e400}}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"s\":\"\\ud800\"}}",
                "{\"type\":\"identify\",\"userId\":\"u\",\"traits\":{\"s\":\"" + "x".repeat(33_000) + "\"}}",
                "\"not an object\"",
                "[1,2]");
        StringBuilder body = new StringBuilder("{\"batch\":[{\"type\":\"identify\",\"userId\":\"first\"}");
        for (String m : bad) {
            body.append(',').append(m);
        }
        body.append(",{\"type\":\"identify\",\"userId\":\"last\"}]}");

        SegmentParser.Batch b = batch(body.toString());

        assertThat(b.valid()).isEqualTo(2);
        assertThat(b.events()).hasSize(bad.size() + 2);
        assertThat(b.events().getFirst().userId()).isEqualTo("first");
        assertThat(b.events().getLast().userId()).isEqualTo("last");
        assertThat(b.errors()).extracting(EventParser.IndexedError::index)
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, bad.size()).boxed().toList());
        assertThat(b.errors()).extracting(EventParser.IndexedError::field).containsExactly(
                "type", "type", "event", "event", "event", "event", "userId", "userId", "userId", "timestamp",
                "timestamp", "", "", "", "", "", "", "");
        for (int i = 0; i < bad.size(); i++) {
            Event refused = b.events().get(i + 1);
            EventParser.IndexedError error = b.errors().get(i);
            assertThat(refused.refusal()).as(bad.get(i)).isNotNull()
                    .endsWith(error.error()).startsWith(error.field().isEmpty() ? "" : error.field() + ": ");
            assertThat(new String(refused.data(), UTF_8)).isEqualTo(bad.get(i));
        }
        assertThat(b.events().get(1).id()).as("the messageId still names it").isEqualTo("m-0");
        assertThat(b.errors().get(11).error()).contains("twice");
        assertThat(b.errors().get(12).error()).contains("31 levels");
        assertThat(b.errors().get(15).error()).contains("over the limit of 32768 bytes");
    }

    @Test
    void a_body_that_is_not_a_batch_is_refused_whole() {
        assertThatThrownBy(() -> batch("{\"batch\":[")).isInstanceOf(MalformedBodyException.class);
        assertThatThrownBy(() -> batch("[]")).hasMessageContaining("{\"batch\":[...]}");
        assertThatThrownBy(() -> batch("{\"events\":[]}")).hasMessageContaining("\"batch\" is required");
        assertThatThrownBy(() -> batch("{\"batch\":[]}")).hasMessageContaining("empty");
        assertThatThrownBy(() -> batch("{\"batch\":{}}")).hasMessageContaining("must be an array");
        assertThatThrownBy(() -> batch("{\"batch\":[{}]} {}")).hasMessageContaining("more content");
        // Cut inside a string, a value the parser reads lazily: every prefix of a batch is a malformed body.
        String whole = "{\"sentAt\":\"2024-05-01T12:00:00Z\",\"batch\":[\"just a string\",{\"type\":\"identify\","
                + "\"userId\":\"u\"},17]}";
        for (int cut = 0; cut < whole.length(); cut++) {
            String prefix = whole.substring(0, cut);
            assertThatThrownBy(() -> batch(prefix)).as(prefix).isInstanceOf(MalformedBodyException.class);
        }
        assertThatThrownBy(() -> batch("{\"batch\":[" + "[".repeat(1000) + "]".repeat(1000) + "]}"))
                .hasMessageContaining("1000");
    }

    @Test
    void more_messages_than_the_limit_is_too_large() {
        SegmentParser small = new SegmentParser(SegmentParser.MAX_MESSAGE_BYTES, 2);

        assertThatThrownBy(() -> small.parseBatch("{\"batch\":[{},{},{}]}".getBytes(UTF_8)))
                .isInstanceOfSatisfying(MalformedBodyException.class, e -> assertThat(e.tooLarge()).isTrue())
                .hasMessageContaining("more than 2 messages");
    }

    @Test
    void a_single_call_takes_its_type_from_the_route() throws Exception {
        SegmentParser.Single single = parser.parseSingle(" {\"event\":\"Signed Up\",\"userId\":\"u\"} "
                .getBytes(UTF_8), SegmentParser.Call.TRACK);

        assertThat(single.error()).isNull();
        assertThat(single.writeKey()).isNull();
        Event e = single.event();
        assertThat(e.type()).isEqualTo("Signed Up");
        assertThat(e.source()).isEqualTo("segment.track");
        assertThat(new String(e.data(), UTF_8)).as("the call added, as a batch's messages say it")
                .isEqualTo("{\"event\":\"Signed Up\",\"userId\":\"u\",\"type\":\"track\"}");
    }

    @Test
    void a_single_call_that_breaks_a_rule_says_which_field() throws Exception {
        assertThat(single("{\"type\":\"identify\",\"userId\":\"u\"}", SegmentParser.Call.TRACK))
                .satisfies(e -> assertThat(e.fieldError().field()).isEqualTo("type"))
                .hasMessageContaining("this route takes track messages");
        assertThat(single("{\"userId\":\"u\"}", SegmentParser.Call.TRACK))
                .satisfies(e -> assertThat(e.fieldError().field()).isEqualTo("event"));
        assertThat(single("{\"userId\":\"u\",\"traits\":\"" + "x".repeat(40_000) + "\"}",
                SegmentParser.Call.IDENTIFY)).satisfies(e -> assertThat(e.tooLarge()).isTrue());
        assertThatThrownBy(() -> parser.parseSingle("[]".getBytes(UTF_8), SegmentParser.Call.TRACK))
                .isInstanceOf(MalformedBodyException.class);
    }

    private InvalidEventException single(String body, SegmentParser.Call call) throws Exception {
        SegmentParser.Single single = parser.parseSingle(body.getBytes(UTF_8), call);
        assertThat(single.event()).isNull();
        return single.error();
    }

    /**
     * A write key in the body (Segment's libraries send it there) is handed to the route for the key check and
     * never stored: not in the envelope's messages, not in a message that carries it, not in the dead letter.
     */
    @Test
    void a_write_key_in_the_body_is_read_and_never_kept() throws Exception {
        String body = "{\"writeKey\":\"ep_secret\",\"batch\":["
                + "{\"type\":\"identify\",\"userId\":\"u\",\"writeKey\":\"ep_other\"},"
                + "{\"writeKey\" : \"ep_other\" , \"type\":\"identify\",\"userId\":\"u\"},"
                + "{\"type\":\"identify\",\"writeKey\":\"ep_other\",\"userId\":\"u\",\"writeKey\":\"ep_3\"},"
                + "{\"writeKey\":\"ep_other\"},"
                + "{\"type\":\"track\",\"userId\":\"u\",\"writeKey\":\"ep_other\"}]}";
        SegmentParser.Batch b = batch(body);

        assertThat(parser.readEnvelope(body.getBytes(UTF_8)).writeKey()).isEqualTo("ep_secret");
        assertThat(b.events()).hasSize(5);
        for (Event e : b.events()) {
            assertThat(new String(e.data(), UTF_8)).doesNotContain("ep_").doesNotContain("writeKey");
        }
        assertThat(data(b.events().get(0))).isEqualTo(JSON.readTree("{\"type\":\"identify\",\"userId\":\"u\"}"));
        assertThat(b.errors()).extracting(EventParser.IndexedError::index).containsExactly(3, 4);

        SegmentParser.Single single = parser.parseSingle("{\"userId\":\"u\",\"writeKey\":\"ep_k\"}".getBytes(UTF_8),
                SegmentParser.Call.IDENTIFY);
        assertThat(single.writeKey()).isEqualTo("ep_k");
        assertThat(new String(single.event().data(), UTF_8)).isEqualTo("{\"userId\":\"u\",\"type\":\"identify\"}");
    }

    /**
     * What the envelope adds to each message counts toward the message's 32 KB, and the envelope's share of the
     * whole batch is bounded: a large context repeated in a thousand messages must not turn a 500 KB request into
     * hundreds of megabytes in memory, the journal and the database.
     */
    @Test
    void what_the_envelope_adds_is_bounded_per_message_and_per_batch() throws Exception {
        String small = "{\"type\":\"identify\",\"userId\":\"u\"}";
        String context = "\"context\":{\"pad\":\"" + "x".repeat(33_000) + "\"}";
        SegmentParser.Batch b = batch("{\"batch\":[" + small + "]," + context + "}");
        assertThat(b.errors()).singleElement().satisfies(e -> assertThat(e.error()).contains("with the batch's"));

        String many = ("," + small).repeat(999);
        assertThatThrownBy(() -> batch("{\"batch\":[" + small + many + "],\"context\":{\"pad\":\""
                + "x".repeat(600) + "\"}}"))
                .isInstanceOfSatisfying(MalformedBodyException.class, e -> assertThat(e.tooLarge()).isTrue())
                .hasMessageContaining("would be added to each of the 1000 messages");
        assertThat(batch("{\"batch\":[" + small + many + "],\"context\":{\"pad\":\"" + "x".repeat(400) + "\"}}")
                .valid()).isEqualTo(1000);
    }

    @Test
    void the_envelope_is_read_strictly() {
        assertThatThrownBy(() -> batch("{\"sentAt\":\"a\",\"batch\":[{}],\"sentAt\":\"b\"}"))
                .hasMessageContaining("\"sentAt\" appears twice");
        assertThatThrownBy(() -> batch("{\"batch\":[{}],\"batch\":[{}]}")).hasMessageContaining("twice");
        assertThatThrownBy(() -> batch("{\"batch\":[{}],\"context\":\"web\"}"))
                .hasMessageContaining("must be an object");
        assertThatThrownBy(() -> batch("{\"batch\":[{}],\"context\":{\"a\":1,\"a\":2}}"))
                .hasMessageContaining("\"context\" in the envelope has the member name 'a' twice");
    }

    @Test
    void an_empty_user_id_is_no_id_and_original_timestamp_counts_only_without_a_timestamp() throws Exception {
        SegmentParser.Batch b = batch("{\"batch\":["
                + "{\"type\":\"identify\",\"userId\":\"\",\"anonymousId\":\"anon-1\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"timestamp\":\"2024-05-01T12:00:00Z\","
                + "\"originalTimestamp\":17},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"originalTimestamp\":\"2024-05-01T13:00:00Z\"},"
                + "{\"type\":\"identify\",\"userId\":\"u\",\"originalTimestamp\":17},"
                + "{\"type\":\"identify\",\"userId\":\"\"}]}");

        assertThat(b.events().get(0).userId()).isEqualTo("anon-1");
        assertThat(b.events().get(1).timestamp()).isEqualTo(Instant.parse("2024-05-01T12:00:00Z"));
        assertThat(b.events().get(2).timestamp()).isEqualTo(Instant.parse("2024-05-01T13:00:00Z"));
        assertThat(b.errors()).extracting(EventParser.IndexedError::index, EventParser.IndexedError::field)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3, "originalTimestamp"),
                        org.assertj.core.groups.Tuple.tuple(4, "userId"));
    }
}
