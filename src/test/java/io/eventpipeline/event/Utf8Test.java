package io.eventpipeline.event;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.util.HexFormat;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class Utf8Test {
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

    private static byte[] hex(String spaced) {
        return HEX.parseHex(spaced.toLowerCase());
    }

    private static int firstInvalid(byte[] b) {
        return Utf8.firstInvalid(b, 0, b.length);
    }

    @Test
    void accepts_empty_input_and_ascii() {
        assertThat(firstInvalid(new byte[0])).isEqualTo(-1);
        byte[] ascii = new byte[128];
        for (int i = 0; i < ascii.length; i++) {
            ascii[i] = (byte) i;
        }
        assertThat(firstInvalid(ascii)).isEqualTo(-1);
    }

    @Test
    void accepts_multibyte_text() {
        byte[] text = "caf\u00e9 \u4e2d\u6587 \uD83D\uDE00 \u0394\u03b5\u03bb\u03c4\u03b1 \u05e9\u05dc\u05d5\u05dd"
                .getBytes(UTF_8);

        assertThat(firstInvalid(text)).isEqualTo(-1);
    }

    @ParameterizedTest(name = "U+{0}")
    @ValueSource(strings = {"0000", "007F", "0080", "07FF", "0800", "D7FF", "E000", "FFFD", "FFFF", "10000",
            "10FFFF"})
    void accepts_the_boundary_code_points(String cp) {
        byte[] b = new String(Character.toChars(Integer.parseInt(cp, 16))).getBytes(UTF_8);

        assertThat(firstInvalid(b)).isEqualTo(-1);
    }

    static Stream<Arguments> invalid_sequences() {
        return Stream.of(
                arguments("C0 80", "overlong U+0000"),
                arguments("C0 AF", "overlong '/'"),
                arguments("C1 BF", "overlong U+007F"),
                arguments("E0 80 AF", "three-byte overlong '/'"),
                arguments("E0 9F BF", "overlong U+07FF"),
                arguments("F0 80 80 AF", "four-byte overlong '/'"),
                arguments("F0 8F BF BF", "overlong U+FFFF"),
                arguments("ED A0 80", "surrogate U+D800"),
                arguments("ED AD BF", "surrogate U+DB7F"),
                arguments("ED B0 80", "surrogate U+DC00"),
                arguments("ED BF BF", "surrogate U+DFFF"),
                arguments("ED A0 BD ED B8 80", "a surrogate pair, CESU-8 style"),
                arguments("F4 90 80 80", "U+110000, past the last code point"),
                arguments("F5 80 80 80", "lead byte F5"),
                arguments("F7 BF BF BF", "lead byte F7"),
                arguments("F8 88 80 80 80", "five-byte form"),
                arguments("FC 84 80 80 80 80", "six-byte form"),
                arguments("FE", "byte FE"),
                arguments("FF", "byte FF"),
                arguments("80", "stray continuation byte 80"),
                arguments("BF", "stray continuation byte BF"),
                arguments("C3 28", "lead byte followed by ASCII"),
                arguments("E2 28 A1", "second byte not a continuation"),
                arguments("E2 82 28", "third byte not a continuation"),
                arguments("F0 9F 98 28", "fourth byte not a continuation"),
                arguments("C3 C3 A9", "lead byte followed by a lead byte"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalid_sequences")
    void finds_the_first_bad_byte_of_an_invalid_sequence(String bytes, String why) {
        byte[] b = concat("ok ".getBytes(UTF_8), hex(bytes), " and more \u00e9".getBytes(UTF_8));

        assertThat(firstInvalid(b)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"C3", "E2", "E2 82", "F0", "F0 9F", "F0 9F 98", "F4 8F BF"})
    void finds_a_sequence_truncated_at_the_end(String bytes) {
        byte[] b = concat("ok \u00e9".getBytes(UTF_8), hex(bytes));

        assertThat(firstInvalid(b)).isEqualTo(5);
    }

    @Test
    void reports_the_first_of_several_bad_bytes() {
        byte[] b = concat("a\u00e9".getBytes(UTF_8), hex("80"), "b".getBytes(UTF_8), hex("FF"));

        assertThat(firstInvalid(b)).isEqualTo(3);
    }

    @Test
    void checks_only_the_given_range_and_returns_absolute_offsets() {
        byte[] b = concat(hex("FF"), "ab\u00e9c".getBytes(UTF_8), hex("FF"));

        assertThat(Utf8.firstInvalid(b, 1, b.length - 1)).isEqualTo(-1);
        assertThat(Utf8.firstInvalid(b, 1, b.length)).isEqualTo(b.length - 1);
        // The range ends inside the two bytes of é: truncated there, even though the array goes on.
        assertThat(Utf8.firstInvalid(b, 1, 4)).isEqualTo(3);
        assertThat(Utf8.firstInvalid(b, 2, 2)).isEqualTo(-1);
    }

    /** The JDK's strict decoder is the reference: both must agree on where the first bad byte is. */
    @Test
    void agrees_with_the_jdk_decoder_on_random_input() {
        Random random = new Random(0x5EED_0F_07F8L);
        CharsetDecoder decoder = UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int invalid = 0;
        for (int round = 0; round < 5_000; round++) {
            byte[] b = randomBytes(random);
            int expected = jdkFirstInvalid(decoder, b);
            assertThat(firstInvalid(b)).as("bytes %s", HEX.formatHex(b)).isEqualTo(expected);
            if (expected >= 0) {
                invalid++;
            }
        }
        // Both kinds were exercised.
        assertThat(invalid).isBetween(500, 4_500);
    }

    /** Mostly well-formed text with a few random bytes spliced in, so that both outcomes are common. */
    private static byte[] randomBytes(Random random) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int parts = random.nextInt(6);
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(5)) {
                case 0 -> out.write('a' + random.nextInt(26));
                case 1 -> {
                    int cp;
                    do {
                        cp = random.nextInt(0x110000);
                    } while (cp >= 0xD800 && cp <= 0xDFFF);
                    out.writeBytes(new String(Character.toChars(cp)).getBytes(UTF_8));
                }
                case 2 -> out.write(0x80 + random.nextInt(0x80)); // a high byte: lead, continuation or never valid
                case 3 -> out.write(0xE0 + random.nextInt(0x20)); // a 3- or 4-byte lead or invalid
                default -> out.writeBytes(new byte[] {(byte) (0xC0 + random.nextInt(0x40)),
                        (byte) (0x80 + random.nextInt(0x40))});
            }
        }
        byte[] b = out.toByteArray();
        if (b.length > 0 && random.nextInt(4) == 0) {
            b = java.util.Arrays.copyOf(b, b.length - 1); // often cuts a sequence short
        }
        return b;
    }

    private static int jdkFirstInvalid(CharsetDecoder decoder, byte[] b) {
        decoder.reset();
        ByteBuffer in = ByteBuffer.wrap(b);
        CharBuffer out = CharBuffer.allocate(2 * b.length + 2);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            return in.position();
        }
        return in.hasRemaining() ? in.position() : -1;
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
