package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.source.segment.SegmentParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SegmentEventFactoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** {@code node-next-<Date.now()>-<uuid v4>}, as @segment/analytics-node makes a messageId. */
    private static final String SDK_MESSAGE_ID = "node-next-\\d{13}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}"
            + "-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
    /** What JavaScript's Date.toISOString() writes, which the SDK's JSON uses for every date. */
    private static final String JS_ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

    private final SegmentEventFactory factory = new SegmentEventFactory();

    @Test
    void a_v1_batch_has_the_shape_analytics_node_sends() throws Exception {
        JsonNode body = JSON.readTree(factory.v1Batch(100));

        assertThat(body.properties()).extracting(e -> e.getKey()).containsExactly("batch", "sentAt");
        assertThat(body.path("sentAt").asText()).matches(JS_ISO);
        assertThat(body.path("batch")).hasSize(100);
        for (JsonNode m : body.path("batch")) {
            assertThat(m.path("type").asText()).isEqualTo("track");
            assertThat(m.path("event").asText()).isEqualTo("Order Completed");
            assertThat(m.path("userId").asText()).isNotBlank();
            assertThat(m.path("anonymousId").asText()).matches("[0-9a-f-]{36}");
            String id = m.path("messageId").asText();
            assertThat(id).matches(SDK_MESSAGE_ID);
            assertThat(EventRules.tokenLengthFits(id) && EventRules.firstNonTokenChar(id) < 0)
                    .as("%s is stored as the id itself, not hashed", id).isTrue();
            assertThat(Instant.parse(m.path("timestamp").asText())).isNotNull();
            assertThat(m.path("timestamp").asText()).matches(JS_ISO);
            JsonNode p = m.path("properties");
            assertThat(p.size()).isEqualTo(8);
            assertThat(p.path("order_id").isTextual()).isTrue();
            assertThat(p.path("revenue").isNumber()).isTrue();
            assertThat(p.path("currency").asText()).isEqualTo("USD");
            assertThat(p.path("products")).hasSize(2);
            assertThat(p.path("products").get(0).path("price").isNumber()).isTrue();
            assertThat(m.at("/context/library/name").asText()).isEqualTo("@segment/analytics-node");
            assertThat(m.at("/context/library/version").asText()).isNotBlank();
            assertThat(m.path("integrations").isObject() && m.path("integrations").isEmpty()).isTrue();
            // Typical, as asked: well under the door's 32 KiB a message.
            assertThat(JSON.writeValueAsBytes(m).length).isBetween(500, 1000);
        }
    }

    @Test
    void the_events_batch_holds_what_the_segment_door_stores_for_such_messages() throws Exception {
        JsonNode body = JSON.readTree(factory.eventsBatch(100));

        assertThat(body.path("events")).hasSize(100);
        for (JsonNode e : body.path("events")) {
            JsonNode message = e.path("data");
            assertThat(e.path("id").asText()).isEqualTo(message.path("messageId").asText()).matches(SDK_MESSAGE_ID);
            assertThat(e.path("type").asText()).isEqualTo(message.path("event").asText());
            assertThat(e.path("source").asText()).isEqualTo("segment.track");
            assertThat(e.path("user_id").asText()).isEqualTo(message.path("userId").asText());
            assertThat(e.path("timestamp").asText()).isEqualTo(message.path("timestamp").asText());
            assertThat(message.path("sentAt").asText()).matches(JS_ISO);
            // Without the batch's sentAt, the data is a message of a v1 batch.
            ObjectNode sent = message.deepCopy();
            sent.remove("sentAt");
            JsonNode v1 = JSON.readTree(factory.v1Batch(1)).path("batch").get(0);
            assertThat(fieldNames(sent)).isEqualTo(fieldNames(v1));
        }
    }

    @Test
    void the_segment_door_and_our_batch_route_make_the_same_events_of_the_two_forms() throws Exception {
        SegmentEventFactory.SameCalls calls = factory.sameCalls(100);

        SegmentParser.Batch door = new SegmentParser(SegmentParser.MAX_MESSAGE_BYTES, 1000).parseBatch(
                calls.v1Batch());
        EventParser.Batch ours = new EventParser(64 << 10, 1000, 5 << 20).parseBatch(calls.eventsBatch());

        assertThat(door.errors()).isEmpty();
        assertThat(ours.errors()).isEmpty();
        assertThat(door.events()).hasSize(100);
        assertThat(ours.events()).hasSize(100);
        for (int i = 0; i < 100; i++) {
            Event d = door.events().get(i);
            Event o = ours.events().get(i);
            assertThat(d.refusal()).isNull();
            assertThat(List.of(d.id(), d.type(), d.source(), d.userId(), d.timestamp()))
                    .isEqualTo(List.of(o.id(), o.type(), o.source(), o.userId(), o.timestamp()));
            // Byte for byte: both phases put the very same rows in the database.
            assertThat(new String(d.data(), StandardCharsets.UTF_8))
                    .isEqualTo(new String(o.data(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void message_ids_never_repeat_across_batches_routes_and_runs() throws Exception {
        SegmentEventFactory otherRun = new SegmentEventFactory();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            for (JsonNode m : JSON.readTree(factory.v1Batch(100)).path("batch")) {
                assertThat(ids.add(m.path("messageId").asText())).isTrue();
            }
            for (JsonNode e : JSON.readTree(factory.eventsBatch(100)).path("events")) {
                assertThat(ids.add(e.path("id").asText())).isTrue();
            }
            for (JsonNode m : JSON.readTree(otherRun.v1Batch(100)).path("batch")) {
                assertThat(ids.add(m.path("messageId").asText())).isTrue();
            }
        }
        assertThat(ids).hasSize(9000);
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> names = new HashSet<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
