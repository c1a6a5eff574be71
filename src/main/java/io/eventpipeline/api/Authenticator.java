package io.eventpipeline.api;

import io.eventpipeline.security.ApiKey;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.Scope;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Checks the key of every request to a protected route: {@code Authorization: Bearer <key>}, or HTTP Basic with
 * the key as the user name (RFC 7617), which is how the Segment and RudderStack SDKs send their write key (with an
 * empty password; a key sent as the password with an empty user name is taken too). A missing or unknown key
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
        if (path.startsWith(SegmentRoutes.PREFIX)) {
            return Optional.of(Scope.WRITE);
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
        boolean segment = ctx.path().startsWith(SegmentRoutes.PREFIX);
        String secret = secret(ctx.header("Authorization"), segment);
        Optional<ApiKey> key = keys.find(secret);
        if (key.isEmpty()) {
            throw unauthorized("the API key is not valid", segment);
        }
        if (!key.get().allows(scope.get())) {
            throw new ApiError(403, "this API key may not " + (scope.get() == Scope.WRITE ? "write" : "read")
                    + " events");
        }
        ctx.attribute(KEY_ATTRIBUTE, key.get());
    }

    /**
     * The key in an Authorization header: a Bearer token, or the user name of Basic credentials (the password when
     * the user name is empty).
     *
     * @throws ApiError 401 when there is none
     */
    private static String secret(String header, boolean segment) {
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && !header.substring(7).isBlank()) {
            return header.substring(7).strip();
        }
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String credentials;
            try {
                credentials = new String(Base64.getDecoder().decode(header.substring(6).strip()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw unauthorized("the Basic credentials are not valid base64 (RFC 7617)", segment);
            }
            int colon = credentials.indexOf(':');
            String user = colon < 0 ? credentials : credentials.substring(0, colon);
            String password = colon < 0 ? "" : credentials.substring(colon + 1);
            String secret = user.isEmpty() ? password : user;
            if (!secret.isEmpty()) {
                return secret;
            }
        }
        throw unauthorized(segment
                ? "a write key is required: send it as the user name of HTTP Basic authentication (the SDKs' "
                        + "writeKey does), or as Authorization: Bearer <key>"
                : "an API key is required: send Authorization: Bearer <key>", segment);
    }

    /** The route template of a protected path: the set of metric labels stays bounded. */
    private static String routeOf(String path) {
        if (path.equals("/events") || path.equals("/events/batch") || path.equals("/metrics")
                || SegmentRoutes.isRoute(path)) {
            return path;
        }
        return path.startsWith("/events/") ? "/events/{id}" : RequestLog.UNMATCHED;
    }

    /** A 401 whose challenge names the scheme the route's clients use: Basic for the SDKs' routes. */
    private static ApiError unauthorized(String message, boolean segment) {
        return new ApiError(401, message).header("WWW-Authenticate",
                (segment ? "Basic" : "Bearer") + " realm=\"event-pipeline\"");
    }
}
