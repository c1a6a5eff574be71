package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.pipeline.Ingest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The errors Jetty answers by itself, before a request reaches the routes (a bad request line, a header too large,
 * bad chunked framing, a bad URI), as the same {@code {"error": "..."}} JSON body as every other error, whatever
 * the method or the Accept header; Jetty's default is an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final ObjectMapper JSON = JsonFactories.mapper();

    JsonErrorHandler() {
        setShowStacks(false);
        setShowCauses(false);
    }

    /** Every method gets a body: a client that sent PUT or garbage still needs to read what was wrong. */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
            Callback callback) {
        int status = code;
        if (code == HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505) {
            // Jetty answers an unknown HTTP version (HTTP/9.9) with 505; it is the client's error, and a 5xx would
            // tell monitoring that the server is failing.
            status = HttpStatus.BAD_REQUEST_400;
            response.setStatus(status);
        }
        if (code == HttpStatus.SERVICE_UNAVAILABLE_503) {
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
        }
        String text = describe(code, reason(code, message, cause), request);
        if (text.length() > 300) {
            text = text.substring(0, 300) + "...";
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", text));
        } catch (Exception e) {
            body = "{\"error\":\"bad request\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /**
     * Jetty's most specific reason: a generic "Bad Request" wraps the URI parser's own ("Bad URI % encoding") as
     * its cause. Without a reason of its own, Jetty passes the exception's toString(): class names say nothing to
     * a client, so then the status's phrase.
     */
    private static String reason(int code, String message, Throwable cause) {
        Throwable inner = cause == null ? null : cause.getCause();
        if (inner != null && inner.getMessage() != null && !inner.getMessage().isBlank()
                && (message == null || message.equals(HttpStatus.getMessage(code)))) {
            return inner.getMessage();
        }
        boolean plain = message == null || message.isBlank() || code >= 500
                || (cause != null && message.equals(cause.toString()));
        return plain ? HttpStatus.getMessage(code) : message;
    }

    /** Jetty's reason ("Illegal character OTEXT=0xd3") in the product's words, with what the client can do. */
    private static String describe(int code, String reason, Request request) {
        int limit = request.getConnectionMetaData().getHttpConfiguration().getRequestHeaderSize();
        return switch (code) {
            case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431 -> "the request headers are too large: the request "
                    + "line and headers may take at most " + limit + " bytes";
            case HttpStatus.URI_TOO_LONG_414 -> "the request URI is too long: the request line and headers may take "
                    + "at most " + limit + " bytes";
            case HttpStatus.HTTP_VERSION_NOT_SUPPORTED_505 -> "the request is malformed: unknown HTTP version; send "
                    + "HTTP/1.1 or HTTP/1.0";
            case HttpStatus.UPGRADE_REQUIRED_426 -> "HTTP/2 without TLS (h2c) is not served here: send HTTP/1.1";
            case HttpStatus.NOT_FOUND_404 -> "no such route: " + request.getMethod() + " "
                    + request.getHttpURI().getPath();
            case HttpStatus.BAD_REQUEST_400 -> "the request is malformed: " + badRequest(reason);
            // GracefulHandler's answer to a request that arrives while the listener closes, after the drain.
            case HttpStatus.SERVICE_UNAVAILABLE_503 -> request.getConnectionMetaData().getConnector().getServer()
                    .isStopping() ? Ingest.Refusal.DRAINING.message() : "the service cannot take requests now; retry";
            default -> reason;
        };
    }

    /** The URI parser's reasons, which a client can act on once they say where the fault is. */
    private static String badRequest(String reason) {
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.startsWith("!hex") || r.contains("% encoding")) {
            return "the URI has a bad percent escape (" + reason + "): write % as %25";
        }
        if (r.contains("utf-8")) {
            return "the URI is not UTF-8 once percent-decoded";
        }
        if (r.contains("illegal character in path") || r.contains("illegal path character")) {
            return "the URI path has a character that must be percent-encoded, or one no path may hold (" + reason
                    + ")";
        }
        if (r.startsWith("illegal character")) {
            return "the request line or a header holds a character HTTP does not allow there (" + reason + ")";
        }
        if (r.equals("no host")) {
            return "no Host header (HTTP/1.1 requires one)";
        }
        if (r.equals("bad uri") || r.contains("bad uri path") || r.contains("authority")) {
            return "the request target is not a path of this service, such as /events (" + reason + ")";
        }
        return reason;
    }
}
