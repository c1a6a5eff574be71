package io.eventpipeline.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.security.ApiKey;
import io.eventpipeline.security.RateLimiter;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /events and POST /events/batch: read, validate, accept, answer 202 with the ids. The steps every ingest route
 * shares (counting, reading the body, rate limits, handing to the pipeline) are here for the other doors too
 * ({@link SegmentRoutes}).
 */
final class IngestRoutes {
    private static final Logger log = LoggerFactory.getLogger(IngestRoutes.class);
    private final EventParser parser;
    private final Ingest ingest;
    private final Metrics metrics;
    private final ObjectMapper json;
    private final long maxBodyBytes;
    private final RateLimits rateLimits;

    /**
     * @param rateLimiter        null when there is no per-key rate limit
     * @param browserRateLimiter the browser keys' limit, or null to charge them to {@code rateLimiter}
     */
    IngestRoutes(EventParser parser, Ingest ingest, Metrics metrics, ObjectMapper json, long maxBodyBytes,
            RateLimiter rateLimiter, RateLimiter browserRateLimiter) {
        this.parser = parser;
        this.ingest = ingest;
        this.metrics = metrics;
        this.json = json;
        this.maxBodyBytes = maxBodyBytes;
        this.rateLimits = new RateLimits(rateLimiter, browserRateLimiter);
    }

    void single(Context ctx) throws Exception {
        counted(ctx, this::takeSingle);
    }

    void batch(Context ctx) throws Exception {
        counted(ctx, this::takeBatch);
    }

    /** A route's work, which tells the tally how many events the body held once it knows. */
    interface Route {
        void take(Context ctx, IngestTally tally) throws Exception;
    }

    /**
     * Runs an ingest route and counts its events once, by the answer it gave: the one place where the ingest
     * counters are written, so that every answer, an early refusal included, is counted the same way on both
     * routes.
     */
    void counted(Context ctx, Route route) throws Exception {
        IngestTally tally = new IngestTally();
        int status = 500; // an exception other than these is answered 500 (HttpApi)
        try {
            route.take(ctx, tally);
            status = ctx.statusCode();
        } catch (ApiError e) {
            status = e.status();
            throw e;
        } catch (HttpResponseException e) {
            status = e.getStatus();
            throw e;
        } finally {
            metrics.ingested(tally.outcome(status));
        }
    }

    /** One event, as the tally counts a request from the start: nothing to tell it. */
    private void takeSingle(Context ctx, IngestTally tally) throws Exception {
        refuseEarlyWhenDraining();
        byte[] body = readBody(ctx, maxBodyBytes, "--max-body-bytes");
        Event event;
        try {
            event = parser.parseSingle(body);
        } catch (MalformedBodyException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage());
        } catch (InvalidEventException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage()).with("field", e.fieldError().field());
        }
        String id = event.id();
        accept(ctx, List.of(event));
        ctx.status(202).contentType("application/json").result(json.writeValueAsBytes(Map.of("id", id)));
    }

    /** A batch as {@code {"events":[...]}}, or as NDJSON (one event a line) under an NDJSON Content-Type. */
    private void takeBatch(Context ctx, IngestTally tally) throws Exception {
        refuseEarlyWhenDraining();
        boolean ndjson = BodyReader.isNdjson(ctx.header("Content-Type"));
        byte[] body = readBody(ctx, maxBodyBytes, "--max-body-bytes", ndjson);
        EventParser.Batch batch;
        try {
            batch = ndjson ? parser.parseNdjson(body) : parser.parseBatch(body);
        } catch (MalformedBodyException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage());
        }
        tally.parsed(batch.events().size(), batch.errors().size());
        List<Map<String, Object>> errors = new ArrayList<>(batch.errors().size());
        for (EventParser.IndexedError e : batch.errors()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", e.index());
            m.put("field", e.field());
            m.put("error", e.error());
            errors.add(m);
        }
        if (batch.events().isEmpty()) {
            throw ApiError.badRequest("no event in the batch is valid").with("accepted", 0)
                    .with("rejected", errors.size()).with("errors", errors);
        }
        accept(ctx, batch.events());
        ctx.status(202).contentType("application/json").result(accepted(batch.events(), errors));
    }

    /** The batch's 202 body, written by a generator, no maps: {"accepted":n,"rejected":m,"ids":[…],"errors":[…]}. */
    private byte[] accepted(List<Event> events, List<Map<String, Object>> errors) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(48 + events.size() * 40);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("accepted", events.size());
            g.writeNumberField("rejected", errors.size());
            g.writeArrayFieldStart("ids");
            for (Event e : events) {
                g.writeString(e.id());
            }
            g.writeEndArray();
            g.writeFieldName("errors");
            json.writeValue(g, errors);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /**
     * The body, read within the limits. Jetty cuts idle timeouts to 1 s when HTTP stops, so a body still arriving
     * at the end of a drain stalls: that client is told to go elsewhere, as any request during a drain is.
     *
     * @param limit     the most bytes the body may hold, after gzip is inflated
     * @param limitName what sets the limit, for the 413's message: a flag, or the spec it comes from
     */
    byte[] readBody(Context ctx, long limit, String limitName) {
        return readBody(ctx, limit, limitName, false);
    }

    /** As {@link #readBody(Context, long, String)}; with {@code anyType}, whatever its Content-Type names. */
    byte[] readBody(Context ctx, long limit, String limitName, boolean anyType) {
        return readBody(ctx, () -> BodyReader.readJson(ctx, limit, limitName, anyType));
    }

    /** As {@link #readBody(Context, long, String)}, for a body that is not JSON (its Content-Type checked). */
    byte[] readBinaryBody(Context ctx, long limit, String limitName) {
        return readBody(ctx, () -> BodyReader.read(ctx, limit, limitName));
    }

    private byte[] readBody(Context ctx, Supplier<byte[]> reader) {
        try {
            return reader.get();
        } catch (ApiError e) {
            if (e.status() == 408 && ingest.closed()) {
                throw refusedDraining();
            }
            throw e;
        }
    }

    /** A draining service need not read a body it will refuse. */
    void refuseEarlyWhenDraining() {
        if (ingest.closed()) {
            throw refusedDraining();
        }
    }

    /** The 503 of a request that arrives during the stop, counted under its reason. */
    private ApiError refusedDraining() {
        metrics.refusals.increment(Metrics.refusalName(Ingest.Refusal.DRAINING));
        return ApiError.unavailable(Ingest.Refusal.DRAINING.message(), 5);
    }

    /**
     * Tags the events with the caller's key, charges them to its rate limit, and hands them to the pipeline; events
     * the pipeline refuses are not charged.
     */
    void accept(Context ctx, List<Event> events) throws InterruptedException {
        accept(ctx, events, events.size());
    }

    /**
     * As {@link #accept(Context, List)}, charging {@code charged} events: the valid ones, when the list also holds
     * messages refused at intake ({@link Event#refusal()}), which the rate limit does not count for a secret key.
     * A browser key is charged for every message: the refused ones are written to the dead letter too, and a
     * public key must not write rows past its limit.
     */
    void accept(Context ctx, List<Event> events, int charged) throws InterruptedException {
        ApiKey key = ctx.attribute(Authenticator.KEY_ATTRIBUTE);
        if (key == null) {
            hand(ctx, events);
            return;
        }
        int cost = key.browser() ? events.size() : charged;
        rateLimits.charge(key, cost);
        boolean admitted = false;
        try {
            List<Event> tagged = new ArrayList<>(events.size());
            for (Event e : events) {
                tagged.add(e.withKeyName(key.name()));
            }
            hand(ctx, tagged);
            admitted = true;
        } finally {
            if (!admitted) {
                rateLimits.refund(key, cost);
            }
        }
    }

    /** Into the pipeline, whole or not at all; a refusal is a 503 with Retry-After. */
    private void hand(Context ctx, List<Event> events) throws InterruptedException {
        try {
            ingest.accept(events);
        } catch (Ingest.RefusedException e) {
            if (e.getCause() != null) {
                boolean journal = e.refusal() == Ingest.Refusal.NOT_DURABLE
                        || e.refusal() == Ingest.Refusal.JOURNAL_FAILED;
                log.warn("event={} events={} error=\"{}\" request_id={}",
                        journal ? "journal_write_failed" : "kafka_produce_failed", events.size(),
                        journal ? e.getCause().getMessage() : Messages.rootMessage(e.getCause()), RequestLog.id(ctx));
            }
            int retryAfter = e.refusal() == Ingest.Refusal.QUEUE_FULL || e.refusal() == Ingest.Refusal.AWAITING_BROKER
                    ? 1 : 5;
            String reason = Metrics.refusalName(e.refusal());
            metrics.refusals.increment(reason);
            throw ApiError.unavailable(e.getMessage(), retryAfter).with("reason", reason);
        }
    }
}
