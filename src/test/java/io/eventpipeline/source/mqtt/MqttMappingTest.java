package io.eventpipeline.source.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.Event;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The rule that makes an MQTT message an event, and what the dead letter keeps of one that is not. */
class MqttMappingTest {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00.123Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final MqttMapping mapping = new MqttMapping("id", 64 * 1024);

    private Event map(String topic, String payload) {
        return mapping.toEvent(topic, payload.getBytes(StandardCharsets.UTF_8), NOW);
    }

    private static JsonNode data(Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    @ParameterizedTest
    @CsvSource({
        "sensors/dev-1/temperature, sensors/dev-1, temperature",
        "temperature, mqtt, temperature",
        "/temperature, mqtt, temperature",
        "home/kitchen/, home, kitchen",
        "a//b, a/, b",
        "factory/line 3/Öl-Temperatur, factory/line 3, Öl-Temperatur",
    })
    void the_topic_gives_source_and_type(String topic, String source, String type) throws Exception {
        Event e = map(topic, "{\"c\":21.5}");

        assertThat(e.refusal()).isNull();
        assertThat(e.source()).isEqualTo(source);
        assertThat(e.type()).isEqualTo(type);
        assertThat(data(e).get("mqtt_topic").asText()).isEqualTo(topic);
        assertThat(e.receivedAt()).isEqualTo(NOW);
        assertThat(e.timestamp()).isNull();
    }

    @Test
    void data_is_the_payload_as_sent_with_the_topic_first() {
        Event e = map("s/t", " {\"b\" : [1, 2.50, {\"x\":null}], \"a\":\"\\u00e9\"}  ");

        assertThat(new String(e.data(), StandardCharsets.UTF_8))
                .isEqualTo("{\"mqtt_topic\":\"s/t\",\"b\" : [1, 2.50, {\"x\":null}], \"a\":\"\\u00e9\"}");
    }

    @Test
    void an_empty_object_and_a_topic_that_needs_escaping_are_kept() throws Exception {
        Event e = map("a\"b\\c/t", "{ }");

        assertThat(e.refusal()).isNull();
        assertThat(data(e).size()).isEqualTo(1);
        assertThat(data(e).get("mqtt_topic").asText()).isEqualTo("a\"b\\c/t");
    }

    @Test
    void the_id_field_gives_the_id_as_a_string_or_an_integer() {
        assertThat(map("s/t", "{\"id\":\"reading-42\",\"v\":1}").id()).isEqualTo("reading-42");
        assertThat(map("s/t", "{\"v\":1,\"id\":1234567890123}").id()).isEqualTo("1234567890123");
    }

    @Test
    void without_the_id_field_each_message_gets_a_new_id_even_when_equal() {
        Event a = map("s/t", "{\"v\":1}");
        Event b = map("s/t", "{\"v\":1}");
        Event c = new MqttMapping(null, 1024).toEvent("s/t", "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8), NOW);

        assertThat(a.id()).isNotEqualTo(b.id()).hasSize(36);
        assertThat(c.id()).as("no --mqtt-id-field: the member is data").isNotEqualTo("x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json", "[1,2]", "\"text\"", "42", "null", "", "{\"a\":1", "{\"a\":1}{\"b\":2}",
        "{\"a\":1,\"a\":2}", "{\"mqtt_topic\":\"spoofed\"}", "{\"id\":{\"x\":1}}", "{\"id\":\"has space\"}",
        "{\"id\":1.5}", "{\"bad\":\"\\ud800\"}", "{\"n\":1e400}"})
    void a_payload_that_is_no_storable_object_is_kept_for_the_dead_letter_with_its_topic(String payload)
            throws Exception {
        Event e = map("sensors/dev-9/state", payload);

        assertThat(e.refusal()).startsWith("MQTT message on topic 'sensors/dev-9/state': ");
        JsonNode kept = data(e);
        assertThat(kept.get("mqtt_topic").asText()).isEqualTo("sensors/dev-9/state");
        assertThat(kept.get("payload").asText()).isEqualTo(payload);
        assertThat(kept.get("payload_encoding").asText()).isEqualTo("utf-8");
        assertThat(kept.get("payload_bytes").asInt()).isEqualTo(payload.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void the_reasons_say_what_is_wrong() {
        assertThat(map("s/t", "[1]").refusal()).endsWith("the payload must be a JSON object, got an array");
        assertThat(map("s/t", "{\"mqtt_topic\":1}").refusal()).contains("its own member 'mqtt_topic'");
        assertThat(map("s/t", "{\"id\":\"a b\"}").refusal()).contains("--mqtt-id-field")
                .contains("1-64 characters of A-Z a-z 0-9 . _ : -");
        assertThat(map("s/t", "{\"a\":1,\"a\":2}").refusal()).contains("'a' twice");
    }

    @Test
    void bytes_that_are_not_utf8_are_kept_as_base64() throws Exception {
        byte[] payload = {(byte) 0xff, (byte) 0xfe, 0x00, 0x41};
        Event e = mapping.toEvent("bin/t", payload, NOW);

        assertThat(e.refusal()).contains("not UTF-8");
        assertThat(data(e).get("payload_encoding").asText()).isEqualTo("base64");
        assertThat(Base64.getDecoder().decode(data(e).get("payload").asText())).isEqualTo(payload);
    }

    @Test
    void a_payload_over_the_event_limit_is_refused_and_kept_cut_to_fit() throws Exception {
        MqttMapping small = new MqttMapping(null, 200);
        String big = "{\"v\":\"" + "x".repeat(1000) + "\"}";
        Event e = small.toEvent("s/t", big.getBytes(StandardCharsets.UTF_8), NOW);

        assertThat(e.refusal()).contains("over the limit of 200 bytes (--max-event-bytes)");
        assertThat(e.data().length).isLessThanOrEqualTo(200);
        assertThat(data(e).get("payload_bytes").asInt()).isEqualTo(big.length());
        assertThat(big).startsWith(data(e).get("payload").asText());
    }

    @Test
    void the_topic_member_counts_against_the_limit() {
        String payload = "{\"v\":\"" + "x".repeat(90) + "\"}"; // 100 bytes

        assertThat(new MqttMapping(null, 100).toEvent("s/t", payload.getBytes(StandardCharsets.UTF_8), NOW)
                .refusal()).contains("with the topic");
        assertThat(new MqttMapping(null, 140).toEvent("s/t", payload.getBytes(StandardCharsets.UTF_8), NOW)
                .refusal()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "///", "s/\u0001", "\t/t"})
    void a_topic_that_gives_no_valid_names_is_kept_for_the_dead_letter(String topic) throws Exception {
        Event e = map(topic, "{\"v\":1}");

        assertThat(e.refusal()).isNotNull();
        assertThat(e.type()).isEqualTo("mqtt_message");
        assertThat(data(e).get("mqtt_topic").asText()).isEqualTo(topic);
    }

    @Test
    void a_valid_id_is_kept_on_a_refused_message_so_a_redelivery_is_dead_lettered_once() {
        Event e = map("s/t", "{\"id\":\"r-1\",\"a\":1,\"a\":2}");

        assertThat(e.refusal()).isNotNull();
        assertThat(e.id()).isEqualTo("r-1");
    }
}
