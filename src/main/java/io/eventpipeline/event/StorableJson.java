package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import io.eventpipeline.errors.Messages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks, while skipping it, that a {@code data} object is one every supported database stores and gives back
 * equal: what intake accepts must never be refused by the database after its 202. The rules are the intersection
 * of MySQL 8, MariaDB 10.6+ and H2 (each measured or documented in README):
 * <ul>
 * <li>nesting: at most {@link #MAX_DEPTH} levels, {@code data}'s own object being level 1. MariaDB's
 * {@code JSON_VALID} refuses a document of 32 levels (MySQL allows 100, H2 has no limit);</li>
 * <li>numbers: see {@link JsonNumbers};</li>
 * <li>member names: at most {@link #MAX_NAME_BYTES} bytes of UTF-8, MySQL's binary JSON limit, and no name twice
 * in one object: MySQL keeps the last of the duplicates, MariaDB and H2 keep all of them, so readers would
 * disagree about the value.</li>
 * </ul>
 * Strings need no rule here: all three keep any valid escape, {@code \u0000} included (lone surrogates are refused
 * by {@link Surrogates}).
 */
public final class StorableJson {
    /** The deepest {@code data} may nest, counting its own object as level 1. */
    public static final int MAX_DEPTH = 31;
    static final int MAX_NAME_BYTES = 65_535;

    private StorableJson() {
    }

    /**
     * What breaks a rule first, and whether the parser was left inside the value.
     *
     * @param stoppedInside true when the walk stopped at the depth limit without reading the rest of the value
     */
    public record Violation(String error, boolean stoppedInside) {
    }

    /**
     * Moves past the object whose start token is current, like {@link JsonParser#skipChildren()}, and returns the
     * first rule it breaks, or null. At the depth limit it stops at once (the parser inside the value), so that no
     * parser goes deeper than the limit on behalf of a value that is refused anyway.
     */
    public static Violation skipChecking(JsonParser p) throws IOException {
        // Where data is (its parent's pointer, ".../data") is worked out only for a message.
        JsonStreamContext base = p.getParsingContext().getParent();
        List<Set<String>> names = new ArrayList<>();
        String first = null;
        int depth = 1;
        names.add(null);
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return first == null ? null : new Violation(first, false); // the caller reports the early end
            }
            switch (t) {
                case START_OBJECT, START_ARRAY -> {
                    depth++;
                    if (depth > MAX_DEPTH) {
                        return new Violation(first != null ? first : "is nested more than " + MAX_DEPTH
                                + " levels deep" + where(p, base) + " (data's own object is level 1): a database "
                                + "refuses deeper documents", true);
                    }
                    if (names.size() < depth) {
                        names.add(null);
                    } else if (names.get(depth - 1) != null) {
                        names.get(depth - 1).clear();
                    }
                }
                case END_OBJECT, END_ARRAY -> depth--;
                case FIELD_NAME -> {
                    if (first == null) {
                        first = nameProblem(p, names, depth, base);
                    }
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    boolean integer = t == JsonToken.VALUE_NUMBER_INT;
                    // The path is built only for a number that is refused: every other number costs no lookup.
                    if (first == null && JsonNumbers.problem(p.getText(), integer, "") != null) {
                        first = JsonNumbers.problem(p.getText(), integer, where(p, base));
                    }
                }
                default -> {
                }
            }
        }
        return first == null ? null : new Violation(first, false);
    }

    private static String nameProblem(JsonParser p, List<Set<String>> names, int depth, JsonStreamContext base)
            throws IOException {
        String name = p.currentName();
        int bytes = name.length() <= MAX_NAME_BYTES / 3 ? name.length()
                : name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            return "has a member name of " + bytes + " bytes" + where(p, base) + ", over the limit of "
                    + MAX_NAME_BYTES + " bytes of UTF-8";
        }
        Set<String> seen = names.get(depth - 1);
        if (seen == null) {
            seen = new HashSet<>();
            names.set(depth - 1, seen);
        }
        if (!seen.add(name)) {
            return "has the member name '" + Messages.abbreviate(name) + "' twice in one object" + where(p, base)
                    + ": databases disagree on which value to keep";
        }
        return null;
    }

    /** " (at /a/0/b)": where in data, as a JSON Pointer (RFC 6901) from data's own object. */
    private static String where(JsonParser p, JsonStreamContext base) {
        String prefix = base == null ? "" : base.pathAsPointer().toString();
        String path = p.getParsingContext().pathAsPointer().toString();
        path = path.startsWith(prefix) ? path.substring(prefix.length()) : path;
        return path.isEmpty() ? "" : " (at " + Messages.abbreviate(path) + ")";
    }
}
