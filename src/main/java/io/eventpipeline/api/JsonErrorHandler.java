package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.JsonFactories;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
        // Without a reason of its own, Jetty passes the exception's toString(): class names say nothing to a client.
        boolean plain = message == null || message.isBlank() || code >= 500
                || (cause != null && message.equals(cause.toString()));
        String text = plain ? HttpStatus.getMessage(code) : message;
        if (text.length() > 200) {
            text = text.substring(0, 200) + "...";
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", describe(status, text)));
        } catch (Exception e) {
            body = "{\"error\":\"bad request\"}".getBytes(StandardCharsets.UTF_8);
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Jetty's reason ("Illegal character OTEXT=0xd3") with what the client should do about it. */
    private static String describe(int status, String reason) {
        return switch (status) {
            case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431 ->
                    "the request headers are too large (" + reason + "): send smaller headers";
            case HttpStatus.URI_TOO_LONG_414 -> "the request URI is too long (" + reason + ")";
            case HttpStatus.BAD_REQUEST_400 -> "the request is malformed: " + reason;
            default -> reason;
        };
    }
}
