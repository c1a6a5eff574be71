package io.eventpipeline.event;

/**
 * Finds where a JSON value ends by counting brackets outside strings, with no parser and no memory per level: the
 * way past a value too deep for the parser. It does not check the value, which is refused anyway.
 */
public final class RawJson {
    private RawJson() {
    }

    /** The offset just past the value starting at {@code from}, or -1 when the body ends before the value does. */
    public static int endOfValue(byte[] b, int from) {
        int depth = 0;
        boolean inString = false;
        for (int i = from; i < b.length; i++) {
            byte c = b[i];
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                    if (depth == 0) {
                        return i + 1;
                    }
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    if (depth == 0) {
                        return i; // a scalar ends at its container's end
                    }
                    if (--depth == 0) {
                        return i + 1;
                    }
                }
                case ',', ' ', '\t', '\n', '\r' -> {
                    if (depth == 0 && i > from) {
                        return i;
                    }
                }
                default -> {
                }
            }
        }
        return depth == 0 && !inString ? b.length : -1;
    }
}
