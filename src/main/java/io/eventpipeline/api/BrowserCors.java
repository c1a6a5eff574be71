package io.eventpipeline.api;

import io.eventpipeline.config.CorsOrigins;
import io.eventpipeline.errors.Messages;
import io.javalin.http.Context;

/**
 * CORS for the browser routes, as the Fetch standard's CORS protocol defines it (fetch.spec.whatwg.org, "CORS
 * protocol"), and the refusal of pages from origins not in {@code --cors-origins}.
 *
 * <p>A browser sends a page's {@code POST} with a {@code text/plain} body and no custom header (analytics.js's
 * sendBeacon, and its fetch without a key header) at once, without asking first: CORS only keeps the answer from
 * the page. So the refusal is the server's: a request with an {@code Origin} header whose origin is not allowed is
 * answered 403 before its body is read, on every route that takes events, and nothing of it is stored. The
 * preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}, sent for a key in {@code Authorization},
 * which analytics-next 1.84 sends) is answered 204 with the grant for an allowed origin, 403 for any other.
 *
 * <p>An allowed origin's answers on the browser routes carry {@code Access-Control-Allow-Origin} (that origin,
 * never {@code *}, with {@code Vary: Origin}) and {@code Access-Control-Expose-Headers: Retry-After}, so that the
 * SDK reads a 429's wait. No credentials are granted: the routes use no cookies.
 */
final class BrowserCors {
    /** How long a browser may keep a preflight's grant, in seconds: Chromium keeps at most 7200 (2 h). */
    static final int MAX_AGE_SECONDS = 7200;

    private final CorsOrigins origins;

    BrowserCors(CorsOrigins origins) {
        this.origins = origins;
    }

    /**
     * Before every handler: refuses a page of an origin not allowed, on a route that takes events or on a browser
     * route's preflight, and grants an allowed one CORS on the browser routes.
     *
     * @throws ApiError 403 for an {@code Origin} not in {@code --cors-origins}
     */
    void before(Context ctx) {
        String path = Authenticator.routedPath(ctx.path());
        boolean browserRoute = SegmentRoutes.isBrowserRoute(path);
        String method = ctx.method().name();
        if (!method.equals("POST") && !(browserRoute && method.equals("OPTIONS"))) {
            return;
        }
        if (browserRoute) {
            ctx.header("Vary", "Origin");
        }
        String origin = ctx.header("Origin");
        if (origin == null) {
            return; // not a web page: a server-side client, curl
        }
        if (!origins.allows(origin)) {
            throw new ApiError(403, "a web page of origin " + Messages.abbreviate(origin) + " may not post events "
                    + "here: the origin is not in --cors-origins").with("reason", "origin_not_allowed");
        }
        if (browserRoute) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Access-Control-Expose-Headers", "Retry-After");
        }
    }

    /**
     * {@code OPTIONS} on a browser route: a preflight from an allowed origin (the refused ones never get here) is
     * granted POST with the headers it asks for, for {@link #MAX_AGE_SECONDS}; a plain {@code OPTIONS} is told the
     * methods ({@code Allow}, RFC 9110 §9.3.7).
     */
    void preflight(Context ctx) {
        String requested = ctx.header("Access-Control-Request-Method");
        if (ctx.header("Origin") != null && requested != null) {
            ctx.header("Access-Control-Allow-Methods", "POST");
            String headers = ctx.header("Access-Control-Request-Headers");
            if (headers != null && !headers.isBlank()) {
                // Whatever the page adds (analytics.js: Authorization, X-Retry-Count; its headers setting): none
                // of them changes what the route does, and the key is still checked.
                ctx.header("Access-Control-Allow-Headers", headers);
            }
            ctx.header("Access-Control-Max-Age", Integer.toString(MAX_AGE_SECONDS));
        }
        ctx.header("Allow", "OPTIONS, POST");
        ctx.status(204);
    }
}
