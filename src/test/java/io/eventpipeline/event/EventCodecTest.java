package io.eventpipeline.event;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventCodecTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant RECEIVED = Instant.parse("2024-05-01T12:30:01.234Z");

    private static Event full() {
        return new Event("evt-1", "page.view", "web:eu-1", "user \u00e9 \uD83D\uDE00",
                Instant.parse("2024-05-01T12:30:00.250Z"),
                "{ \"path\" : \"/caf\u00e9\", \"n\": [1, {\"x\": null}], \"esc\": \"\\u00e9\\n\" }".getBytes(UTF_8),
                RECEIVED, "shop-web");
    }

    private static Event minimal() {
        return new Event("0190a5b2-7c3e-7def-8a12-3456789abcde", "t", "s", null, null, "{}".getBytes(UTF_8),
                RECEIVED, null);
    }

    static Stream<Event> events() {
        return Stream.of(full(), minimal(),
                new Event("i", "t", "s", "u", null, "{}".getBytes(UTF_8), RECEIVED, null),
                new Event("i", "t", "s", null, Instant.parse("1000-01-01T00:00:00Z"), "{}".getBytes(UTF_8), RECEIVED,
                        null),
                new Event("x".repeat(64), "t", "s", "\uD83D\uDE00".repeat(128), Instant.parse("9999-12-31T23:59:59.999Z"),
                        ("{\"big\":\"" + "y".repeat(70_000) + "\"}").getBytes(UTF_8), RECEIVED, "k".repeat(64)));
    }

    @ParameterizedTest
    @MethodSource("events")
    void decodes_what_it_encoded(Event event) throws IOException {
        Event back = EventCodec.decode(EventCodec.encode(event));

        assertThat(back).usingRecursiveComparison().ignoringFields("data").isEqualTo(event);
        assertThat(back.data()).isEqualTo(event.data());
    }

    @ParameterizedTest
    @MethodSource("events")
    void writes_the_bytes_data_output_stream_wrote(Event event) throws IOException {
        assertThat(EventCodec.encode(event)).isEqualTo(viaDataOutputStream(event));
        Event nul = new Event("a\u0000b", "\u07ff\u0800", "s\uFFFF", "\uD800", null, event.data(), RECEIVED, "\u0080");
        assertThat(EventCodec.encode(nul)).isEqualTo(viaDataOutputStream(nul));
    }

    /** The record format as the journal has always written it, through java.io's own encoder. */
    private static byte[] viaDataOutputStream(Event e) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(2);
            out.writeUTF(e.id());
            out.writeUTF(e.type());
            out.writeUTF(e.source());
            out.writeBoolean(e.userId() != null);
            if (e.userId() != null) {
                out.writeUTF(e.userId());
            }
            out.writeLong(e.timestamp() == null ? Long.MIN_VALUE : e.timestamp().toEpochMilli());
            out.writeLong(e.receivedAt().toEpochMilli());
            out.writeInt(e.data().length);
            out.write(e.data());
            out.writeBoolean(e.keyName() != null);
            if (e.keyName() != null) {
                out.writeUTF(e.keyName());
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void keeps_absent_user_id_and_timestamp_absent() throws IOException {
        Event back = EventCodec.decode(EventCodec.encode(minimal()));

        assertThat(back.userId()).isNull();
        assertThat(back.timestamp()).isNull();
    }

    @Test
    void refuses_every_truncation_of_a_record() {
        byte[] record = EventCodec.encode(full());

        for (int length = 0; length < record.length; length++) {
            byte[] cut = Arrays.copyOf(record, length);
            assertThatThrownBy(() -> EventCodec.decode(cut)).as("cut to %d of %d bytes", length, record.length)
                    .isInstanceOf(IOException.class);
        }
    }

    /**
     * A refused message keeps its reason through the journal, in a version 3 record; events to store stay version 2,
     * which a version that knows nothing of refusals reads.
     */
    @Test
    void keeps_the_refusal_of_a_message_refused_at_intake() throws IOException {
        Event refused = Event.refused("m-1", "track", "segment", "[1,2]".getBytes(UTF_8), RECEIVED,
                "event: is required \u00e9");
        byte[] record = EventCodec.encode(refused);

        assertThat(record[0]).isEqualTo((byte) 3);
        assertThat(EventCodec.decode(record)).usingRecursiveComparison().isEqualTo(refused);
        assertThat(EventCodec.encode(minimal())[0]).isEqualTo((byte) 2);
        assertThat(EventCodec.decode(EventCodec.encode(minimal())).refusal()).isNull();
    }

    @Test
    void cuts_a_long_refusal() throws IOException {
        Event refused = Event.refused("m-1", "t", "s", "{}".getBytes(UTF_8), RECEIVED, "r".repeat(10_000));

        assertThat(EventCodec.decode(EventCodec.encode(refused)).refusal())
                .hasSize(EventCodec.MAX_REFUSAL_CHARS + 1).endsWith("\u2026");
    }

    @Test
    void refuses_a_record_of_another_version() {
        byte[] record = EventCodec.encode(minimal());
        record[0] = 9;

        assertThatThrownBy(() -> EventCodec.decode(record)).isInstanceOf(IOException.class)
                .hasMessageContaining("version 9");
    }

    @Test
    void reads_a_version_1_record_written_before_key_names_existed() throws IOException {
        byte[] v2 = EventCodec.encode(minimal());
        byte[] v1 = java.util.Arrays.copyOf(v2, v2.length - 1); // without the trailing "no key name" flag
        v1[0] = 1;

        Event e = EventCodec.decode(v1);

        assertThat(e.id()).isEqualTo(minimal().id());
        assertThat(e.keyName()).isNull();
    }

    @Test
    void refuses_a_record_whose_data_length_is_impossible() {
        byte[] record = EventCodec.encode(minimal());
        // The data length is the int just before the two bytes of "{}" and the one-byte key-name flag.
        int at = record.length - 1 - 2 - 4;
        record[at] = (byte) 0x7F;

        assertThatThrownBy(() -> EventCodec.decode(record)).isInstanceOf(IOException.class)
                .hasMessageContaining("bad data length");
    }

    @Test
    void writes_json_with_the_fields_a_client_sent_plus_received_at() throws IOException {
        Event e = full();

        JsonNode json = MAPPER.readTree(EventCodec.toJson(e));

        assertThat(json.get("id").asText()).isEqualTo("evt-1");
        assertThat(json.get("type").asText()).isEqualTo("page.view");
        assertThat(json.get("source").asText()).isEqualTo("web:eu-1");
        assertThat(json.get("user_id").asText()).isEqualTo(e.userId());
        assertThat(Instant.parse(json.get("timestamp").asText())).isEqualTo(e.timestamp());
        assertThat(Instant.parse(json.get("received_at").asText())).isEqualTo(RECEIVED);
        assertThat(json.get("data")).isEqualTo(MAPPER.readTree(e.data()));
        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("id", "type", "source", "user_id", "timestamp", "data", "received_at");
    }

    @Test
    void leaves_absent_fields_out_of_the_json() throws IOException {
        JsonNode json = MAPPER.readTree(EventCodec.toJson(minimal()));

        assertThat(json.has("user_id")).isFalse();
        assertThat(json.has("timestamp")).isFalse();
        assertThat(json.get("data")).isEqualTo(MAPPER.createObjectNode());
    }

    @Test
    void escapes_strings_in_the_json() throws IOException {
        Event e = new Event("i", "t", "s", "quote \" backslash \\ newline \n", null, "{}".getBytes(UTF_8), RECEIVED, null);

        assertThat(MAPPER.readTree(EventCodec.toJson(e)).get("user_id").asText()).isEqualTo(e.userId());
    }
}
