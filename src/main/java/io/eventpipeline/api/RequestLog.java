package io.eventpipeline.api;

import io.eventpipeline.event.Uuid7;
import io.eventpipeline.metrics.Metrics;
import io.javalin.http.Context;
import io.javalin.router.Endpoint;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before and after every request: gives it a request id (the client's X-Request-Id when sane, else a new
 * UUIDv7), echoes it in the response, and once the status is known counts the request by route template and
 * status and logs one line at DEBUG. slf4j-simple has no MDC, so every log line about a request carries
 * {@code request_id=} explicitly: take it from {@link #id}.
 */
final class RequestLog {
    static final String HEADER = "X-Request-Id";
    static final String UNMATCHED = "unmatched";
    private static final Logger log = LoggerFactory.getLogger(RequestLog.class);
    private static final String ID_ATTRIBUTE = "pipeline.request_id";
    private static final String STARTED_ATTRIBUTE = "pipeline.request_started";
    private static final Pattern SANE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Methods counted by name when no route matched; anything else is "OTHER", so the series stay bounded. */
    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

    private final Metrics metrics;

    RequestLog(Metrics metrics) {
        this.metrics = metrics;
    }

    void before(Context ctx) {
        ctx.attribute(STARTED_ATTRIBUTE, System.nanoTime());
        String given = ctx.header(HEADER);
        String id = given != null && SANE_ID.matcher(given).matches() ? given : Uuid7.next();
        ctx.attribute(ID_ATTRIBUTE, id);
        ctx.header(HEADER, id);
    }

    void after(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        // A request refused before routing (a missing API key) is counted under the route it asked for.
        String route = endpoint != null ? endpoint.path
                : ctx.attribute(Authenticator.ROUTE_ATTRIBUTE) instanceof String r ? r : UNMATCHED;
        String method = endpoint == null ? knownMethod(ctx.method().name()) : endpoint.method.name();
        int status = ctx.statusCode();
        metrics.httpRequests.record(method, route, status);
        if (log.isDebugEnabled()) {
            Long started = ctx.attribute(STARTED_ATTRIBUTE);
            double ms = started == null ? 0 : (System.nanoTime() - started) / 1e6;
            log.debug("event=request method={} route={} status={} duration_ms={} request_id={}", method, route,
                    status, String.format(Locale.ROOT, "%.3f", ms), id(ctx));
        }
    }

    /** The request's id, for every log line about it. */
    static String id(Context ctx) {
        String id = ctx.attribute(ID_ATTRIBUTE);
        return id == null ? "-" : id;
    }

    private static String knownMethod(String method) {
        String m = method.toUpperCase(Locale.ROOT);
        return KNOWN_METHODS.contains(m) ? m : "OTHER";
    }
}
