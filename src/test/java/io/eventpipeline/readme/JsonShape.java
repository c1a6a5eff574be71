package io.eventpipeline.readme;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Compares an answer with the one the README shows, where the README abbreviates what changes from run to run:
 * <ul>
 *   <li>{@code {…}} is any object, and an object ending in {@code ,…}} may hold more keys than it shows; any other
 *       object must have exactly the keys shown;</li>
 *   <li>a string with {@code …} in it is any string; a UUID is any UUID; a time such as
 *       {@code 2024-05-01T12:30:01.052Z} is any time written the same way;</li>
 *   <li>an {@code error} is any string, since its wording is the service's to improve;</li>
 *   <li>the numbers under {@code latency_ms}, {@code batch_size} and {@code eps}, and {@code uptime_seconds},
 *       are measurements: any number;</li>
 *   <li>every other value must be equal (so a default such as {@code max_bytes} or a count is checked).</li>
 * </ul>
 */
public final class JsonShape {
    static final String ANY_OBJECT = "{…}";
    static final String MORE_KEYS = "…";
    private static final Set<String> MEASURED_OBJECTS = Set.of("latency_ms", "batch_size", "eps");
    private static final Set<String> MEASURED_FIELDS = Set.of("uptime_seconds");
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");

    private JsonShape() {}

    /** The README's abbreviations as JSON: {@code {…}} becomes a marker string, a final {@code ,…}} a marker key. */
    static String expand(String shown) {
        return shown.replace("{…}", "\"" + ANY_OBJECT + "\"").replaceAll(",\\s*…\\s*}", ",\"" + MORE_KEYS + "\":0}");
    }

    /** Where {@code actual} differs from {@code shown}, one line per difference (JSON pointer and why); empty if none. */
    public static List<String> differences(JsonNode shown, JsonNode actual) {
        List<String> out = new ArrayList<>();
        compare("", shown, actual, false, out);
        return out;
    }

    private static void compare(String path, JsonNode shown, JsonNode actual, boolean measured, List<String> out) {
        String at = path.isEmpty() ? "/" : path;
        if (shown.isTextual() && shown.asText().equals(ANY_OBJECT)) {
            if (!actual.isObject()) {
                out.add(at + ": an object was shown, the answer has " + actual);
            }
        } else if (shown.isObject()) {
            compareObjects(path, shown, actual, measured, out);
        } else if (shown.isArray()) {
            if (!actual.isArray() || actual.size() != shown.size()) {
                out.add(at + ": " + shown.size() + " elements were shown, the answer has " + actual);
                return;
            }
            for (int i = 0; i < shown.size(); i++) {
                compare(path + "/" + i, shown.get(i), actual.get(i), measured, out);
            }
        } else if (shown.isNumber() && (measured || MEASURED_FIELDS.contains(lastKey(path)))) {
            if (!actual.isNumber()) {
                out.add(at + ": a number was shown, the answer has " + actual);
            }
        } else if (shown.isTextual()) {
            compareStrings(at, shown.asText(), actual, lastKey(path).equals("error"), out);
        } else if (shown.isNumber()) {
            if (!actual.isNumber() || actual.decimalValue().compareTo(shown.decimalValue()) != 0) {
                out.add(at + ": " + shown + " was shown, the answer has " + actual);
            }
        } else if (!shown.equals(actual)) {
            out.add(at + ": " + shown + " was shown, the answer has " + actual);
        }
    }

    private static void compareObjects(String path, JsonNode shown, JsonNode actual, boolean measured,
            List<String> out) {
        String at = path.isEmpty() ? "/" : path;
        if (!actual.isObject()) {
            out.add(at + ": an object was shown, the answer has " + actual);
            return;
        }
        Set<String> shownKeys = keys(shown);
        boolean more = shownKeys.remove(MORE_KEYS);
        Set<String> actualKeys = keys(actual);
        Set<String> missing = new TreeSet<>(shownKeys);
        missing.removeAll(actualKeys);
        Set<String> extra = new TreeSet<>(actualKeys);
        extra.removeAll(shownKeys);
        if (!missing.isEmpty()) {
            out.add(at + ": the answer lacks the keys " + missing + " shown");
        }
        if (!more && !extra.isEmpty()) {
            out.add(at + ": the answer has keys " + extra + " that are not shown (end the object with ,…} if "
                    + "they are left out on purpose)");
        }
        for (String key : shownKeys) {
            if (actual.has(key)) {
                compare(path + "/" + key, shown.get(key), actual.get(key),
                        measured || MEASURED_OBJECTS.contains(key), out);
            }
        }
    }

    private static void compareStrings(String at, String shown, JsonNode actual, boolean error, List<String> out) {
        if (!actual.isTextual()) {
            out.add(at + ": a string was shown, the answer has " + actual);
            return;
        }
        String value = actual.asText();
        boolean matches;
        if (error || shown.contains("…")) {
            matches = true;
        } else if (UUID.matcher(shown).matches()) {
            matches = UUID.matcher(value).matches();
        } else if (TIME.matcher(shown).matches()) {
            matches = TIME.matcher(value).matches();
        } else {
            matches = shown.equals(value);
        }
        if (!matches) {
            out.add(at + ": \"" + shown + "\" was shown, the answer has \"" + value + "\"");
        }
    }

    private static Set<String> keys(JsonNode object) {
        Set<String> keys = new TreeSet<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    private static String lastKey(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
