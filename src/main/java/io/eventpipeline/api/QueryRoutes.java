package io.eventpipeline.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.storage.EventPage;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.StoredEvent;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /events/{id} and GET /events: stored events read back, newest first, in pages that a client walks with the
 * opaque next_cursor ({@link Cursor}).
 */
final class QueryRoutes {
    private static final Logger log = LoggerFactory.getLogger(QueryRoutes.class);
    private static final DateTimeFormatter UTC_MILLIS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final EventReader reader;
    private final JsonFactory json;

    QueryRoutes(EventReader reader, JsonFactory json) {
        this.reader = reader;
        this.json = json;
    }

    void byId(Context ctx) throws IOException {
        ListRequest.requireKnown(QueryString.parse(ctx.queryString()), Set.of(), "");
        // An id no event can have is the client's mistake, not an event that may be stored later: a 400 that says
        // the rule, and no query.
        String id = ListRequest.requireToken("id", ctx.pathParam("id"));
        Optional<StoredEvent> event = read(() -> reader.findById(id));
        if (event.isEmpty()) {
            throw new ApiError(404, "no event with id '" + Messages.abbreviate(id) + "' is stored (it may be "
                    + "accepted and not stored yet)");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + event.get().data().length());
        try (JsonGenerator g = json.createGenerator(out)) {
            write(g, event.get());
        }
        ctx.status(200).contentType("application/json").result(out.toByteArray());
    }

    void list(Context ctx) throws IOException {
        ListRequest request = ListRequest.parse(QueryString.parse(ctx.queryString()));
        EventPage page = read(() -> reader.page(request.query(), request.limit(), request.after()));
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("events");
            for (StoredEvent e : page.events()) {
                write(g, e);
            }
            g.writeEndArray();
            g.writeStringField("next_cursor", page.next().map(p -> Cursor.encode(p, request.query())).orElse(null));
            g.writeEndObject();
        }
        ctx.status(200).contentType("application/json").result(out.toByteArray());
    }

    /** The event as it was posted, plus when it was received and stored; data is the stored JSON text itself. */
    private static void write(JsonGenerator g, StoredEvent e) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", e.id());
        g.writeStringField("type", e.type());
        g.writeStringField("source", e.source());
        g.writeStringField("user_id", e.userId());
        g.writeStringField("timestamp", time(e.timestamp()));
        g.writeFieldName("data");
        g.writeRawValue(e.data());
        g.writeStringField("received_at", time(e.receivedAt()));
        g.writeStringField("created_at", time(e.createdAt()));
        g.writeStringField("key_name", e.keyName());
        g.writeEndObject();
    }

    private static String time(Instant t) {
        return t == null ? null : UTC_MILLIS.format(t);
    }

    private interface Read<T> {
        T run() throws SQLException;
    }

    /** Database failures of a read are the client's to retry: 503 with Retry-After, never a 500. */
    private static <T> T read(Read<T> read) {
        try {
            return read.run();
        } catch (SQLTransientConnectionException e) {
            // The pool's timeout: with a cause the database cannot be reached; without one, every connection is busy.
            if (e.getCause() == null) {
                throw ApiError.unavailable("too many reads at once: no read connection came free in time; retry", 1);
            }
            log.warn("event=read_failed error=\"{}\"", Messages.rootMessage(e));
            throw ApiError.unavailable("the database cannot be reached right now; retry", 5);
        } catch (SQLTimeoutException e) {
            throw ApiError.unavailable("the query took longer than " + EventReader.QUERY_TIMEOUT_SECONDS
                    + "s; narrow it with type or user_id, which are indexed, or with since and until", 5);
        } catch (SQLException e) {
            log.warn("event=read_failed error=\"{}\"", Messages.rootMessage(e));
            throw ApiError.unavailable("the database cannot be read right now; retry", 5);
        }
    }
}
