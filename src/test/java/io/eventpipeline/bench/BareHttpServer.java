package io.eventpipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.api.HttpApi;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.MalformedBodyException;
import io.javalin.Javalin;
import java.util.Map;

/**
 * The HTTP ceiling (a): Javalin configured as the service configures it, whose POST /events parses the event with
 * the service's parser and answers 202 with its id, as the service does, but with no queue and no database behind.
 * Run as its own JVM: {@code BareHttpServer <port>}.
 */
public final class BareHttpServer {
    private static final ObjectMapper JSON = JsonFactories.mapper();

    private BareHttpServer() {
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        // The service's limits: --max-event-bytes 64KiB, --max-batch-events 1000, --max-body-bytes 5MiB.
        EventParser parser = new EventParser(64 << 10, 1000, 5 << 20);
        Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.concurrency.useVirtualThreads = true;
            c.http.maxRequestSize = 5 << 20;
            c.http.responseBufferSize = HttpApi.RESPONSE_COPY_BYTES;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = port;
            c.routes.post("/events", ctx -> {
                try {
                    Event event = parser.parseSingle(ctx.bodyAsBytes());
                    ctx.status(202).contentType("application/json")
                            .result(JSON.writeValueAsBytes(Map.of("id", event.id())));
                } catch (MalformedBodyException | InvalidEventException e) {
                    ctx.status(400).contentType("application/json")
                            .result(JSON.writeValueAsBytes(Map.of("error", e.getMessage())));
                }
            });
            c.routes.get("/health", ctx -> ctx.contentType("application/json").result("{\"status\":\"UP\"}"));
        }).start();
    }
}
