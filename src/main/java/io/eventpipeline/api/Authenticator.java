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
 * empty password; a key sent as the password with an empty user name is taken too). On the Segment routes a
 * request without an Authorization header may carry the key in its body instead, as {@code writeKey} (Segment's
 * Java library sends it only there): the route reads the body and calls {@link #checkBodyKey}. OTLP exporters send
 * the key in a header they are configured with ({@code Authorization: Bearer <key>}). The browser routes
 * ({@code /v1/t}, …) take a browser key ({@code write-browser}) or a write key; a browser key is taken there only,
 * and only with an {@code Origin} ({@link BrowserCors} has refused the origins not allowed). A missing or unknown
 * key is a 401 and a key without the route's scope a 403; neither says whether a key exists, and the key is never
 * logged. Failures are counted like every answer, by route and status ({@code http_requests}). Without configured keys
 * every route is open (the service then listens on loopback only, see {@code Access}).
 */
final class Authenticator {
    static final String KEY_ATTRIBUTE = "pipeline.apiKey";
    /** The protected route template a request asked for, set before the key is checked. */
    static final String ROUTE_ATTRIBUTE = "pipeline.protectedRoute";
    /** Set when the key is to be read from the body by the route: see {@link #checkBodyKey}. */
    private static final String BODY_KEY_ATTRIBUTE = "pipeline.keyInBody";

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
        if (SegmentRoutes.isBrowserRoute(path)) {
            // A preflight carries no key (the browser never sends credentials with one).
            return method.equals("OPTIONS") ? Optional.empty() : Optional.of(Scope.WRITE_BROWSER);
        }
        if (path.startsWith(SegmentRoutes.PREFIX) || OtlpRoutes.isRoute(path)) {
            return Optional.of(Scope.WRITE);
        }
        return Optional.empty();
    }

    void check(Context ctx) {
        if (keys.isEmpty()) {
            return;
        }
        String path = routedPath(ctx.path());
        Optional<Scope> scope = required(ctx.method().name(), path);
        if (scope.isEmpty()) {
            return;
        }
        attributeRoute(ctx, path);
        boolean segment = path.startsWith(SegmentRoutes.PREFIX) && !OtlpRoutes.isRoute(path);
        if (segment && ctx.header("Authorization") == null && SegmentRoutes.isRoute(path)) {
            ctx.attribute(BODY_KEY_ATTRIBUTE, scope.get());
            return;
        }
        admit(ctx, secret(ctx.header("Authorization"), segment), scope.get(), segment);
    }

    /**
     * The key check of a Segment route whose request had no Authorization header, once the route has read the
     * body: {@code writeKey} from the body (null when it has none) must be a key with the route's scope. Does
     * nothing when the request was checked by its header, or when there are no keys.
     *
     * @throws ApiError 401 for no key or an unknown one, 403 for a key without the route's scope
     */
    void checkBodyKey(Context ctx, String writeKey) {
        Scope scope = ctx.attribute(BODY_KEY_ATTRIBUTE);
        if (keys.isEmpty() || scope == null) {
            return;
        }
        if (writeKey == null || writeKey.isEmpty()) {
            throw unauthorized(SEGMENT_KEY_REQUIRED, true);
        }
        admit(ctx, writeKey, scope, true);
    }

    /**
     * Admits the key of {@code secret} for {@code scope}. A browser key ({@link Scope#WRITE_BROWSER}) is public:
     * it is admitted on the browser routes only, and only from a web page of an allowed origin ({@link BrowserCors}
     * has refused any other origin already), so that a copy of it works from no other site and no other route.
     */
    private void admit(Context ctx, String secret, Scope scope, boolean segment) {
        Optional<ApiKey> key = keys.find(secret);
        if (key.isEmpty()) {
            throw unauthorized("the API key is not valid", segment);
        }
        if (key.get().browser() && scope != Scope.WRITE_BROWSER) {
            throw new ApiError(403, "this API key is a browser key (write-browser): it may only post events through "
                    + "the browser routes (" + String.join(", ", SegmentRoutes.BROWSER_PATHS) + ")");
        }
        if (!key.get().allows(scope)) {
            throw new ApiError(403, "this API key may not " + (scope == Scope.READ ? "read" : "write")
                    + " events");
        }
        if (key.get().browser() && ctx.header("Origin") == null) {
            throw new ApiError(403, "a browser key (write-browser) is taken from a web page only: the request has no "
                    + "Origin header, which browsers send; a server sends events with a write key");
        }
        ctx.attribute(KEY_ATTRIBUTE, key.get());
    }

    private static final String SEGMENT_KEY_REQUIRED = "a write key is required: send it as the user name of HTTP "
            + "Basic authentication (the SDKs' writeKey does), as Authorization: Bearer <key>, or as \"writeKey\" "
            + "in the body";

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
        throw unauthorized(segment ? SEGMENT_KEY_REQUIRED : "an API key is required: send Authorization: Bearer <key>",
                segment);
    }

    /**
     * The path as the router matches it: Javalin ignores a trailing slash ({@code /metrics/} is {@code /metrics},
     * and Segment's Java library posts to {@code /v1/import/}), so the key check must too, or such a path would
     * skip the check meant for its route and be counted as unmatched.
     */
    static String routedPath(String path) {
        String p = path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }

    /**
     * Records the route a request refused before routing asked for ({@link #ROUTE_ATTRIBUTE}), so that its answer is
     * counted under that route rather than as unmatched.
     */
    static void attributeRoute(Context ctx, String routedPath) {
        ctx.attribute(ROUTE_ATTRIBUTE, routeOf(routedPath));
    }

    /** The route template of a protected path: the set of metric labels stays bounded. */
    private static String routeOf(String path) {
        if (path.equals("/events") || path.equals("/events/batch") || path.equals("/metrics")
                || SegmentRoutes.isRoute(path) || OtlpRoutes.isRoute(path)) {
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
