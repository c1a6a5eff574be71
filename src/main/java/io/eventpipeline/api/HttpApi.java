package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.config.Config;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.source.segment.SegmentParser;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.RateLimiter;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.HealthProbe;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.router.EndpointNotFound;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the unstarted Javalin app: the routes, and the one place where failures become JSON responses. */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper JSON = JsonFactories.mapper();
    /**
     * Connections the kernel holds until Jetty accepts them. Jetty's default leaves it to the JVM's 50, which
     * bursts of new connections overflowed here (the kernel's ListenOverflows counter rose), and a dropped
     * connection attempt costs its client a one-second retransmission. The kernel caps it at somaxconn.
     */
    static final int ACCEPT_QUEUE = 1024;
    /**
     * Javalin copies every response body to Jetty through a new buffer of this size (Jetty's 32 KiB output buffer
     * unless set), which for a 50-byte 202 was most of what a single-event request allocated. Jetty's own output
     * buffer is not changed by it; a larger body is copied in more steps.
     */
    public static final int RESPONSE_COPY_BYTES = 4096;

    /** How long {@link Javalin#stop()} waits for requests in flight, unless {@link #stop} says otherwise. */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private HttpApi() {
    }

    /**
     * Stops the app within about {@code within}: the listener closes at once, and requests in flight get three
     * quarters of it to finish (Jetty's graceful stop); the last quarter is for closing the connections of those
     * that did not, and stopping Jetty, which come after the graceful wait.
     */
    public static void stop(Javalin app, Duration within) {
        long graceful = Math.max(1, within.toMillis() * 3 / 4);
        app.jettyServer().server().setStopTimeout(graceful);
        try {
            app.stop();
        } catch (RuntimeException e) {
            // Jetty stops everything, then reports the graceful wait that ran out.
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof TimeoutException) {
                    log.warn("event=http_requests_cut waited_ms={} note=\"requests still in flight were closed\"",
                            graceful);
                    return;
                }
            }
            throw e;
        }
    }

    /**
     * What the routes serve from.
     *
     * @param ingest       where events go; on a node that takes none (a Kafka writer), only its closed flag is read
     * @param acceptsEvents whether the routes that accept events are served (false on a Kafka writer node)
     * @param health       the database's health, or null on a node without a database
     * @param reader       the query API's reads, or null on a node without a database (no query routes)
     * @param durability   what a 202 promises: journal, journal-async, memory or kafka
     * @param rateLimiter  null when there is no per-key rate limit
     * @param queueState   what /health and /metrics show as "queue", or null for the local queue's depth and bounds
     * @param databaseRequired whether the node is not ready while the database is down (false on an ingest node,
     *                     whose database serves queries only)
     * @param dependencies what else /health reports, and whether readiness waits for it
     * @param browserRateLimiter the browser keys' limit ({@code --browser-rate-limit}), or null to charge them to
     *                     {@code rateLimiter}
     */
    public record Parts(Ingest ingest, boolean acceptsEvents, EventQueue queue, Metrics metrics, HealthProbe health,
            EventReader reader, String durability, ApiKeys keys, RateLimiter rateLimiter,
            Supplier<Map<String, Object>> queueState, boolean databaseRequired, List<Dependency> dependencies,
            RateLimiter browserRateLimiter) {

        /** A node that does everything with the local queue. */
        public Parts(Ingest ingest, EventQueue queue, Metrics metrics, HealthProbe health, EventReader reader,
                String durability, ApiKeys keys, RateLimiter rateLimiter) {
            this(ingest, true, queue, metrics, health, reader, durability, keys, rateLimiter, null, true, List.of(),
                    null);
        }
    }

    /** The unstarted app; Jetty binds {@code host} and the configured port when it starts. */
    public static Javalin create(Config config, String host, Parts p) {
        return create(config, host, null, p);
    }

    /**
     * Binds the listening socket now, so that a port already in use is known before anything else starts; the
     * app created with it accepts on it when started.
     *
     * @param port 0 for a free one
     * @throws IOException when the address cannot be bound: in use, not local, a privileged port
     */
    public static ServerSocketChannel bind(String host, int port) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.setOption(StandardSocketOptions.SO_REUSEADDR, true); // as Jetty binds its own
            channel.bind(new InetSocketAddress(host, port), ACCEPT_QUEUE);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * The unstarted app.
     *
     * @param listener a socket from {@link #bind} to accept on, or null for Jetty to bind {@code host} and the
     *                 configured port itself; Jetty closes it when it stops
     */
    public static Javalin create(Config config, String host, ServerSocketChannel listener, Parts p) {
        EventParser parser = new EventParser(config.maxEventBytes(), config.maxBatchEvents(), config.maxBodyBytes());
        IngestRoutes ingestRoutes = new IngestRoutes(parser, p.ingest(), p.metrics(), JSON, config.maxBodyBytes(),
                p.rateLimiter(), p.browserRateLimiter());
        StatusRoutes status = new StatusRoutes(p.health(), p.ingest(), p.queue(), p.metrics(), JSON,
                config.workers(), p.durability(), p.queueState(), p.databaseRequired(), p.dependencies());
        QueryRoutes query = new QueryRoutes(p.reader(), JSON.getFactory());
        RequestLog requests = new RequestLog(p.metrics());
        Authenticator auth = new Authenticator(p.keys(), config.metricsNeedKey());
        BrowserCors cors = new BrowserCors(config.corsOrigins());
        SegmentRoutes segment = new SegmentRoutes(ingestRoutes, auth, JSON, config.maxBodyBytes(),
                config.maxEventBytes(), config.maxBatchEvents());
        OtlpRoutes otlp = new OtlpRoutes(ingestRoutes, config.maxBodyBytes(), config.maxEventBytes(),
                config.maxBatchEvents());
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.concurrency.useVirtualThreads = true;
            c.http.prefer405over404 = true;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.http.responseBufferSize = RESPONSE_COPY_BYTES;
            c.jetty.addConnector((server, httpConfig) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost(host);
                connector.setPort(config.port());
                connector.setAcceptQueueSize(ACCEPT_QUEUE);
                connector.setIdleTimeout(config.idleTimeout().toMillis());
                if (listener != null) {
                    try {
                        connector.open(listener);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return connector;
            });
            // Without a GracefulHandler, Jetty's stop cuts requests in flight; with it, stop waits for them.
            // Errors Jetty answers itself (bad request line, 431, bad chunked...) are JSON like every other.
            c.jetty.modifyServer(server -> {
                server.setStopTimeout(STOP_WAIT.toMillis());
                server.setHandler(new GracefulHandler());
                server.setErrorHandler(new JsonErrorHandler());
            });
            c.routes.before(requests::before);
            c.routes.before(cors::before);
            c.routes.before(auth::check);
            c.routes.after(requests::after);
            List<String> routes = new ArrayList<>();
            if (p.acceptsEvents()) {
                post(c, routes, "/events", ingestRoutes::single);
                post(c, routes, "/events/batch", ingestRoutes::batch);
                for (String path : SegmentRoutes.BATCH_PATHS) {
                    post(c, routes, path, segment::batch);
                }
                for (SegmentParser.Call call : SegmentParser.Call.values()) {
                    post(c, routes, SegmentRoutes.PREFIX + call.wireName(), segment.call(call));
                }
                for (SegmentParser.Call call : SegmentParser.Call.values()) {
                    post(c, routes, SegmentRoutes.PREFIX + call.shortName(), segment.call(call));
                }
                post(c, routes, SegmentRoutes.BROWSER_BATCH_PATH, segment::batch);
                for (String path : SegmentRoutes.BROWSER_PATHS) {
                    c.routes.options(path, cors::preflight);
                }
                post(c, routes, OtlpRoutes.LOGS_PATH, otlp::logs);
            }
            if (p.reader() != null) {
                getAndHead(c, routes, "/events", query::list);
                getAndHead(c, routes, "/events/{id}", query::byId);
            }
            getAndHead(c, routes, "/health", status::health);
            getAndHead(c, routes, "/health/live", status::live);
            getAndHead(c, routes, "/health/ready", status::ready);
            getAndHead(c, routes, "/metrics", status::metrics);
            String routeList = String.join(", ", routes);
            c.routes.exception(ApiError.class, (e, ctx) -> respond(ctx, e.status(), e.body(), e.headers()));
            c.routes.exception(HttpResponseException.class, (e, ctx) -> {
                switch (e) {
                    case MethodNotAllowedResponse m -> notAllowed(ctx, m);
                    case EndpointNotFound n -> respond(ctx, 404, Map.of("error", noSuchRoute(ctx.method().name(),
                            ctx.path(), routeList)), Map.of());
                    default -> respond(ctx, e.getStatus(), Map.of("error", e.getMessage()), Map.of());
                }
            });
            c.routes.exception(Exception.class, (e, ctx) -> {
                log.error("event=request_failed method={} path={} request_id={}", ctx.method(), ctx.path(),
                        RequestLog.id(ctx), e);
                respond(ctx, 500, Map.of("error", "internal error: the request was not processed; retry"), Map.of());
            });
            c.routes.error(404, ctx -> fallback(ctx, noSuchRoute(ctx.method().name(), ctx.path(), routeList)));
            c.routes.error(405, ctx -> fallback(ctx, "method " + ctx.method() + " is not allowed on " + ctx.path()));
        });
    }

    private static void post(JavalinConfig c, List<String> routes, String path, Handler handler) {
        c.routes.post(path, handler);
        routes.add("POST " + path);
    }

    /**
     * A GET route and its HEAD, on the same handler: HEAD answers what GET would, status and headers, without the
     * body (RFC 9110 §9.3.2; Jetty drops the body of a response to HEAD). Left to Javalin, a HEAD on a GET route
     * is answered 200 without running the handler, so a health check by HEAD would always see "ready".
     */
    private static void getAndHead(JavalinConfig c, List<String> routes, String path, Handler handler) {
        c.routes.get(path, handler);
        c.routes.head(path, handler);
        routes.add("GET " + path);
    }

    /**
     * 405 with the Allow header the status requires (RFC 9110 §15.5.6), from the methods Javalin found for the
     * path (its details hold them as one comma-separated value).
     */
    private static void notAllowed(Context ctx, MethodNotAllowedResponse e) {
        TreeSet<String> allowed = new TreeSet<>();
        for (String methods : e.getDetails().values()) {
            for (String m : methods.split(",")) {
                if (!m.isBlank()) {
                    allowed.add(m.strip());
                }
            }
        }
        String allow = String.join(", ", allowed);
        respond(ctx, 405, Map.of("error", "method " + Messages.abbreviate(ctx.method().name())
                + " is not allowed on " + Messages.abbreviate(ctx.path()) + "; allowed: " + allow),
                Map.of("Allow", allow));
    }

    private static String noSuchRoute(String method, String path, String routes) {
        return "no such route: " + Messages.abbreviate(method) + " " + Messages.abbreviate(path)
                + " (the routes are " + routes + "; HEAD is allowed wherever GET is)";
    }

    /**
     * Writes and flushes the error first, then reads what is left of the body (see
     * {@link BodyReader#discardUnread}): the client has its answer at once, even one that never finishes sending.
     * On an OTLP route the body is the specification's {@code Status} ({@link OtlpRoutes#errorBody}).
     */
    private static void respond(Context ctx, int status, Map<String, Object> body, Map<String, String> headers) {
        byte[] json;
        String contentType = "application/json";
        try {
            if (OtlpRoutes.isRoute(Authenticator.routedPath(ctx.path()))) {
                OtlpRoutes.ErrorBody otlp = OtlpRoutes.errorBody(ctx, status, String.valueOf(body.get("error")), JSON);
                json = otlp.body();
                contentType = otlp.contentType();
            } else {
                json = JSON.writeValueAsBytes(body);
            }
        } catch (Exception e) {
            json = "{\"error\":\"unprintable error\"}".getBytes(StandardCharsets.UTF_8);
        }
        headers.forEach(ctx::header);
        ctx.status(status).contentType(contentType);
        try {
            ctx.res().setContentLength(json.length);
            ctx.res().getOutputStream().write(json);
            ctx.res().flushBuffer();
        } catch (IOException e) {
            return; // the client is gone
        }
        BodyReader.discardUnread(ctx);
    }

    /** Javalin's own 404/405 answers get a JSON body like every other error; one already sent is left alone. */
    private static void fallback(Context ctx, String message) {
        if (!ctx.res().isCommitted() && !"application/json".equals(ctx.res().getContentType())) {
            respond(ctx, ctx.statusCode(), Map.of("error", message), Map.of());
        }
    }
}
