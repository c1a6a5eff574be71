package io.eventpipeline.event;

/**
 * The one encoding a request body may have: UTF-8 (RFC 8259 §8.1), with or without a byte order mark.
 *
 * <p>Jackson guesses an encoding from the first bytes of its input: a UTF-16 or UTF-32 byte order mark, or the
 * zero bytes that UTF-16 and UTF-32 put beside every ASCII character. A body guessed that way would be read as
 * characters, not bytes, and its {@code data} could not be kept as the bytes it came in. Every such guess needs a
 * byte 0xFE, 0xFF or 0x00; the first two are never UTF-8, and the third never appears in JSON text encoded as
 * UTF-8 (U+0000 must be escaped inside a string and is allowed nowhere else). So a body that passes this check is
 * read as UTF-8 whatever its first bytes look like.
 */
public final class BodyEncoding {
    private BodyEncoding() {
    }

    /** Throws unless {@code body} is strict UTF-8 without a zero byte; a leading UTF-8 byte order mark is allowed. */
    public static void requireUtf8(byte[] body) throws MalformedBodyException {
        int bad = Utf8.firstInvalid(body, 0, body.length);
        if (bad >= 0) {
            throw new MalformedBodyException("the body is not valid UTF-8 (first bad byte at offset " + bad + ")"
                    + byteOrderMark(body));
        }
        for (int i = 0; i < body.length; i++) {
            if (body[i] == 0) {
                throw new MalformedBodyException("the body has a zero byte at offset " + i + ", which JSON encoded "
                        + "as UTF-8 never has (UTF-16 and UTF-32 have them): send JSON encoded as UTF-8, and U+0000 "
                        + "inside a string as the escape \\u0000");
            }
        }
    }

    private static String byteOrderMark(byte[] b) {
        if (b.length >= 4 && b[0] == 0 && b[1] == 0 && b[2] == (byte) 0xFE && b[3] == (byte) 0xFF
                || b.length >= 4 && b[0] == (byte) 0xFF && b[1] == (byte) 0xFE && b[2] == 0 && b[3] == 0) {
            return "; it starts with a UTF-32 byte order mark";
        }
        if (b.length >= 2 && (b[0] == (byte) 0xFE && b[1] == (byte) 0xFF
                || b[0] == (byte) 0xFF && b[1] == (byte) 0xFE)) {
            return "; it starts with a UTF-16 byte order mark";
        }
        return "";
    }
}
