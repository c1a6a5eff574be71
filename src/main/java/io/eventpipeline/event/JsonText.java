package io.eventpipeline.event;

/** Checks on raw JSON text that the parser passes over when it skips a value without decoding it. */
final class JsonText {
    private JsonText() {
    }

    /**
     * The offset of the first {@code \\uD800}–{@code \\uDFFF} escape that is not half of a surrogate pair, or -1.
     * The range must be valid JSON, so every backslash in it starts an escape inside a string.
     */
    static int firstUnpairedSurrogateEscape(byte[] b, int from, int to) {
        int pendingHigh = -1;
        int i = from;
        while (i < to) {
            if (b[i] != '\\') {
                if (pendingHigh >= 0) {
                    return pendingHigh;
                }
                i++;
                continue;
            }
            if (b[i + 1] != 'u') {
                if (pendingHigh >= 0) {
                    return pendingHigh;
                }
                i += 2;
                continue;
            }
            int unit = hex4(b, i + 2);
            boolean high = unit >= 0xD800 && unit <= 0xDBFF;
            boolean low = unit >= 0xDC00 && unit <= 0xDFFF;
            if (pendingHigh >= 0) {
                if (!low) {
                    return pendingHigh;
                }
                pendingHigh = -1;
            } else if (low) {
                return i;
            } else if (high) {
                pendingHigh = i;
            }
            i += 6;
        }
        return pendingHigh;
    }

    private static int hex4(byte[] b, int at) {
        int v = 0;
        for (int k = 0; k < 4; k++) {
            v = (v << 4) | Character.digit(b[at + k], 16);
        }
        return v;
    }
}
