package io.eventpipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Generators of hostile requests for POST /events and POST /events/batch, and for the Segment routes
 * ({@code /v1/batch}, {@code /v1/track}, …), each drawn from a seeded Random so a
 * failing case can be replayed from its seed. A case says which statuses it may get; an empty set means "anything
 * but a 5xx" for the cases whose outcome depends on what the mutation hit.
 */
final class HostileRequests {
    private HostileRequests() {
    }

    static final String SINGLE = "/events";
    static final String BATCH = "/events/batch";
    static final String JSON = "application/json";

    sealed interface Case {
        String generator();

        /** The statuses this case may get; empty: any status below 500. */
        Set<Integer> allowed();
    }

    /** A well-formed HTTP request, sent with java.net.http. A null header is not sent. */
    record Http(String generator, String method, String path, String contentType, String contentEncoding,
            String accept, byte[] body, Set<Integer> allowed) implements Case {
        @Override
        public String toString() {
            return generator + " " + method + " " + path + " type=" + contentType + " encoding=" + contentEncoding
                    + " accept=" + accept + " body(" + body.length + ")=" + preview(body);
        }
    }

    /** Raw bytes on a socket; {@code finish} half-closes after them, so the server sees where the client stopped. */
    record Raw(String generator, byte[] request, boolean finish, Set<Integer> allowed) implements Case {
        @Override
        public String toString() {
            return generator + " raw(" + request.length + ")=" + preview(request);
        }
    }

    private record Gen(String name, int weight, Function<Random, Case> draw) {
    }

    private static final List<Gen> GENERATORS = List.of(
            new Gen("valid", 6, HostileRequests::valid),
            new Gen("mutated-json", 20, HostileRequests::mutated),
            new Gen("truncated", 8, HostileRequests::truncated),
            new Gen("random-bytes", 6, HostileRequests::randomBytes),
            new Gen("wrong-content-type", 5, HostileRequests::wrongContentType),
            new Gen("unknown-encoding", 4, HostileRequests::unknownEncoding),
            new Gen("gzip-valid", 4, HostileRequests::gzipValid),
            new Gen("gzip-corrupt", 5, HostileRequests::gzipCorrupt),
            new Gen("gzip-bomb", 1, r -> http("gzip-bomb", path(r), JSON, "gzip", gzipBomb(), 413)),
            new Gen("huge-number", 3, HostileRequests::hugeNumber),
            new Gen("unstorable-number", 3, HostileRequests::unstorableNumber),
            new Gen("deep-nesting", 3, HostileRequests::deepNesting),
            new Gen("invalid-utf8", 5, HostileRequests::invalidUtf8),
            new Gen("lone-surrogate", 5, HostileRequests::loneSurrogate),
            new Gen("ten-mib", 1, HostileRequests::tenMiB),
            new Gen("duplicate-keys", 4, HostileRequests::duplicateKeys),
            new Gen("huge-string", 2, HostileRequests::hugeString),
            new Gen("raw-control-chars", 4, HostileRequests::rawControlChars),
            new Gen("escaped-control-chars", 3, HostileRequests::escapedControlChars),
            new Gen("nul-bytes", 4, HostileRequests::nulBytes),
            new Gen("batch-shapes", 6, HostileRequests::batchShapes),
            new Gen("edge-values", 6, HostileRequests::edgeValues),
            new Gen("wrong-method-or-path", 4, HostileRequests::wrongMethodOrPath),
            new Gen("raw-lying-length", 4, HostileRequests::lyingContentLength),
            new Gen("raw-bad-chunked", 4, HostileRequests::badChunked),
            new Gen("raw-garbage", 4, HostileRequests::garbageRequest),
            new Gen("raw-huge-headers", 2, HostileRequests::hugeHeaders),
            new Gen("raw-bad-uri", 3, HostileRequests::badUri),
            new Gen("raw-bad-headers", 4, HostileRequests::badHeaders),
            new Gen("raw-pipelined", 2, HostileRequests::pipelined),
            new Gen("segment-valid", 4, HostileRequests::segmentValid),
            new Gen("segment-mutated", 10, HostileRequests::segmentMutated),
            new Gen("segment-truncated", 3, HostileRequests::segmentTruncated),
            new Gen("segment-bad-message", 6, HostileRequests::segmentBadMessage),
            new Gen("segment-gzip", 2, HostileRequests::segmentGzip));

    private static final int TOTAL_WEIGHT = GENERATORS.stream().mapToInt(Gen::weight).sum();

    /** One case, drawn with each generator's weight. */
    static Case draw(Random r) {
        int pick = r.nextInt(TOTAL_WEIGHT);
        for (Gen g : GENERATORS) {
            pick -= g.weight();
            if (pick < 0) {
                return g.draw().apply(r);
            }
        }
        throw new AssertionError("unreachable");
    }

    // ---- HTTP cases ------------------------------------------------------------------------------------------

    private static Case valid(Random r) {
        String path = path(r);
        return http("valid", path, contentType(r), null, utf8(body(r, path, validEvent(r))), 202);
    }

    private static Case mutated(Random r) {
        String path = path(r);
        byte[] b = utf8(body(r, path, validEvent(r)));
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            b = mutate(r, b);
        }
        return http("mutated-json", path, contentType(r), null, b);
    }

    private static Case truncated(Random r) {
        String path = path(r);
        byte[] b = utf8(body(r, path, validEvent(r)));
        return http("truncated", path, JSON, null, Arrays.copyOf(b, r.nextInt(b.length)), 400);
    }

    private static Case randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(r.nextBoolean() ? 16 : 8192)];
        r.nextBytes(b);
        return http("random-bytes", path(r), JSON, null, b, 400);
    }

    private static Case wrongContentType(Random r) {
        String[] types = {null, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/xml", "text/json", "application/jsonx", "application/x-json", "application", "json",
                "*/*", "application/*", ";", "application/json+", "image/png", "application/octet-stream",
                "text/html; charset=utf-8", "jso\u00f1", "application/json\u0000"};
        String type = types[r.nextInt(types.length)];
        if (type != null && type.chars().anyMatch(c -> c > 0x7e || c < 0x20)) {
            type = "text/x-" + token(r, 1, 10); // java.net.http refuses control chars; raw cases cover them
        }
        String path = path(r);
        return http("wrong-content-type", path, type, null, utf8(body(r, path, validEvent(r))), 415);
    }

    private static Case unknownEncoding(Random r) {
        String[] encodings = {"br", "deflate", "compress", "zstd", "gzip, br", "gzip,gzip", "gzip2", "*", "identity, gzip",
                "chunked", "x-compress", "gz", "identity;q=0"};
        String path = path(r);
        byte[] body = utf8(body(r, path, validEvent(r)));
        return http("unknown-encoding", path, JSON, encodings[r.nextInt(encodings.length)],
                r.nextBoolean() ? body : gzip(body), 415);
    }

    private static Case gzipValid(Random r) {
        String path = path(r);
        String[] names = {"gzip", "GZIP", "x-gzip", " gzip "};
        return http("gzip-valid", path, JSON, names[r.nextInt(names.length)], gzip(utf8(body(r, path, validEvent(r)))),
                202);
    }

    private static Case gzipCorrupt(Random r) {
        String path = path(r);
        byte[] plain = utf8(body(r, path, validEvent(r)));
        byte[] z = gzip(plain);
        byte[] body = switch (r.nextInt(6)) {
            case 0 -> plain; // claims gzip, is not
            case 1 -> Arrays.copyOf(z, r.nextInt(z.length)); // truncated
            case 2 -> { // a flipped byte in the deflate data or the trailer (checked by the CRC and size)
                byte[] c = z.clone();
                int at = 10 + r.nextInt(c.length - 10);
                c[at] ^= (byte) (1 + r.nextInt(255));
                yield c;
            }
            case 3 -> { // a bad magic number
                byte[] c = z.clone();
                c[r.nextInt(2)] ^= (byte) (1 + r.nextInt(255));
                yield c;
            }
            case 4 -> gzip(utf8("{\"type\":\"a\",\"source\":")); // valid gzip of invalid JSON
            default -> new byte[0];
        };
        return http("gzip-corrupt", path, JSON, "gzip", body, 400);
    }

    private static Case hugeNumber(Random r) {
        String digits = "9".repeat(100_000);
        String number = switch (r.nextInt(5)) {
            case 0 -> "1" + digits;
            case 1 -> "-0." + digits;
            case 2 -> "1e" + digits;
            case 3 -> "1." + digits + "e-" + digits;
            default -> "-" + digits;
        };
        String path = path(r);
        int form = r.nextInt(4);
        String body = switch (form) {
            case 0 -> body(r, path, "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"n\":" + number + "}}");
            case 1 -> body(r, path, "{\"type\":" + number + ",\"source\":\"s\",\"data\":{}}");
            case 2 -> "{\"events\":[" + number + "]}";
            default -> number;
        };
        // In one event of a batch, a huge number is that event's error: the valid events around it are accepted.
        Integer[] allowed = form < 2 ? perEvent(path, 400, 413) : new Integer[] {400, 413};
        return http("huge-number", path, JSON, null, utf8(body), allowed);
    }

    /** Valid JSON numbers that no database column holds: past a double, or with an exponent past an int. */
    private static Case unstorableNumber(Random r) {
        String[] numbers = {"1e400", "-1.7976931348623159e308", "0e99999940464354", "1e-2147483649", "9".repeat(400),
                "-238736905241e99999940464354"};
        String n = numbers[r.nextInt(numbers.length)];
        String data = r.nextBoolean() ? "{\"n\":" + n + "}" : "{\"a\":[1,{\"b\":[" + n + "]}]}";
        String path = path(r);
        return http("unstorable-number", path, JSON, null,
                utf8(body(r, path, "{\"type\":\"t\",\"source\":\"s\",\"data\":" + data + "}")), perEvent(path, 400));
    }

    private static Case deepNesting(Random r) {
        int depth = 100_000;
        boolean arrays = r.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        boolean closed = r.nextInt(4) != 0;
        String nest = open.repeat(depth) + (arrays ? "" : "1") + (closed ? close.repeat(depth) : "");
        String path = path(r);
        int form = r.nextInt(3);
        String body = switch (form) {
            case 0 -> nest;
            case 1 -> body(r, path, "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"x\":" + nest + "}}");
            default -> "{\"events\":[" + nest + "]}";
        };
        // Nesting too deep inside one event of a batch is that event's error, like any other rule.
        Integer[] allowed = form == 1 ? perEvent(path, 400) : new Integer[] {400};
        return http("deep-nesting", path, JSON, null, utf8(body), allowed);
    }

    private static Case invalidUtf8(Random r) {
        byte[][] bad = {{(byte) 0xC0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xE2, (byte) 0x82},
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
                {(byte) 0xFF}, {(byte) 0xFE, (byte) 0xFF}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, {(byte) 0xC3}};
        byte[] seq = bad[r.nextInt(bad.length)];
        String[] where = {"{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"a%sb\"}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k%s\":1}}", "{\"type\":\"t%s\",\"source\":\"s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"user_id\":\"u%s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{}}%s", "%s{\"type\":\"t\",\"source\":\"s\",\"data\":{}}"};
        String path = path(r);
        String[] parts = body(r, path, where[r.nextInt(where.length)]).split("%s", -1);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(utf8(parts[0]));
        b.writeBytes(seq);
        b.writeBytes(utf8(parts[1]));
        return http("invalid-utf8", path, JSON, null, b.toByteArray(), 400);
    }

    private static Case loneSurrogate(Random r) {
        String[] escapes = {"\\ud800", "\\udfff", "\\ud800\\u0041", "\\udc00\\ud800", "\\ud800\\ud800", "\\uDBFF",
                "x\\ud83d"};
        String s = escapes[r.nextInt(escapes.length)];
        String[] where = {"{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"%s\"}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"%s\":1}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":[{\"b\":\"%s\"}]}}",
                "{\"type\":\"t\",\"source\":\"s\",\"user_id\":\"%s\",\"data\":{}}",
                "{\"type\":\"%s\",\"source\":\"s\",\"data\":{}}", "{\"id\":\"%s\",\"type\":\"t\",\"source\":\"s\",\"data\":{}}"};
        String path = path(r);
        return http("lone-surrogate", path, JSON, null, utf8(body(r, path, where[r.nextInt(where.length)]
                .replace("%s", s))), perEvent(path, 400));
    }

    private static Case tenMiB(Random r) {
        String path = path(r);
        return switch (r.nextInt(3)) {
            case 0 -> http("ten-mib", path, JSON, null, tenMiBJson(), 413);
            case 1 -> http("ten-mib", path, JSON, "gzip", gzip(tenMiBJson()), 413);
            default -> http("ten-mib", path, JSON, null, tenMiBRandom(), 413);
        };
    }

    private static Case duplicateKeys(Random r) {
        String path = path(r);
        String[] shapes = {"{\"type\":\"t\",\"type\":\"u\",\"source\":\"s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{},\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":1,\"k\":2}}",
                "{\"id\":\"a\",\"id\":null,\"type\":\"t\",\"source\":\"s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":{\"x\":1,\"x\":{\"x\":2,\"x\":3}}}}"};
        String shape = shapes[r.nextInt(shapes.length)];
        String body = path.equals(BATCH) && r.nextInt(4) == 0 ? "{\"events\":[" + shape + "],\"events\":[]}"
                : body(r, path, shape);
        return http("duplicate-keys", path, JSON, null, utf8(body));
    }

    private static Case hugeString(Random r) {
        String big = "x".repeat(100_000 + r.nextInt(4 << 20));
        String[] where = {"{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"%s\"}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"%s\":1}}", "{\"type\":\"%s\",\"source\":\"s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"user_id\":\"%s\",\"data\":{}}",
                "{\"%s\":1,\"type\":\"t\",\"source\":\"s\",\"data\":{}}"};
        String path = path(r);
        return http("huge-string", path, JSON, null, utf8(body(r, path, where[r.nextInt(where.length)]
                .replace("%s", big))), perEvent(path, 400, 413));
    }

    private static Case rawControlChars(Random r) {
        char c = (char) r.nextInt(0x20);
        String[] where = {"{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"a%sb\"}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k%s\":1}}", "{\"type\":\"t%s\",\"source\":\"s\",\"data\":{}}",
                "{\"type\":\"t\",\"source\":\"s\",\"user_id\":\"%s\",\"data\":{}}"};
        String path = path(r);
        return http("raw-control-chars", path, JSON, null, utf8(body(r, path, where[r.nextInt(where.length)]
                .replace("%s", String.valueOf(c)))), 400);
    }

    private static Case escapedControlChars(Random r) {
        String esc = String.format("\\u%04x", r.nextInt(0x20)) + (r.nextBoolean() ? "\\u007f" : "\\b\\f\\n\\r\\t");
        String[] where = {"{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k\":\"a%sb\"}}",
                "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"k%s\":1}}",
                "{\"type\":\"t\",\"source\":\"s\",\"user_id\":\"%s\",\"data\":{}}"};
        String path = path(r);
        return http("escaped-control-chars", path, JSON, null, utf8(body(r, path, where[r.nextInt(where.length)]
                .replace("%s", esc))), 202);
    }

    private static Case nulBytes(Random r) {
        String path = path(r);
        byte[] b = utf8(body(r, path, validEvent(r)));
        int at = r.nextInt(b.length + 1);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at, out, at + 1, b.length - at);
        return http("nul-bytes", path, JSON, null, out, 400);
    }

    private static Case batchShapes(Random r) {
        String e = validEvent(r);
        return switch (r.nextInt(11)) {
            case 0 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[" + (e + ",").repeat(1000) + e + "]}"),
                    413);
            case 1 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":" + e + "}"), 400);
            case 2 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[]}"), 400);
            case 3 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[1,\"a\",null,[],true,{}]}"), 400);
            case 4 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[" + e + ",{\"type\":1}," + e + ",7]}"),
                    202);
            case 5 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[" + e + "],\"extra\":1}"), 400);
            case 6 -> http("batch-shapes", BATCH, JSON, null, utf8("[" + e + "]"), 400);
            case 7 -> http("batch-shapes", SINGLE, JSON, null, utf8("{\"events\":[" + e + "]}"), 400);
            case 8 -> http("batch-shapes", BATCH, JSON, null, utf8(e), 400);
            case 9 -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":null}"), 400);
            default -> http("batch-shapes", BATCH, JSON, null, utf8("{\"events\":[" + (e + ",").repeat(999) + e + "]}"),
                    202);
        };
    }

    /** Values at the edge of the contract: every 202 among them must also be storable. */
    private static Case edgeValues(Random r) {
        String[] fields = {"\"id\":\"" + "a".repeat(64) + "\"", "\"id\":\"" + "a".repeat(65) + "\"",
                "\"user_id\":\"" + "\uD83D\uDE00".repeat(128) + "\"", "\"user_id\":\"" + "\u00e9".repeat(128) + "\"",
                "\"user_id\":\"" + "u".repeat(129) + "\"", "\"user_id\":\"\\u0000\"", "\"user_id\":\"\"",
                "\"timestamp\":\"1000-01-01T00:00:00Z\"", "\"timestamp\":\"9999-12-31T23:59:59.999Z\"",
                "\"timestamp\":\"0999-12-31T23:59:59Z\"", "\"timestamp\":\"+999999999-12-31T23:59:59Z\"",
                "\"timestamp\":\"2024-02-30T00:00:00Z\"", "\"timestamp\":\"2024-06-30T23:59:60Z\"",
                "\"timestamp\":\"2024-01-01T00:00:00+18:00\"", "\"timestamp\":\"2024-01-01T00:00:00-18:00\"",
                "\"timestamp\":\"2024-01-01T00:00:00.123456789Z\"", "\"timestamp\":\"2024-01-01T00:00:00\"",
                "\"timestamp\":1700000000", "\"timestamp\":\"\"", "\"id\":null", "\"user_id\":null",
                "\"timestamp\":null"};
        String[] datas = {"{}", "{\"\":\"\"}", "{\"n\":1e400}", "{\"n\":-1e-400}", "{\"n\":-0}", "{\"n\":" + "9".repeat(999)
                + "}", "{\"s\":\"\\u0000\"}", "{\"a\":[]}", "{\"\\ud83d\\ude00\":\"\uD83D\uDE00\"}", "{\"k\":" + "[".repeat(60)
                + "]".repeat(60) + "}", "{\"k\":" + "[".repeat(63) + "]".repeat(63) + "}", "{\"t\":true,\"f\":false,\"z\":null}"};
        // Names at the edges of 1-255 characters, controls, blanks, format characters and lone surrogates.
        String[] names = {"\"" + "\uD83D\uDE00".repeat(255) + "\"", "\"" + "\uD83D\uDE00".repeat(256) + "\"",
                "\"" + "\u00e9".repeat(255) + "\"", "\"" + "n".repeat(256) + "\"", "\"Order Completed\"", "\"$pageview\"",
                "\"\u6ce8\u6587 \u5b8c\u4e86\"", "\"\uD83D\uDC69\u200D\uD83D\uDCBB\"", "\" \"", "\"\u3000\"",
                "\"\\u200b\"", "\"a\\u0000\"", "\"a\u0085\"", "\"a\\u007f\"", "\"a\\tb\"", "\"\\ud800\"", "\"\"",
                "\" trailing \"", "\"\\ufeffbom\""};
        String event = r.nextInt(3) == 0
                ? "{\"type\":" + names[r.nextInt(names.length)] + ",\"source\":" + names[r.nextInt(names.length)]
                        + ",\"data\":{}}"
                : "{\"type\":\"t\",\"source\":\"s\"," + fields[r.nextInt(fields.length)] + ",\"data\":"
                        + datas[r.nextInt(datas.length)] + "}";
        String path = path(r);
        return http("edge-values", path, JSON, null, utf8(body(r, path, event)));
    }

    /** Other methods and paths, with an Accept header that asks for anything but JSON: errors are JSON still. */
    private static Case wrongMethodOrPath(Random r) {
        String[] methods = {"PUT", "DELETE", "PATCH", "OPTIONS", "GET", "TRACE", "FOO", "POST"};
        String[] paths = {SINGLE, BATCH, "/", "/nope", "/events/", "/EVENTS", "/events/batch/x", "/health/..",
                "/events?batch=1", "/metrics"};
        String[] accepts = {null, "text/html", "text/plain", "*/*", "application/xml", "image/*;q=0.1"};
        String method = methods[r.nextInt(methods.length)];
        String path = paths[r.nextInt(paths.length)];
        if (method.equals("POST") && (path.startsWith(SINGLE) && !path.startsWith("/events/"))) {
            path = "/nope"; // POST /events is what every other generator sends
        }
        byte[] body = r.nextBoolean() ? utf8(validEvent(r)) : new byte[0];
        return new Http("wrong-method-or-path", method, path, JSON, null, accepts[r.nextInt(accepts.length)], body,
                Set.of());
    }

    // ---- raw socket cases ------------------------------------------------------------------------------------

    private static String head(String path, String... headers) {
        StringBuilder b = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) {
            b.append(h).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    private static Case lyingContentLength(Random r) {
        String path = path(r);
        byte[] body = utf8(body(r, path, validEvent(r)));
        boolean longer = r.nextBoolean();
        long claimed = longer ? body.length + 1 + r.nextInt(r.nextBoolean() ? 10 : 100_000) : r.nextInt(body.length);
        String conn = r.nextBoolean() ? "Connection: close" : "X-Keep: alive";
        byte[] req = concat(latin1(head(path, "Content-Type: application/json", "Content-Length: " + claimed, conn)),
                body);
        return new Raw("raw-lying-length", req, true, Set.of());
    }

    private static Case badChunked(Random r) {
        String path = path(r);
        String body = body(r, path, validEvent(r));
        String chunks = switch (r.nextInt(10)) {
            case 0 -> "zz\r\n" + body + "\r\n0\r\n\r\n"; // not hex
            case 1 -> Integer.toHexString(body.length()) + "\r\n" + body + "0\r\n\r\n"; // no CRLF after the data
            case 2 -> "FFFFFFFFFFFFFFFFFFFF\r\n" + body + "\r\n0\r\n\r\n"; // size overflow
            case 3 -> Integer.toHexString(body.length() + 50) + "\r\n" + body + "\r\n0\r\n\r\n"; // size lies
            case 4 -> Integer.toHexString(body.length()) + ";" + "x".repeat(20_000) + "\r\n" + body + "\r\n0\r\n\r\n";
            case 5 -> Integer.toHexString(body.length()) + "\r\n" + body + "\r\n"; // no last chunk
            case 6 -> "-1\r\n" + body + "\r\n0\r\n\r\n";
            case 7 -> Integer.toHexString(body.length()) + "\n" + body + "\n0\n\n"; // bare LF
            case 8 -> Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\nX-Trailer: " + "y".repeat(20_000)
                    + "\r\n\r\n";
            default -> " " + Integer.toHexString(body.length()) + " \r\n" + body + "\r\n0\r\n\r\n";
        };
        String[] framing = {"Transfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nContent-Length: 5",
                "Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked, chunked", "Transfer-Encoding: xchunked",
                "Transfer-Encoding: chunked"};
        String te = framing[r.nextInt(framing.length)];
        return new Raw("raw-bad-chunked", latin1(head(path, "Content-Type: application/json", te) + chunks), true,
                Set.of());
    }

    private static Case garbageRequest(Random r) {
        byte[] req = switch (r.nextInt(10)) {
            case 0 -> {
                byte[] b = new byte[1 + r.nextInt(2000)];
                r.nextBytes(b);
                yield b;
            }
            case 1 -> latin1("GET\r\n\r\n");
            case 2 -> latin1("POST /events HTTP/9.9\r\nHost: x\r\n\r\n");
            case 3 -> latin1("POST /events HTTP/1.1 extra\r\nHost: x\r\n\r\n");
            case 4 -> latin1("P\u00d3ST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
            case 5 -> latin1("POST  /events  HTTP/1.1\r\nHost: x\r\n\r\n");
            case 6 -> latin1("\r\n\r\n\r\nPOST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
            case 7 -> latin1("POST /events http/1.1\r\nHost: x\r\n\r\n");
            case 8 -> latin1("POST /events HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: 2\n\n{}");
            default -> latin1("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        };
        return new Raw("raw-garbage", req, true, Set.of());
    }

    private static Case hugeHeaders(Random r) {
        String big = switch (r.nextInt(3)) {
            case 0 -> "X-Big: " + "a".repeat(9_000 + r.nextInt(64_000));
            case 1 -> ("X-Many: b\r\n").repeat(2_000 + r.nextInt(3_000)).strip();
            default -> "Cookie: " + "c=d; ".repeat(5_000);
        };
        byte[] req = concat(latin1(head(SINGLE, "Content-Type: application/json", "Content-Length: 2", big)),
                latin1("{}"));
        return new Raw("raw-huge-headers", req, true, Set.of(431, 400, 413));
    }

    private static Case badUri(Random r) {
        String[] uris = {"/events%", "/events%zz", "/events%00", "/%2e%2e/%2e%2e/etc/passwd", "/events/..%2f..%2f",
                "/\u00ff\u00fe", "//events", "/events?" + "q=1&".repeat(3_000), "/" + "e".repeat(20_000), "*",
                "http://evil.example/events", "/events#frag", "/events;jsessionid=1", "/events/%2e%2e/events/batch",
                "events", "/events\\..\\x", "/%C0%AF"};
        String uri = uris[r.nextInt(uris.length)];
        byte[] req = latin1("POST " + uri + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 2\r\n\r\n{}");
        return new Raw("raw-bad-uri", req, true, Set.of());
    }

    private static Case badHeaders(Random r) {
        String body = "{\"type\":\"t\",\"source\":\"s\",\"data\":{}}";
        String[] variants = {"Content-Length: -1", "Content-Length: abc", "Content-Length: 99999999999999999999",
                "Content-Length: 2\r\nContent-Length: 40", "Content-Length: " + body.length() + ", 2",
                "Content-Length : " + body.length(), "X-No-Colon", " X-Leading-Space: 1", "X-Fold: a\r\n folded",
                "X-Nul: a\u0000b", "X-\u00e9: 1", "Content-Type: application/json\u0000", "Content-Type: \u00ff",
                "Content-Encoding: \u0001", "Host: a\r\nHost: b", "Expect: 100-continue", "Expect: 200-ok",
                "Content-Length: +" + body.length(), "Transfer-Encoding: identity"};
        String v = variants[r.nextInt(variants.length)];
        boolean hasLength = v.startsWith("Content-Length") || v.startsWith("Transfer-Encoding");
        String head = "POST " + path(r) + " HTTP/1.1\r\nHost: x\r\n"
                + (v.startsWith("Content-Type") ? "" : "Content-Type: application/json\r\n")
                + (hasLength ? "" : "Content-Length: " + body.length() + "\r\n") + v + "\r\n\r\n";
        return new Raw("raw-bad-headers", concat(latin1(head), utf8(body)), true, Set.of());
    }

    private static Case pipelined(Random r) {
        byte[] a = utf8(validEvent(r));
        byte[] b = utf8(validEvent(r));
        byte[] req = concat(latin1(head(SINGLE, "Content-Type: application/json", "Content-Length: " + a.length)), a,
                latin1(head(SINGLE, "Content-Type: application/json", "Content-Length: " + b.length)), b);
        return new Raw("raw-pipelined", req, true, Set.of(202));
    }

    // ---- building blocks -------------------------------------------------------------------------------------

    // ---- the Segment routes ------------------------------------------------------------------------------------

    private static final String[] SEGMENT_CALLS = {"track", "identify", "page", "screen", "group", "alias"};
    private static final String[] SEGMENT_NAMES = {"Order Completed", "$pageview", "\u6ce8\u6587 \u5b8c\u4e86",
            "\uD83D\uDC69\u200D\uD83D\uDCBB Signed Up", "a"};

    /** A batch route or a single call's route, with a body of valid messages for it. */
    private record SegmentRequest(String path, String body) {
    }

    private static SegmentRequest segmentRequest(Random r, String message) {
        if (r.nextInt(4) == 0) {
            String call = SEGMENT_CALLS[r.nextInt(SEGMENT_CALLS.length)];
            return new SegmentRequest("/v1/" + call, message != null ? message : segmentMessage(r, call, false));
        }
        StringBuilder b = new StringBuilder("{\"batch\":[");
        int before = r.nextInt(3);
        for (int i = 0; i < before; i++) {
            b.append(segmentMessage(r, SEGMENT_CALLS[r.nextInt(SEGMENT_CALLS.length)], true)).append(',');
        }
        b.append(message != null ? message : segmentMessage(r, SEGMENT_CALLS[r.nextInt(SEGMENT_CALLS.length)], true));
        b.append("]");
        if (r.nextBoolean()) {
            b.append(",\"sentAt\":\"2024-05-01T12:00:00.000Z\",\"context\":").append(object(r, 2));
        }
        return new SegmentRequest(r.nextInt(4) == 0 ? "/v1/import" : "/v1/batch", b.append('}').toString());
    }

    /** A valid message of {@code call}, its members in a random order; with {@code typed}, it names its call. */
    static String segmentMessage(Random r, String call, boolean typed) {
        List<String> fields = new ArrayList<>();
        if (typed) {
            fields.add("\"type\":\"" + call + "\"");
        }
        if (call.equals("track")) {
            fields.add("\"event\":" + jsonString(r, SEGMENT_NAMES[r.nextInt(SEGMENT_NAMES.length)]));
        }
        boolean user = r.nextBoolean();
        if (user || r.nextBoolean()) {
            fields.add("\"userId\":" + jsonString(r, text(r, 1, 100)));
        }
        if (!user || r.nextBoolean()) {
            fields.add("\"anonymousId\":\"" + token(r, 1, 64) + "\"");
        }
        if (r.nextInt(4) > 0) {
            fields.add("\"messageId\":" + (r.nextBoolean() ? "\"" + token(r, 1, 64) + "\""
                    : jsonString(r, text(r, 1, 200))));
        }
        if (r.nextBoolean()) {
            fields.add("\"timestamp\":\"" + Instant.ofEpochMilli(r.nextLong(0, 4_102_444_800_000L)) + "\"");
        }
        fields.add("\"" + (call.equals("identify") || call.equals("group") ? "traits" : "properties") + "\":"
                + object(r, 3));
        java.util.Collections.shuffle(fields, r);
        return "{" + String.join(",", fields) + "}";
    }

    private static Case segmentValid(Random r) {
        SegmentRequest q = segmentRequest(r, null);
        return http("segment-valid", q.path(), contentType(r), null, utf8(q.body()), 200);
    }

    private static Case segmentMutated(Random r) {
        SegmentRequest q = segmentRequest(r, null);
        byte[] b = utf8(q.body());
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            b = mutate(r, b);
        }
        return http("segment-mutated", q.path(), JSON, null, b);
    }

    private static Case segmentTruncated(Random r) {
        SegmentRequest q = segmentRequest(r, null);
        byte[] b = utf8(q.body());
        return http("segment-truncated", q.path(), JSON, null, Arrays.copyOf(b, r.nextInt(b.length)), 400);
    }

    /**
     * A message that breaks a rule: in a batch it goes to the dead letter and the batch is a 200; alone on a
     * call's route it is a 400 (or a 413 over the size limit). A body nested deeper than the batch parser goes is
     * a 400 whole.
     */
    private static Case segmentBadMessage(Random r) {
        String call = SEGMENT_CALLS[r.nextInt(SEGMENT_CALLS.length)];
        String[] bad = {
            "{\"type\":\"" + call + "\"}",
            "{\"type\":\"" + token(r, 1, 20) + "x\",\"userId\":\"u\"}",
            "{\"type\":\"track\",\"userId\":\"u\",\"event\":" + jsonString(r, "a\u0001b") + "}",
            "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"" + "e".repeat(256) + "\"}",
            "{\"type\":\"" + call + "\",\"userId\":\"" + "u".repeat(129 + r.nextInt(1000)) + "\",\"event\":\"e\"}",
            "{\"type\":\"" + call + "\",\"userId\":{},\"event\":\"e\"}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"timestamp\":\"" + text(r, 0, 30)
                    .replace("\\", "").replace("\"", "") + "!\"}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"properties\":"
                    + "[".repeat(32 + r.nextInt(900)) + "]".repeat(0) + "}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"s\":\""
                    + "x".repeat(33_000 + r.nextInt(100_000)) + "\"}}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"s\":\"\\udc00\"}}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"n\":1e999}}",
            "{\"type\":\"" + call + "\",\"userId\":\"u\",\"event\":\"e\",\"userId\":\"v\"}",
            jsonString(r, text(r, 0, 20)), "[]", "null", "17",
        };
        int pick = r.nextInt(bad.length);
        String message = bad[pick];
        if (pick == 7) { // close the arrays the text opened
            int open = (int) message.chars().filter(c -> c == '[').count();
            message = message.substring(0, message.length() - 1) + "]".repeat(open) + "}";
        }
        SegmentRequest q = segmentRequest(r, message);
        boolean batch = q.path().equals("/v1/batch") || q.path().equals("/v1/import");
        if (!batch) {
            return http("segment-bad-message", q.path(), JSON, null, utf8(q.body()), 400, 413);
        }
        return http("segment-bad-message", q.path(), JSON, null, utf8(q.body()), 200, 400);
    }

    private static Case segmentGzip(Random r) {
        SegmentRequest q = segmentRequest(r, null);
        return http("segment-gzip", q.path(), JSON, "gzip", gzip(utf8(q.body())), 200);
    }

    private static Http http(String generator, String path, String type, String encoding, byte[] body,
            Integer... allowed) {
        return new Http(generator, "POST", path, type, encoding, null, body, Set.of(allowed));
    }

    /** An invalid event in a batch is reported by index: with the valid ones around it, the batch is a 202. */
    private static Integer[] perEvent(String path, Integer... statuses) {
        if (path.equals(SINGLE)) {
            return statuses;
        }
        Integer[] withAccepted = Arrays.copyOf(statuses, statuses.length + 1);
        withAccepted[statuses.length] = 202;
        return withAccepted;
    }

    private static String path(Random r) {
        return r.nextBoolean() ? SINGLE : BATCH;
    }

    private static String contentType(Random r) {
        String[] types = {JSON, JSON, JSON, "application/json; charset=utf-8", "APPLICATION/JSON",
                "application/cloudevents+json", " application/json ;x=y"};
        return types[r.nextInt(types.length)];
    }

    /** The event itself for /events, or a batch of it and a few more valid events for /events/batch. */
    private static String body(Random r, String path, String event) {
        if (path.equals(SINGLE)) {
            return event;
        }
        StringBuilder b = new StringBuilder("{\"events\":[");
        int before = r.nextInt(3);
        for (int i = 0; i < before; i++) {
            b.append(validEvent(r)).append(',');
        }
        return b.append(event).append("]}").toString();
    }

    /** A valid event with random fields in a random order, and a random small data object. */
    static String validEvent(Random r) {
        List<String> fields = new ArrayList<>();
        if (r.nextBoolean()) {
            fields.add("\"id\":\"" + token(r, 1, 64) + "\"");
        }
        fields.add("\"type\":\"" + token(r, 1, 64) + "\"");
        fields.add("\"source\":\"" + token(r, 1, 64) + "\"");
        if (r.nextBoolean()) {
            fields.add("\"user_id\":" + jsonString(r, text(r, 1, 100)));
        }
        if (r.nextBoolean()) {
            Instant t = Instant.ofEpochMilli(r.nextLong(0, 4_102_444_800_000L));
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(r.nextInt(-14 * 60, 14 * 60 + 1) * 60);
            fields.add("\"timestamp\":\"" + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atOffset(offset)) + "\"");
        }
        fields.add("\"data\":" + object(r, 3));
        java.util.Collections.shuffle(fields, r);
        return "{" + String.join(",", fields) + "}";
    }

    /** A valid data object: names unique within it, as intake requires. */
    private static String object(Random r, int depth) {
        int n = r.nextInt(depth > 0 ? 5 : 2);
        StringBuilder b = new StringBuilder("{");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String name = text(r, 0, 12);
            if (!names.add(name)) {
                continue;
            }
            b.append(names.size() > 1 ? "," : "").append(jsonString(r, name)).append(':').append(value(r, depth - 1));
        }
        return b.append('}').toString();
    }

    private static String value(Random r, int depth) {
        return switch (r.nextInt(depth > 0 ? 8 : 6)) {
            case 0 -> jsonString(r, text(r, 0, 30));
            case 1 -> Long.toString(r.nextLong());
            case 2 -> Double.toString(r.nextGaussian() * Math.pow(10, r.nextInt(-20, 20)));
            case 3 -> r.nextBoolean() ? "true" : "false";
            case 4 -> "null";
            case 5 -> Integer.toString(r.nextInt(1000));
            case 6 -> object(r, depth);
            default -> {
                StringBuilder b = new StringBuilder("[");
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    b.append(i > 0 ? "," : "").append(value(r, depth - 1));
                }
                yield b.append(']').toString();
            }
        };
    }

    static String token(Random r, int min, int max) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";
        int n = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    /** Random text of whole code points: ASCII, accents, CJK, emoji (never a lone surrogate). */
    private static String text(Random r, int min, int max) {
        int n = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int cp = switch (r.nextInt(6)) {
                case 0, 1, 2 -> 0x20 + r.nextInt(0x5f);
                case 3 -> 0xa0 + r.nextInt(0x2000 - 0xa0);
                case 4 -> 0x4e00 + r.nextInt(0x5000);
                default -> 0x1f300 + r.nextInt(0x300);
            };
            b.appendCodePoint(cp);
        }
        return b.toString();
    }

    /** A JSON string literal; escapes what must be, and sometimes what may be (a pair as two escapes, never half). */
    private static String jsonString(Random r, String s) {
        StringBuilder b = new StringBuilder("\"");
        s.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp < 0x20 || r.nextInt(20) == 0) {
                for (char c : Character.toChars(cp)) {
                    b.append(String.format("\\u%04x", (int) c));
                }
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append('"').toString();
    }

    private static final String[] TOKENS = {"{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "null", "-",
            "1e999999", "NaN", "Infinity", "-Infinity", "0x1F", "01", "1.", ".5", "'", "/*", "//", "\u0000", "\u0007",
            "\u00e9", "\uFEFF", "true", "\"events\"", "\"data\"", "\"type\"", "{}", "[]", "\"\":"};

    /** One random edit: flip, insert a token, delete or duplicate a range, or swap a structural character. */
    private static byte[] mutate(Random r, byte[] b) {
        if (b.length == 0) {
            return utf8(TOKENS[r.nextInt(TOKENS.length)]);
        }
        int at = r.nextInt(b.length);
        return switch (r.nextInt(6)) {
            case 0 -> {
                byte[] c = b.clone();
                c[at] = (byte) r.nextInt(256);
                yield c;
            }
            case 1 -> concat(Arrays.copyOf(b, at), utf8(TOKENS[r.nextInt(TOKENS.length)]),
                    Arrays.copyOfRange(b, at, b.length));
            case 2 -> concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, Math.min(b.length, at + 1 + r.nextInt(20)),
                    b.length));
            case 3 -> {
                int end = Math.min(b.length, at + 1 + r.nextInt(40));
                yield concat(Arrays.copyOf(b, end), Arrays.copyOfRange(b, at, b.length));
            }
            case 4 -> {
                byte[] c = b.clone();
                byte[] structural = utf8("{}[]:,\"");
                c[at] = structural[r.nextInt(structural.length)];
                yield c;
            }
            default -> {
                String s = new String(b, StandardCharsets.UTF_8);
                String[][] swaps = {{"\"type\"", "\"Type\""}, {"\"user_id\"", "\"userId\""}, {"\"data\"", "\"payload\""},
                        {"\"source\"", "\"source \""}, {"\"events\"", "\"event\""}, {"\"data\":{", "\"data\":["},
                        {"\"data\":", "\"data\":null,\"x\":"}, {"}", "},"}};
                String[] swap = swaps[r.nextInt(swaps.length)];
                yield utf8(s.replaceFirst(java.util.regex.Pattern.quote(swap[0]),
                        java.util.regex.Matcher.quoteReplacement(swap[1])));
            }
        };
    }

    // ---- big bodies, built once ------------------------------------------------------------------------------

    private static byte[] tenMiBJson;
    private static byte[] tenMiBRandom;
    private static byte[] gzipBomb;

    static synchronized byte[] tenMiBJson() {
        if (tenMiBJson == null) {
            tenMiBJson = utf8("{\"type\":\"t\",\"source\":\"s\",\"data\":{\"x\":\"" + "a".repeat(10 << 20) + "\"}}");
        }
        return tenMiBJson;
    }

    private static synchronized byte[] tenMiBRandom() {
        if (tenMiBRandom == null) {
            tenMiBRandom = new byte[10 << 20];
            new Random(1).nextBytes(tenMiBRandom);
        }
        return tenMiBRandom;
    }

    /**
     * 1 GiB of zeros in about 1 MiB: 64 gzip members of 16 MiB each, which GZIPInputStream reads as one stream.
     * A server that inflated it all before checking the limit would hold a gigabyte per request.
     */
    static synchronized byte[] gzipBomb() {
        if (gzipBomb == null) {
            byte[] member = gzip(new byte[16 << 20]);
            ByteArrayOutputStream b = new ByteArrayOutputStream(member.length * 64);
            for (int i = 0; i < 64; i++) {
                b.writeBytes(member);
            }
            gzipBomb = b.toByteArray();
        }
        return gzipBomb;
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(b, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            z.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static String preview(byte[] b) {
        int n = Math.min(b.length, 160);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xFF;
            s.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s + (b.length > n ? "...(" + (b.length - n) + " more)" : "");
    }
}
