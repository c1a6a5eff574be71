package io.eventpipeline.api;

import io.eventpipeline.config.Units;
import io.eventpipeline.errors.Messages;
import io.javalin.http.Context;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads a request body as bytes, checking what it claims before reading and never holding more than the limit:
 * JSON content types only, gzip or identity encoding, and the size limit applied after inflating.
 */
final class BodyReader {
    /** The most an error answer reads and throws away of a body it refused; see {@link #discardUnread}. */
    static final long DISCARD_LIMIT = 32L << 20;

    private BodyReader() {
    }

    /**
     * Reads and throws away what is left of the request body, up to {@link #DISCARD_LIMIT}, after an error was
     * answered. A server that answers early (413 on the declared length, 415 before reading) and closes with the
     * client's bytes still unread makes its TCP stack send a reset, which can destroy the answer before the client
     * reads it (RFC 9112 §9.6): the client sees "connection reset" or an empty reply instead of the 413. Reading
     * the rest lets the answer arrive and the connection live on. Past the limit, or when the client waits for a
     * 100 Continue before sending, it is cheaper to let Jetty close the connection.
     */
    static void discardUnread(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > DISCARD_LIMIT || "100-continue".equalsIgnoreCase(ctx.header("Expect"))) {
            return;
        }
        byte[] buf = new byte[16 * 1024];
        long read = 0;
        try {
            InputStream in = ctx.req().getInputStream();
            int n;
            while (read <= DISCARD_LIMIT && (n = in.read(buf)) >= 0) {
                read += n;
            }
        } catch (IOException | RuntimeException e) {
            // The body is broken or the client is gone: Jetty closes the connection, nothing more to save.
        }
    }

    /**
     * The body, read as JSON.
     *
     * @param anyType read it as JSON whatever its Content-Type names (a {@code charset} other than UTF-8 is still
     *                refused): the Segment routes do, as Segment's and RudderStack's servers do, since clients of
     *                that API send JSON under other types (RudderStack's Node SDK: a gzipped JSON body as
     *                {@code application/x-www-form-urlencoded}, which its HTTP client sets for a byte buffer)
     */
    static byte[] readJson(Context ctx, long limit, String limitFlag, boolean anyType) {
        if (anyType) {
            String contentType = ctx.header("Content-Type");
            if (contentType != null) {
                requireUtf8Charset(contentType);
            }
        } else {
            requireJson(ctx.header("Content-Type"));
        }
        return read(ctx, limit, limitFlag);
    }

    /**
     * The body as bytes, whatever its Content-Type (the caller checked it): gzip or identity, and at most
     * {@code limit} bytes once inflated.
     */
    static byte[] read(Context ctx, long limit, String limitFlag) {
        boolean gzip = encoding(ctx.header("Content-Encoding"));
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw ApiError.tooLarge("the body is " + declared + " bytes, over the limit of " + Units.formatSize(limit)
                    + " (" + limitFlag + ")").with("limit_bytes", limit);
        }
        try {
            InputStream in = ctx.req().getInputStream();
            if (gzip) {
                in = new GZIPInputStream(in, 8192);
            }
            return readAtMost(in, limit, declared, limitFlag, gzip);
        } catch (ZipException e) {
            // zlib's own words ("invalid stored block lengths") tell a client nothing it can act on.
            throw ApiError.badRequest("the body is not valid gzip data, though Content-Encoding says gzip: send it "
                    + "compressed whole with gzip, or without Content-Encoding");
        } catch (EOFException e) {
            throw ApiError.badRequest(gzip ? "the gzip body is truncated" : "the body ended early");
        } catch (IOException e) {
            if (stalled(e)) {
                // A slow network is not a bad request: 408 tells the client to send it again (RFC 9110 §15.5.9).
                throw new ApiError(408, "the body stopped arriving: nothing came for longer than the server waits "
                        + "(--idle-timeout); send the request again");
            }
            throw ApiError.badRequest("the body could not be read: " + Messages.rootMessage(e));
        }
    }

    private static byte[] readAtMost(InputStream in, long limit, long declared, String limitFlag, boolean gzip)
            throws IOException {
        if (declared > 0 && !gzip) {
            return readDeclared(in, (int) declared);
        }
        int initial = (int) Math.min(limit + 1, 16 * 1024);
        byte[] buf = new byte[Math.max(initial, 256)];
        int n = 0;
        while (true) {
            if (n == buf.length) {
                if (n > limit) {
                    break;
                }
                buf = Arrays.copyOf(buf, (int) Math.min(limit + 1, (long) buf.length * 2));
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        if (n > limit) {
            throw ApiError.tooLarge("the body is over the limit of " + Units.formatSize(limit) + " (" + limitFlag
                    + ")" + (gzip ? " once inflated" : "")).with("limit_bytes", limit);
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    /**
     * A body of a declared length (already checked against the limit), read into one array of that size: no
     * growing and no final copy. HTTP/1.1 framing ends it there; fewer bytes mean the client stopped early.
     */
    private static byte[] readDeclared(InputStream in, int declared) throws IOException {
        byte[] buf = new byte[declared];
        int n = in.readNBytes(buf, 0, declared);
        if (n < declared) {
            throw new EOFException("the body ended after " + n + " of its " + declared + " declared bytes");
        }
        return buf;
    }

    /**
     * Whether a Content-Type names newline-delimited JSON, whatever its parameters: {@code application/x-ndjson},
     * the name log shippers use, or {@code application/ndjson}.
     */
    static boolean isNdjson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = mediaType(contentType);
        return type.equals("application/x-ndjson") || type.equals("application/ndjson");
    }

    /** The media type of a Content-Type, lower case, without its parameters. */
    static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    private static void requireJson(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            throw ApiError.unsupportedMediaType("Content-Type is missing: send the body as application/json");
        }
        String type = mediaType(contentType);
        if (!type.equals("application/json") && !(type.startsWith("application/") && type.endsWith("+json"))) {
            throw ApiError.unsupportedMediaType("Content-Type '" + Messages.abbreviate(contentType)
                    + "' is not JSON: send the body as application/json");
        }
        requireUtf8Charset(contentType);
    }

    /**
     * JSON exchanged between systems is UTF-8 (RFC 8259 §8.1), and application/json defines no charset parameter;
     * a client that names one other than UTF-8 says its body is in that charset, which the service does not read.
     * Refusing it as a 415 names the problem, where reading the bytes as UTF-8 would answer a puzzling 400.
     */
    private static void requireUtf8Charset(String contentType) {
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq < 0 || !parts[i].substring(0, eq).strip().equalsIgnoreCase("charset")) {
                continue;
            }
            String charset = parts[i].substring(eq + 1).strip();
            if (charset.length() >= 2 && charset.startsWith("\"") && charset.endsWith("\"")) {
                charset = charset.substring(1, charset.length() - 1);
            }
            if (!namesUtf8(charset)) {
                throw ApiError.unsupportedMediaType("the charset '" + Messages.abbreviate(charset)
                        + "' of the Content-Type is not supported: send the body as UTF-8 (charset=utf-8, or no "
                        + "charset)")
                        .with("charset", Messages.abbreviate(charset));
            }
        }
    }

    /** UTF-8 by its name or an alias the JDK's charset registry knows for it ({@code utf8}, as MySQL spells it). */
    private static boolean namesUtf8(String charset) {
        try {
            return Charset.forName(charset).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) { // an illegal or unsupported name
            return false;
        }
    }

    /** True for gzip, false for none or identity; anything else is refused. */
    private static boolean encoding(String contentEncoding) {
        if (contentEncoding == null) {
            return false;
        }
        String e = contentEncoding.strip().toLowerCase(Locale.ROOT);
        if (e.isEmpty() || e.equals("identity")) {
            return false;
        }
        if (e.equals("gzip") || e.equals("x-gzip")) {
            return true;
        }
        throw ApiError.unsupportedMediaType("Content-Encoding '" + Messages.abbreviate(contentEncoding)
                + "' is not supported: send gzip or no encoding");
    }

    /** True when reading stopped because the client sent nothing for the idle timeout (Jetty's TimeoutException). */
    private static boolean stalled(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return true;
            }
        }
        return false;
    }
}
