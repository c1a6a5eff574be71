package io.eventpipeline.readme;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An answer as the README shows it under a request: {@code # <status> <JSON body>}, the body continued on
 * {@code #}-lines, then {@code #   Header-Name: value} lines. The body may abbreviate (see {@link JsonShape}).
 *
 * @param body the shown JSON, already parsed, or empty when only a status is shown
 * @param headers header name to the shown value, in which {@code …} stands for any text
 */
public record ShownResponse(int status, Optional<JsonNode> body, Map<String, String> headers) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STATUS = Pattern.compile("#\\s*(\\d{3})(?:\\s+(.*))?");
    private static final Pattern HEADER = Pattern.compile("#\\s+([A-Za-z][A-Za-z0-9-]*):\\s+(.*)");

    /** True for the first line of a shown answer: {@code # 202 …}. */
    public static boolean startsAt(String line) {
        return STATUS.matcher(line.strip()).matches();
    }

    /** True for a line that continues a shown answer: a comment line that is not itself a new answer. */
    public static boolean continues(String line) {
        String s = line.strip();
        return s.startsWith("#") && !startsAt(s) && s.length() > 1 && Character.isWhitespace(s.charAt(1));
    }

    /** @throws IllegalArgumentException when the lines are not a status, JSON and headers */
    public static ShownResponse parse(List<String> lines) {
        var m = STATUS.matcher(lines.get(0).strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a shown answer: " + lines.get(0));
        }
        StringBuilder body = new StringBuilder(m.group(2) == null ? "" : m.group(2));
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(lines.subList(1, lines.size()));
        for (String line : rest) {
            var h = HEADER.matcher(line.strip());
            if (h.matches()) {
                headers.put(h.group(1), h.group(2).strip());
            } else if (!headers.isEmpty()) {
                throw new IllegalArgumentException("body text after the headers: " + line);
            } else {
                body.append(line.strip().substring(1).strip());
            }
        }
        if (body.isEmpty()) {
            return new ShownResponse(Integer.parseInt(m.group(1)), Optional.empty(), headers);
        }
        try {
            return new ShownResponse(Integer.parseInt(m.group(1)),
                    Optional.of(JSON.readTree(JsonShape.expand(body.toString()))), headers);
        } catch (Exception e) {
            throw new IllegalArgumentException("the shown body is not JSON (" + e.getMessage() + "): " + body, e);
        }
    }
}
