package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Skips a JSON value while checking that every number in it can be stored. MySQL keeps a JSON number as a double
 * and refuses one beyond its range ({@code 1e400}); H2 refuses an exponent past the range of an int. JSON itself
 * has no limit, so without this check such an event would be accepted with a 202 and then dead-lettered.
 */
final class JsonNumbers {
    /** Far beyond any double (about 1e±308), far inside what H2's decimal scale can hold. */
    private static final int MAX_EXPONENT_DIGITS = 4;

    private JsonNumbers() {
    }

    /**
     * Moves past the object or array whose start token is current, like {@link JsonParser#skipChildren()}, and
     * returns the text of the first number that cannot be stored, or null.
     */
    static String skipChildrenFindingUnstorable(JsonParser p) throws IOException {
        String bad = null;
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return bad; // the body ends early: the caller's next read reports it
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> depth++;
                case END_OBJECT, END_ARRAY -> depth--;
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    if (bad == null && !storable(p, t)) {
                        bad = p.getText();
                    }
                }
                default -> {
                }
            }
        }
        return bad;
    }

    private static boolean storable(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getTextLength() <= 18) {
            return true; // fits a long
        }
        String text = p.getText();
        int e = Math.max(text.indexOf('e'), text.indexOf('E'));
        if (e >= 0) {
            int digits = text.length() - e - 1;
            if (digits > 0 && (text.charAt(e + 1) == '-' || text.charAt(e + 1) == '+')) {
                digits--;
            }
            if (digits > MAX_EXPONENT_DIGITS) {
                return false;
            }
        }
        return Double.isFinite(Double.parseDouble(text));
    }
}
