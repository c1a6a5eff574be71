package io.eventpipeline.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web origins whose pages may post to the browser routes ({@code --cors-origins}): each entry is an origin as a
 * browser sends it in the {@code Origin} header (scheme, host and port when not the scheme's default, no path:
 * {@code https://shop.example.com}, {@code http://localhost:3000}; RFC 6454 §6.1), an origin whose host starts with
 * {@code *.} for every subdomain of that host ({@code https://*.example.com}, not {@code https://example.com}
 * itself), or {@code *} for any origin. Hosts compare without regard to case, as RFC 6454 §4 lower-cases them.
 *
 * @param entries the entries as configured, lower-cased; empty when no page may post
 */
public record CorsOrigins(List<String> entries) {
    /** scheme://host[:port] with nothing after it; the host may start with "*." */
    private static final Pattern ORIGIN = Pattern.compile("(https?)://(\\*\\.)?([a-z0-9.\\-]+|\\[[0-9a-f:.]+\\])"
            + "(:[0-9]{1,5})?");

    public CorsOrigins {
        entries = List.copyOf(entries);
    }

    /** No origin: the browser routes take requests without an {@code Origin} header only. */
    public static CorsOrigins none() {
        return new CorsOrigins(List.of());
    }

    /**
     * Parses {@code --cors-origins}: entries separated by commas, blanks ignored.
     *
     * @throws IllegalArgumentException for an entry that is no origin (a path, a trailing slash, another scheme),
     *                                  naming it and the form expected
     */
    public static CorsOrigins parse(String commaSeparated) {
        if (commaSeparated == null) {
            return none();
        }
        List<String> entries = new ArrayList<>();
        for (String raw : commaSeparated.split(",")) {
            String entry = raw.strip().toLowerCase(Locale.ROOT);
            if (entry.isEmpty()) {
                continue;
            }
            entries.add(entry.equals("*") ? entry : origin(entry, raw.strip()));
        }
        return new CorsOrigins(entries);
    }

    /**
     * One entry, checked and written as the browser writes an origin: a default port is left out (a browser sends
     * {@code https://shop.example.com}, never {@code https://shop.example.com:443}).
     */
    private static String origin(String entry, String given) {
        Matcher m = ORIGIN.matcher(entry);
        if (!m.matches()) {
            boolean ascii = given.chars().allMatch(c -> c < 128);
            throw new IllegalArgumentException("--cors-origins: '" + given + "' is not an origin: write "
                    + "scheme://host[:port] as the browser sends it in the Origin header, with no path and no "
                    + "trailing slash (https://shop.example.com, http://localhost:3000), https://*.example.com for "
                    + "its subdomains, or * for any origin" + (ascii ? "" : "; write an international domain name "
                    + "in its xn-- (punycode) form, as browsers send it"));
        }
        String scheme = m.group(1);
        String host = m.group(3);
        String port = m.group(4) == null ? null : m.group(4).substring(1);
        if (port != null && (port.startsWith("0") || Integer.parseInt(port) > 65535)) {
            throw new IllegalArgumentException("--cors-origins: '" + given + "' has no valid port (1-65535, no "
                    + "leading zero)");
        }
        if (m.group(2) != null && (host.startsWith("[") || host.matches("[0-9.]+")
                || !host.contains(".") && !host.equals("localhost"))) {
            throw new IllegalArgumentException("--cors-origins: '" + given + "': a * stands for the subdomains of a "
                    + "domain name of at least two labels (https://*.example.com) or of localhost, not of an "
                    + "address or a top-level domain");
        }
        boolean defaultPort = port != null && (scheme.equals("https") && port.equals("443")
                || scheme.equals("http") && port.equals("80"));
        return scheme + "://" + (m.group(2) == null ? "" : "*.") + host + (port == null || defaultPort ? ""
                : ":" + port);
    }

    /** Whether any origin is configured: without one, no page of another origin may post. */
    public boolean any() {
        return !entries.isEmpty();
    }

    /**
     * Whether a page of {@code origin} (the request's {@code Origin} header, verbatim) may post. The opaque origin
     * {@code null} (a sandboxed frame, a {@code file:} page) is allowed by {@code *} only.
     */
    public boolean allows(String origin) {
        if (origin == null) {
            return false;
        }
        String o = origin.strip().toLowerCase(Locale.ROOT);
        for (String entry : entries) {
            if (entry.equals("*") || entry.equals(o)) {
                return true;
            }
            int star = entry.indexOf("://*.");
            if (star > 0) {
                // https://*.example.com matches https://a.example.com and https://a.b.example.com, same port.
                String scheme = entry.substring(0, star + 3);
                String suffix = entry.substring(star + 4);
                if (o.startsWith(scheme) && o.endsWith(suffix) && o.length() > scheme.length() + suffix.length()
                        && !o.substring(scheme.length(), o.length() - suffix.length()).contains(":")) {
                    return true;
                }
            }
        }
        return false;
    }
}
