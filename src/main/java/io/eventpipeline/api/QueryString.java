package io.eventpipeline.api;

import io.eventpipeline.errors.Messages;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw query string decoded strictly: a bad percent escape or bytes that are not UTF-8 are a 400. (Javalin's own
 * parsing passes over a parameter it cannot decode, which for a filter would silently widen the query.)
 */
final class QueryString {
    private QueryString() {
    }

    /** Each parameter's values in order; a name without "=" has the value "". */
    static Map<String, List<String>> parse(String raw) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value;
            try {
                value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            } catch (ApiError e) {
                throw e.with("field", name); // the parameter whose value is badly escaped
            }
            params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        return params;
    }

    private static String decode(String s) {
        if (s.indexOf('%') < 0 && s.indexOf('+') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                bytes.write(' ');
            } else if (c == '%') {
                int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
                int lo = hi < 0 ? -1 : Character.digit(s.charAt(i + 2), 16);
                if (lo < 0) {
                    throw ApiError.badRequest("the query string has a bad percent escape at '"
                            + Messages.abbreviate(s.substring(i, Math.min(s.length(), i + 3)))
                            + "': write % as %25");
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else {
                int cp = s.codePointAt(i);
                bytes.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badRequest("the query string is not UTF-8 once percent-decoded");
        }
    }
}
