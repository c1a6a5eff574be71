package io.eventpipeline.api;

import java.util.LinkedHashMap;
import java.util.Map;

/** A failed request, as the status and JSON body the client gets; mapped to HTTP in one place ({@link HttpApi}). */
public final class ApiError extends RuntimeException {
    private final int status;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    public static ApiError tooLarge(String message) {
        return new ApiError(413, message);
    }

    public static ApiError unsupportedMediaType(String message) {
        return new ApiError(415, message);
    }

    /** 503 with Retry-After: the client should come back, nothing was accepted. */
    public static ApiError unavailable(String message, int retryAfterSeconds) {
        return new ApiError(503, message).header("Retry-After", Integer.toString(retryAfterSeconds));
    }

    public ApiError with(String key, Object value) {
        extra.put(key, value);
        return this;
    }

    public ApiError header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The JSON body: always an "error" in words, then any detail fields. */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", getMessage());
        body.putAll(extra);
        return body;
    }
}
