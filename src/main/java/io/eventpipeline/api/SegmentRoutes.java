package io.eventpipeline.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.source.segment.SegmentParser;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * The Segment HTTP tracking API: {@code POST /v1/batch} (and {@code /v1/import}, the same route under the name
 * Segment's Java library posts to) and one route per call ({@code /v1/track}, {@code /v1/identify}, …), for the
 * server-side SDKs of Segment and RudderStack pointed at this service; and the same under the short paths the
 * browser SDK (analytics.js) posts to ({@link #BROWSER_PATHS}), where {@link BrowserCors} and browser keys apply.
 * Answers are those the SDKs act on: 200 {@code {"success":true,…}} once every message is durable (stored, or kept
 * for the dead letter), a 5xx or 429 (with Retry-After) for them to retry, any other 4xx for a request no retry can
 * fix. The messages take the same path as {@code /events/batch}: rate limits, journal, queue, workers, metrics. A
 * body is read as JSON whatever its Content-Type names ({@link BodyReader#readJson(Context, long, String, boolean)}):
 * a browser's {@code text/plain} included.
 */
final class SegmentRoutes {
    /** Where the routes are: {@code /v1/batch}, {@code /v1/track}, … */
    static final String PREFIX = "/v1/";
    /** The batch routes. */
    static final List<String> BATCH_PATHS = List.of("/v1/batch", "/v1/import");

    /**
     * The batch route of the browser SDK: analytics-next's batching delivery posts {@code {"writeKey":…,
     * "batch":[…],"sentAt":…}} to {@code <apiHost>/b}, the body of {@code /v1/batch}.
     */
    static final String BROWSER_BATCH_PATH = "/v1/b";

    /**
     * The browser routes, where web pages post: one per call under its one-letter name ({@code /v1/t},
     * {@code /v1/i}, {@code /v1/p}, {@code /v1/s}, {@code /v1/g}, {@code /v1/a}: analytics.js posts each call to
     * the first letter of its type) and {@link #BROWSER_BATCH_PATH}. CORS and browser keys apply to these only.
     */
    static final List<String> BROWSER_PATHS = browserPaths();

    private static List<String> browserPaths() {
        List<String> paths = new java.util.ArrayList<>();
        for (SegmentParser.Call call : SegmentParser.Call.values()) {
            paths.add(PREFIX + call.shortName());
        }
        paths.add(BROWSER_BATCH_PATH);
        return List.copyOf(paths);
    }

    /** Whether {@code path} is one of these routes, a browser route included. */
    static boolean isRoute(String path) {
        return BATCH_PATHS.contains(path) || BROWSER_PATHS.contains(path) || path.startsWith(PREFIX)
                && SegmentParser.Call.of(path.substring(PREFIX.length())) != null
                && path.substring(PREFIX.length()).equals(path.substring(PREFIX.length()).toLowerCase(Locale.ROOT));
    }

    /** Whether {@code path} is a browser route ({@link #BROWSER_PATHS}). */
    static boolean isBrowserRoute(String path) {
        return BROWSER_PATHS.contains(path);
    }

    private final IngestRoutes intake;
    private final Authenticator auth;
    private final SegmentParser parser;
    private final ObjectMapper json;
    private final long maxBatchBytes;
    private final long maxMessageBytes;

    /**
     * @param maxBodyBytes  the service's body limit: a batch may hold the lesser of it and the spec's 500 KB
     * @param maxEventBytes the service's event limit: a message may hold the lesser of it and the spec's 32 KB
     */
    SegmentRoutes(IngestRoutes intake, Authenticator auth, ObjectMapper json, long maxBodyBytes, long maxEventBytes,
            int maxBatchEvents) {
        this.intake = intake;
        this.auth = auth;
        this.json = json;
        this.maxBatchBytes = Math.min(SegmentParser.MAX_BATCH_BYTES, maxBodyBytes);
        this.maxMessageBytes = Math.min(SegmentParser.MAX_MESSAGE_BYTES, maxEventBytes);
        this.parser = new SegmentParser((int) maxMessageBytes, maxBatchEvents);
    }

    void batch(Context ctx) throws Exception {
        intake.counted(ctx, this::takeBatch);
    }

    /** The handler of one call's route. */
    Handler call(SegmentParser.Call call) {
        return ctx -> intake.counted(ctx, (c, tally) -> takeCall(c, call));
    }

    private void takeBatch(Context ctx, IngestTally tally) throws Exception {
        intake.refuseEarlyWhenDraining();
        byte[] body = intake.readBody(ctx, maxBatchBytes, limitName(maxBatchBytes, SegmentParser.MAX_BATCH_BYTES,
                "--max-body-bytes", "500 KB for a batch"), true);
        SegmentParser.Envelope envelope;
        try {
            envelope = parser.readEnvelope(body);
        } catch (MalformedBodyException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage());
        }
        auth.checkBodyKey(ctx, envelope.writeKey()); // before the messages are read: that is the costly part
        SegmentParser.Batch batch = parser.messages(envelope);
        // Every message is taken, the invalid ones for the dead letter: accepted now, counted as failed when their
        // dead letter row is written, so that accepted + replayed = processed + duplicates + failed still holds.
        // The rate limit counts the valid ones, as on /events/batch.
        tally.parsed(batch.events().size(), 0);
        intake.accept(ctx, batch.events(), batch.valid());
        ctx.status(200).contentType("application/json").result(success(batch));
    }

    private void takeCall(Context ctx, SegmentParser.Call call) throws Exception {
        intake.refuseEarlyWhenDraining();
        byte[] body = intake.readBody(ctx, maxMessageBytes, limitName(maxMessageBytes,
                SegmentParser.MAX_MESSAGE_BYTES, "--max-event-bytes", "32 KB for a message"), true);
        SegmentParser.Single single;
        try {
            single = parser.parseSingle(body, call);
        } catch (MalformedBodyException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage());
        }
        auth.checkBodyKey(ctx, single.writeKey());
        Event event = single.event();
        if (single.error() != null) {
            InvalidEventException e = single.error();
            String field = e.fieldError().field();
            ApiError error = new ApiError(e.tooLarge() ? 413 : 400,
                    field.isEmpty() ? e.fieldError().error() : e.getMessage());
            throw field.isEmpty() ? error : error.with("field", field);
        }
        intake.accept(ctx, List.of(event));
        ctx.status(200).contentType("application/json")
                .result("{\"success\":true,\"id\":" + json.writeValueAsString(event.id()) + "}");
    }

    /** What sets a limit, for the 413: the spec, or the service's flag when that is lower. */
    private static String limitName(long limit, long specLimit, String flag, String spec) {
        return limit < specLimit ? flag : "the Segment spec's limit of " + spec;
    }

    /**
     * {@code {"success":true,"accepted":n,"dead_lettered":m,"errors":[{"index":i,"field":f,"error":e},…]}}: the
     * SDKs read only the status; the counts and reasons are for people.
     */
    private byte[] success(SegmentParser.Batch batch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + batch.errors().size() * 96);
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField("success", true);
            g.writeNumberField("accepted", batch.valid());
            g.writeNumberField("dead_lettered", batch.errors().size());
            g.writeArrayFieldStart("errors");
            for (EventParser.IndexedError e : batch.errors()) {
                g.writeStartObject();
                g.writeNumberField("index", e.index());
                g.writeStringField("field", e.field());
                g.writeStringField("error", e.error());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toByteArray();
    }
}
