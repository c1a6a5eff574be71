package io.eventpipeline.event;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.Charset;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever encoding a JSON library might detect from a body's first bytes, a body that is not UTF-8 is
 * refused as malformed (never read as characters, never an unexpected exception), and UTF-8 with or without a
 * byte order mark is read the same.
 */
class BodyEncodingTest {
    private static final List<String> OTHER_ENCODINGS = List.of("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32LE",
            "UTF-32BE", "UTF-32");
    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final EventParser parser = new EventParser(64 << 10, 1000, 5 << 20);

    @Test
    void an_event_in_any_other_unicode_encoding_is_refused_as_not_utf8_with_or_without_a_byte_order_mark() {
        Random random = new Random(20261201);
        for (int i = 0; i < 500; i++) {
            String event = randomEvent(random);
            for (String name : OTHER_ENCODINGS) {
                byte[] encoded = event.getBytes(Charset.forName(name));
                for (byte[] body : List.of(encoded, withBom(name, encoded))) {
                    for (boolean batch : new boolean[] {false, true}) {
                        byte[] b = batch ? ("{\"events\":[" + event + "]}").getBytes(Charset.forName(name)) : body;
                        Throwable t = catchThrowable(() -> parse(b, batch));
                        assertThat(t).as("%s %s", name, event).isInstanceOf(MalformedBodyException.class);
                        assertThat(t.getMessage()).as(name).containsAnyOf("not valid UTF-8", "zero byte at offset");
                    }
                }
            }
        }
    }

    @Test
    void utf8_with_a_byte_order_mark_reads_as_utf8_without_one() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 500; i++) {
            String event = randomEvent(random);
            byte[] plain = event.getBytes(UTF_8);
            byte[] marked = concat(UTF8_BOM, plain);

            Event a = parser.parseSingle(plain);
            Event b = parser.parseSingle(marked);
            assertThat(new String(b.data(), UTF_8)).isEqualTo(new String(a.data(), UTF_8));
            assertThat(b.type()).isEqualTo(a.type());
            assertThat(parser.parseBatch(concat(UTF8_BOM, ("{\"events\":[" + event + "]}").getBytes(UTF_8)))
                    .events()).hasSize(1);
        }
    }

    @Test
    void random_bytes_are_refused_with_the_parser_s_own_exceptions_only() {
        Random random = new Random(99);
        for (int i = 0; i < 5000; i++) {
            byte[] body = new byte[random.nextInt(64)];
            random.nextBytes(body);
            if (random.nextBoolean() && body.length > 4) {
                body[0] = '{'; // looks like JSON at first
            }
            for (boolean batch : new boolean[] {false, true}) {
                Throwable t = catchThrowable(() -> parse(body, batch));
                assertThat(t).isInstanceOfAny(MalformedBodyException.class, InvalidEventException.class);
            }
        }
    }

    @Test
    void a_zero_byte_in_utf8_is_refused_with_where_it_is() {
        byte[] body = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"x\":\"a\0b\"}}".getBytes(UTF_8);

        Throwable t = catchThrowable(() -> parser.parseSingle(body));

        assertThat(t).isInstanceOf(MalformedBodyException.class)
                .hasMessageStartingWith("the body has a zero byte at offset 39");
    }

    private Object parse(byte[] body, boolean batch) throws Exception {
        return batch ? parser.parseBatch(body) : parser.parseSingle(body);
    }

    private static String randomEvent(Random r) {
        String[] texts = {"click", "caf\u00e9", "\u65e5\u672c", "\uD83D\uDE00", "a b", "x\\u0041", ""};
        return "{\"type\":\"t" + r.nextInt(100) + "\",\"source\":\"s\",\"data\":{\"k\":\""
                + texts[r.nextInt(texts.length)] + "\",\"n\":" + r.nextInt(1000) + "}}";
    }

    private static byte[] withBom(String encoding, byte[] encoded) {
        return switch (encoding) {
            case "UTF-16LE" -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, encoded);
            case "UTF-16BE" -> concat(new byte[] {(byte) 0xFE, (byte) 0xFF}, encoded);
            case "UTF-32LE" -> concat(new byte[] {(byte) 0xFF, (byte) 0xFE, 0, 0}, encoded);
            case "UTF-32BE" -> concat(new byte[] {0, 0, (byte) 0xFE, (byte) 0xFF}, encoded);
            default -> encoded; // Java's UTF-16 writes a mark itself; UTF-32 writes none
        };
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
