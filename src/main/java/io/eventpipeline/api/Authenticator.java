package io.eventpipeline.api;

import io.eventpipeline.security.ApiKey;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.Scope;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks the {@code Authorization: Bearer} key of every request to a protected route. A missing or unknown key
 * is a 401 and a key without the route's scope a 403; neither says whether a key exists. Without configured
 * keys every route is open (the service then listens on loopback only, see Main).
 */
final class Authenticator {
    static final String KEY_ATTRIBUTE = "pipeline.apiKey";

    private final ApiKeys keys;
    private final boolean metricsNeedKey;
    private final ConcurrentHashMap<String, LongAdder> failures = new ConcurrentHashMap<>();

    Authenticator(ApiKeys keys, boolean metricsNeedKey) {
        this.keys = keys;
        this.metricsNeedKey = metricsNeedKey;
    }

    /** The scope a route needs, or empty for open routes. */
    Optional<Scope> required(String method, String path) {
        if (path.equals("/health") || path.startsWith("/health/")) {
            return Optional.empty();
        }
        if (path.equals("/metrics")) {
            return metricsNeedKey ? Optional.of(Scope.READ) : Optional.empty();
        }
        if (path.equals("/events") || path.startsWith("/events/")) {
            return Optional.of(method.equals("POST") ? Scope.WRITE : Scope.READ);
        }
        return Optional.empty();
    }

    void check(Context ctx) {
        if (keys.isEmpty()) {
            return;
        }
        Optional<Scope> scope = required(ctx.method().name(), ctx.path());
        if (scope.isEmpty()) {
            return;
        }
        String route = ctx.method().name() + " " + routeOf(ctx.path());
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw unauthorized(route, "an API key is required: send Authorization: Bearer <key>");
        }
        Optional<ApiKey> key = keys.find(header.substring(7).strip());
        if (key.isEmpty()) {
            throw unauthorized(route, "the API key is not valid");
        }
        if (!key.get().allows(scope.get())) {
            failures.computeIfAbsent(route, r -> new LongAdder()).increment();
            throw new ApiError(403, "this API key may not " + (scope.get() == Scope.WRITE ? "write" : "read")
                    + " events");
        }
        ctx.attribute(KEY_ATTRIBUTE, key.get());
    }

    private ApiError unauthorized(String route, String message) {
        failures.computeIfAbsent(route, r -> new LongAdder()).increment();
        return new ApiError(401, message).header("WWW-Authenticate", "Bearer realm=\"event-pipeline\"");
    }

    /** Collapses ids so that the failure counters have a bounded set of routes. */
    private static String routeOf(String path) {
        return path.startsWith("/events/") && !path.equals("/events/batch") ? "/events/{id}" : path;
    }

    /** Failed authentications by route ("POST /events" → count), for the metrics. */
    ConcurrentHashMap<String, LongAdder> failures() {
        return failures;
    }
}
