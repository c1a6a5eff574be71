package io.eventpipeline.readme;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request a {@code curl} command line sends, for the options the README's examples use: {@code -X}
 * (also {@code -XPOST}), {@code -H}, {@code -d}/{@code --data} (a POST, form-encoded unless a Content-Type is
 * given, as curl does), and {@code -i}/{@code -s}, which change only what curl prints. Any other option is refused,
 * so that an example cannot depend on one the test does not send.
 *
 * @param target the URL as written, e.g. {@code localhost:8080/events?limit=2}
 */
public record CurlRequest(String method, String target, Map<String, String> headers, String body) {
    /** @throws IllegalArgumentException on a command that is not curl, an unknown option or a missing URL */
    public static CurlRequest parse(List<String> words) {
        if (words.isEmpty() || !words.get(0).equals("curl")) {
            throw new IllegalArgumentException("not a curl command: " + words);
        }
        String method = null;
        String target = null;
        String body = null;
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < words.size(); i++) {
            String w = words.get(i);
            switch (w) {
                case "-X", "--request" -> method = argument(words, ++i, w);
                case "-H", "--header" -> {
                    String header = argument(words, ++i, w);
                    int colon = header.indexOf(':');
                    if (colon <= 0) {
                        throw new IllegalArgumentException("a header without a name: " + header);
                    }
                    headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
                }
                case "-d", "--data" -> body = argument(words, ++i, w);
                case "-i", "-s", "--include", "--silent" -> {
                    // what curl prints, not what it sends
                }
                default -> {
                    if (w.startsWith("-X") && w.length() > 2) {
                        method = w.substring(2);
                    } else if (w.startsWith("-")) {
                        throw new IllegalArgumentException("the examples' curl option " + w + " is not supported");
                    } else if (target != null) {
                        throw new IllegalArgumentException("two URLs: " + target + " and " + w);
                    } else {
                        target = w;
                    }
                }
            }
        }
        if (target == null) {
            throw new IllegalArgumentException("no URL in: " + String.join(" ", words));
        }
        if (body != null) {
            headers.putIfAbsent("Content-Type", "application/x-www-form-urlencoded");
        }
        return new CurlRequest(method != null ? method : body != null ? "POST" : "GET", target, headers, body);
    }

    private static String argument(List<String> words, int i, String option) {
        if (i >= words.size()) {
            throw new IllegalArgumentException(option + " without its value");
        }
        return words.get(i);
    }

    /** The path and query, without scheme, host and port. */
    public String pathAndQuery() {
        String t = target.replaceFirst("^https?://", "");
        int slash = t.indexOf('/');
        return slash < 0 ? "/" : t.substring(slash);
    }
}
