package io.eventpipeline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.config.Config;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.security.ApiKeys;
import io.eventpipeline.security.RateLimiter;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.HealthProbe;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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

    private HttpApi() {
    }

    /**
     * What the routes serve from.
     *
     * @param rateLimiter null when there is no per-key rate limit
     */
    public record Parts(Ingest ingest, EventQueue queue, Metrics metrics, HealthProbe health, EventReader reader,
            String durability, ApiKeys keys, RateLimiter rateLimiter) {
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
                p.rateLimiter());
        StatusRoutes status = new StatusRoutes(p.health(), p.ingest(), p.queue(), p.metrics(), JSON,
                config.workers(), p.durability());
        QueryRoutes query = new QueryRoutes(p.reader(), JSON.getFactory());
        RequestLog requests = new RequestLog(p.metrics());
        Authenticator auth = new Authenticator(p.keys(), config.metricsNeedKey());
        return Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.concurrency.useVirtualThreads = true;
            c.http.prefer405over404 = true;
            c.http.maxRequestSize = config.maxBodyBytes();
            c.http.responseBufferSize = RESPONSE_COPY_BYTES;
            c.jetty.host = host;
            c.jetty.port = config.port();
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
                server.setStopTimeout(10_000);
                server.setHandler(new GracefulHandler());
                server.setErrorHandler(new JsonErrorHandler());
            });
            c.routes.before(requests::before);
            c.routes.before(auth::check);
            c.routes.after(requests::after);
            c.routes.post("/events", ingestRoutes::single);
            c.routes.post("/events/batch", ingestRoutes::batch);
            c.routes.get("/events", query::list);
            c.routes.get("/events/{id}", query::byId);
            c.routes.get("/health", status::health);
            c.routes.get("/health/live", status::live);
            c.routes.get("/health/ready", status::ready);
            c.routes.get("/metrics", status::metrics);
            c.routes.exception(ApiError.class, (e, ctx) -> respond(ctx, e.status(), e.body(), e.headers()));
            c.routes.exception(HttpResponseException.class, (e, ctx) ->
                    respond(ctx, e.getStatus(), Map.of("error", e.getMessage()), Map.of()));
            c.routes.exception(Exception.class, (e, ctx) -> {
                log.error("event=request_failed method={} path={} request_id={}", ctx.method(), ctx.path(),
                        RequestLog.id(ctx), e);
                respond(ctx, 500, Map.of("error", "internal error: the request was not processed; retry"), Map.of());
            });
            c.routes.error(404, ctx -> fallback(ctx, "no such route: " + ctx.method() + " " + ctx.path()));
            c.routes.error(405, ctx -> fallback(ctx, "method " + ctx.method() + " is not allowed on " + ctx.path()));
        });
    }

    /**
     * Writes and flushes the error first, then reads what is left of the body (see
     * {@link BodyReader#discardUnread}): the client has its answer at once, even one that never finishes sending.
     */
    private static void respond(Context ctx, int status, Map<String, Object> body, Map<String, String> headers) {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(body);
        } catch (Exception e) {
            json = "{\"error\":\"unprintable error\"}".getBytes(StandardCharsets.UTF_8);
        }
        headers.forEach(ctx::header);
        ctx.status(status).contentType("application/json");
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
