package io.eventpipeline.api;

import io.eventpipeline.security.ApiKey;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.Scope;
import io.javalin.http.Context;
import java.util.Optional;

/**
 * Checks the {@code Authorization: Bearer} key of every request to a protected route. A missing or unknown key
 * is a 401 and a key without the route's scope a 403; neither says whether a key exists, and the key is never
 * logged. Failures are counted like every answer, by route and status ({@code http_requests}). Without
 * configured keys every route is open (the service then listens on loopback only, see {@code Access}).
 */
final class Authenticator {
    static final String KEY_ATTRIBUTE = "pipeline.apiKey";
    /** The protected route template a request asked for, set before the key is checked. */
    static final String ROUTE_ATTRIBUTE = "pipeline.protectedRoute";

    private final ApiKeys keys;
    private final boolean metricsNeedKey;

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
        ctx.attribute(ROUTE_ATTRIBUTE, routeOf(ctx.path()));
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw unauthorized("an API key is required: send Authorization: Bearer <key>");
        }
        Optional<ApiKey> key = keys.find(header.substring(7).strip());
        if (key.isEmpty()) {
            throw unauthorized("the API key is not valid");
        }
        if (!key.get().allows(scope.get())) {
            throw new ApiError(403, "this API key may not " + (scope.get() == Scope.WRITE ? "write" : "read")
                    + " events");
        }
        ctx.attribute(KEY_ATTRIBUTE, key.get());
    }

    /** The route template of a protected path: the set of metric labels stays bounded. */
    private static String routeOf(String path) {
        if (path.equals("/events") || path.equals("/events/batch") || path.equals("/metrics")) {
            return path;
        }
        return path.startsWith("/events/") ? "/events/{id}" : RequestLog.UNMATCHED;
    }

    private static ApiError unauthorized(String message) {
        return new ApiError(401, message).header("WWW-Authenticate", "Bearer realm=\"event-pipeline\"");
    }
}
