package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.eventpipeline.errors.Messages;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads events from request bodies in one streaming pass: validates every field against the contract and keeps
 * {@code data} as the raw bytes it came in, so no tree is built and nothing is serialized again.
 */
public final class EventParser {
    /** The deepest {@code data} may nest, its own object being level 1: see {@link StorableJson}. */
    public static final int MAX_DATA_DEPTH = StorableJson.MAX_DEPTH;
    /**
     * How deep the parser itself goes, counting from the body's outer object: past a batch's envelope (3 levels)
     * and data's limit, so that data is always refused by its own rule, and only other misplaced values (an
     * unknown field's, an element that is not an object) meet this one.
     */
    public static final int MAX_NESTING_DEPTH = 64;
    /** A new parser after an element it could not skip starts here: an envelope and a placeholder element. */
    private static final byte[] RESUME = "{\"events\":[0".getBytes(StandardCharsets.US_ASCII);
    private static final String ALLOWED_FIELDS = "id, type, source, user_id, timestamp, data";

    private final JsonFactory factory;
    private final long maxEventBytes;
    private final int maxBatchEvents;

    public EventParser(long maxEventBytes, int maxBatchEvents, long maxBodyBytes) {
        this.maxEventBytes = maxEventBytes;
        this.maxBatchEvents = maxBatchEvents;
        this.factory = JsonFactories.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        // Numbers and names are limited per event (JsonNumbers, StorableJson), so that one
                        // event's long number is that event's error, not the whole batch's.
                        .maxNumberLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .maxDocumentLength(maxBodyBytes)
                        .maxNameLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .build())
                .build();
    }

    /** The outcome of a batch: the valid events (in request order) and one error per invalid index. */
    public record Batch(List<Event> events, List<IndexedError> errors) {
    }

    /** Why the element at {@code index} of "events" was refused: the field (empty for the element) and the rule. */
    public record IndexedError(int index, String field, String error) {
    }

    /**
     * One event from a body holding one JSON object.
     *
     * @throws MalformedBodyException the body is not UTF-8, not JSON, or not one object
     * @throws InvalidEventException the event breaks a rule of the contract (the field is named)
     */
    public Event parseSingle(byte[] body) throws MalformedBodyException, InvalidEventException {
        BodyEncoding.requireUtf8(body);
        return readSingle(body, now());
    }

    /**
     * The events of a newline-delimited JSON body (NDJSON: one event object per line, lines ended by {@code \n}
     * or {@code \r\n}, blank lines skipped), as log shippers post them: the valid ones, and one error per invalid
     * line, indexed as the elements of {@link #parseBatch}'s array are (the first line that is not blank is index
     * 0). A line that is not JSON, or not one object, is that line's error; the limits are the batch's.
     *
     * @throws MalformedBodyException the body is not UTF-8, holds no line, or more than --max-batch-events lines
     */
    public Batch parseNdjson(byte[] body) throws MalformedBodyException {
        BodyEncoding.requireUtf8(body);
        Instant receivedAt = now();
        List<Event> events = new ArrayList<>();
        List<IndexedError> errors = new ArrayList<>();
        int index = 0;
        for (int start = 0; start < body.length; ) {
            int end = start;
            while (end < body.length && body[end] != '\n') {
                end++;
            }
            int from = start;
            int to = end;
            while (from < to && isJsonSpace(body[from])) {
                from++;
            }
            while (to > from && isJsonSpace(body[to - 1])) {
                to--;
            }
            start = end + 1;
            if (from == to) {
                continue;
            }
            if (index >= maxBatchEvents) {
                throw new MalformedBodyException("the body has more than " + maxBatchEvents
                        + " lines of events (--max-batch-events): split it", true);
            }
            try {
                events.add(readSingle(Arrays.copyOfRange(body, from, to), receivedAt));
            } catch (MalformedBodyException e) {
                errors.add(new IndexedError(index, "", ofTheLine(e.getMessage())));
            } catch (InvalidEventException e) {
                errors.add(new IndexedError(index, e.fieldError().field(), e.fieldError().error()));
            }
            index++;
        }
        if (index == 0) {
            throw new MalformedBodyException("the body holds no event: send one JSON object per line (NDJSON)");
        }
        return new Batch(events, errors);
    }

    /** JSON's whitespace (RFC 8259, section 2), which may stand around a line's object. */
    private static boolean isJsonSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    /** A body's error said of an NDJSON line, which is a body of its own to the parser (without the hint). */
    private static String ofTheLine(String message) {
        String m = message.startsWith("the body") ? "the line" + message.substring("the body".length()) : message;
        int hint = m.indexOf("; send several to /events/batch");
        return hint < 0 ? m : m.substring(0, hint);
    }

    /** One event from bytes holding one JSON object, known to be UTF-8. */
    private Event readSingle(byte[] body, Instant receivedAt) throws MalformedBodyException, InvalidEventException {
        try (JsonParser p = factory.createParser(body)) {
            Input in = new Input(p, 0, 0);
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new MalformedBodyException("the body is empty: send one event as a JSON object");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object (one event)"
                        + (t == JsonToken.START_ARRAY ? "; send several to /events/batch as {\"events\":[...]}" : ""));
            }
            Event event = readEvent(in, body, receivedAt);
            expectEnd(p);
            return event;
        } catch (IOException e) {
            throw JsonSyntax.malformedBody(e, body, MAX_NESTING_DEPTH);
        }
    }

    /**
     * The events of a body {@code {"events":[...]}}: the valid ones, and one error per invalid index. A rule met
     * inside one event (a limit included) is that event's error; only a body that is not JSON, or a wrong
     * envelope, refuses the whole batch.
     *
     * @throws MalformedBodyException the body is not UTF-8, not JSON, has a wrong envelope or too many events
     */
    public Batch parseBatch(byte[] body) throws MalformedBodyException {
        BodyEncoding.requireUtf8(body);
        Instant receivedAt = now();
        Input in = new Input(null, 0, 0);
        try (Input closing = in) {
            in.p = factory.createParser(body);
            JsonParser p = in.p;
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"events\":[...]}");
            }
            Batch batch = null;
            JsonToken t;
            while ((t = in.p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = in.p.currentName();
                JsonToken value = in.p.nextToken();
                if (!name.equals("events")) {
                    throw new MalformedBodyException("unknown field '" + name
                            + "' in the batch envelope: it takes only \"events\"");
                }
                if (batch != null) {
                    throw new MalformedBodyException("\"events\" appears twice in the batch envelope");
                }
                if (value != JsonToken.START_ARRAY) {
                    throw new MalformedBodyException("\"events\" must be an array of event objects");
                }
                batch = readEvents(in, body, receivedAt);
            }
            if (t != JsonToken.END_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"events\":[...]}");
            }
            expectEnd(in.p);
            if (batch == null) {
                throw new MalformedBodyException("\"events\" is required: send {\"events\":[...]}");
            }
            if (batch.events().isEmpty() && batch.errors().isEmpty()) {
                throw new MalformedBodyException("\"events\" is empty: send at least one event");
            }
            return batch;
        } catch (StreamConstraintsException e) {
            throw new MalformedBodyException("the batch envelope " + JsonSyntax.limit(e, MAX_NESTING_DEPTH));
        } catch (JsonProcessingException e) {
            throw new MalformedBodyException(JsonSyntax.describe(e, body, in.shift, in.indexShift));
        } catch (IOException e) {
            throw new MalformedBodyException("the body could not be read");
        }
    }

    /** The parser reading the body, and how its offsets and element indexes map to the body's. */
    private static final class Input implements AutoCloseable {
        JsonParser p;
        /** Added to the parser's byte offsets to give offsets in the body. */
        long shift;
        /** Added to the parser's index in "events" to give the element's index in the body. */
        int indexShift;

        Input(JsonParser p, long shift, int indexShift) {
            this.p = p;
            this.shift = shift;
            this.indexShift = indexShift;
        }

        long offset(JsonLocation location) {
            return location.getByteOffset() + shift;
        }

        @Override
        public void close() throws IOException {
            if (p != null) {
                p.close();
            }
        }
    }

    private Batch readEvents(Input in, byte[] body, Instant receivedAt) throws IOException, MalformedBodyException {
        List<Event> events = new ArrayList<>();
        List<IndexedError> errors = new ArrayList<>();
        JsonStreamContext array = in.p.getParsingContext();
        int index = 0;
        JsonToken t;
        while ((t = in.p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new MalformedBodyException("the body ends inside the \"events\" array");
            }
            if (index >= maxBatchEvents) {
                throw new MalformedBodyException("the batch has more than " + maxBatchEvents
                        + " events (--max-batch-events): split it", true);
            }
            long start = in.offset(in.p.currentTokenLocation());
            IndexedError error = null;
            boolean lost = false;
            try {
                if (t != JsonToken.START_OBJECT) {
                    error = new IndexedError(index, "", "each element of \"events\" must be a JSON object");
                    in.p.skipChildren();
                } else {
                    try {
                        events.add(readEvent(in, body, receivedAt));
                    } catch (InvalidEventException e) {
                        error = new IndexedError(index, e.fieldError().field(), e.fieldError().error());
                        lost = e.stoppedInside();
                        if (!lost) {
                            skipRestOfElement(in.p, array);
                        }
                    }
                }
            } catch (StreamConstraintsException e) {
                if (error == null) {
                    error = new IndexedError(index, "", "the event " + JsonSyntax.limit(e, MAX_NESTING_DEPTH));
                }
                lost = true;
            }
            if (error != null) {
                errors.add(error);
            }
            if (lost) {
                resumeAfter(in, body, start, index);
                array = in.p.getParsingContext();
            }
            index++;
        }
        return new Batch(events, errors);
    }

    /**
     * Replaces a parser left inside the element that starts at {@code start} (at a limit, it cannot skip the rest)
     * with a new one that starts just after the element, in an envelope of its own so that it reads the rest of
     * the array and the envelope's end as the first one would have. Finding the element's end needs no parser.
     */
    private void resumeAfter(Input in, byte[] body, long start, int index) throws IOException, MalformedBodyException {
        int end = RawJson.endOfValue(body, (int) start);
        if (end < 0) {
            throw new MalformedBodyException("the body ends inside element " + index + " of \"events\"");
        }
        in.p.close();
        in.p = factory.createParser(new SequenceInputStream(new ByteArrayInputStream(RESUME),
                new ByteArrayInputStream(body, end, body.length - end)));
        for (int i = 0; i < 4; i++) {
            in.p.nextToken(); // {, "events", [, and the placeholder 0: the next token is what follows the element
        }
        in.shift = end - RESUME.length;
        in.indexShift = index; // the placeholder is element 0 of the new parser, and stands for this one
    }

    /** After an invalid field, moves past the end of the element object whose parent is {@code array}. */
    private static void skipRestOfElement(JsonParser p, JsonStreamContext array) throws IOException {
        while (!(p.currentToken() == JsonToken.END_OBJECT && p.getParsingContext() == array)) {
            JsonToken t = p.currentToken();
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                p.skipChildren();
            }
            if (p.nextToken() == null) {
                return; // the caller reports the truncated body
            }
        }
    }

    private Event readEvent(Input in, byte[] body, Instant receivedAt) throws IOException, InvalidEventException {
        JsonParser p = in.p;
        String id = null;
        String type = null;
        String source = null;
        String userId = null;
        Instant timestamp = null;
        byte[] data = null;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int bit = switch (name) {
                case "id" -> 1;
                case "type" -> 2;
                case "source" -> 4;
                case "user_id" -> 8;
                case "timestamp" -> 16;
                case "data" -> 32;
                default -> throw new InvalidEventException(name, unknownFieldMessage(name));
            };
            if ((seen & bit) != 0) {
                throw new InvalidEventException(name, "appears twice in the event");
            }
            seen |= bit;
            switch (bit) {
                case 1 -> id = v == JsonToken.VALUE_NULL ? null : token(p, v, "id");
                case 2 -> type = v == JsonToken.VALUE_NULL ? null : name(p, v, "type");
                case 4 -> source = v == JsonToken.VALUE_NULL ? null : name(p, v, "source");
                case 8 -> userId = v == JsonToken.VALUE_NULL ? null : userId(p, v);
                case 16 -> timestamp = v == JsonToken.VALUE_NULL ? null : timestamp(p, v);
                default -> data = data(in, v, body);
            }
        }
        if (type == null) {
            throw new InvalidEventException("type", "is required: " + EventRules.NAME_RULE);
        }
        if (source == null) {
            throw new InvalidEventException("source", "is required: " + EventRules.NAME_RULE);
        }
        if (data == null) {
            throw new InvalidEventException("data", "is required: a JSON object");
        }
        return new Event(id != null ? id : Uuid7.next(), type, source, userId, timestamp, data, receivedAt, null);
    }

    private static String unknownFieldMessage(String name) {
        String hint = switch (name) {
            case "userId", "userID", "user", "uid" -> "; did you mean user_id?";
            case "ts", "time", "occurred_at", "event_time" -> "; did you mean timestamp?";
            case "payload", "properties", "body" -> "; did you mean data?";
            case "event_type", "eventType", "name" -> "; did you mean type?";
            default -> "";
        };
        return "is not a field of an event (allowed: " + ALLOWED_FIELDS + ")" + hint;
    }

    private static String token(JsonParser p, JsonToken v, String field) throws IOException, InvalidEventException {
        if (v != JsonToken.VALUE_STRING) {
            throw new InvalidEventException(field, "must be a string of " + EventRules.TOKEN_RULE);
        }
        String s = p.getText();
        if (!EventRules.tokenLengthFits(s)) {
            throw new InvalidEventException(field, "must be 1-" + EventRules.TOKEN_MAX_CHARS
                    + " characters long, got " + EventRules.characters(s));
        }
        int bad = EventRules.firstNonTokenChar(s);
        if (bad >= 0) {
            throw new InvalidEventException(field, "may contain only " + EventRules.TOKEN_CHARS + " (found "
                    + describe(s.codePointAt(bad)) + " at position " + bad + ")");
        }
        return s;
    }

    private static String name(JsonParser p, JsonToken v, String field) throws IOException, InvalidEventException {
        if (v != JsonToken.VALUE_STRING) {
            throw new InvalidEventException(field, "must be a string of " + EventRules.NAME_RULE);
        }
        String s = p.getText();
        String error = EventRules.nameError(s);
        if (error != null) {
            throw new InvalidEventException(field, error);
        }
        return s;
    }

    private static String userId(JsonParser p, JsonToken v) throws IOException, InvalidEventException {
        if (v != JsonToken.VALUE_STRING) {
            throw new InvalidEventException("user_id", "must be a string of 1-" + EventRules.USER_ID_MAX_CHARS
                    + " characters");
        }
        String s = p.getText();
        String length = EventRules.userIdLengthError(s);
        if (length != null) {
            throw new InvalidEventException("user_id", length);
        }
        int lone = Surrogates.firstUnpaired(s);
        if (lone >= 0) {
            throw new InvalidEventException("user_id", "has an unpaired surrogate (" + describe(s.charAt(lone))
                    + ") at position " + lone + ": escape a character outside the BMP as a pair, or send it as UTF-8");
        }
        return s;
    }

    private static Instant timestamp(JsonParser p, JsonToken v) throws IOException, InvalidEventException {
        String hint = "must be an ISO-8601 instant with an offset, such as 2024-05-01T12:30:00Z or "
                + "2024-05-01T14:30:00.250+02:00";
        if (v != JsonToken.VALUE_STRING) {
            throw new InvalidEventException("timestamp", hint);
        }
        String s = p.getText();
        Instant t;
        try {
            // Truncated before the range check: the stored value is what must fit DATETIME(3).
            t = Timestamps.parseOffsetDateTime(s)
                    .truncatedTo(ChronoUnit.MILLIS);
        } catch (Timestamps.MisplacedLeapSecondException e) {
            throw new InvalidEventException("timestamp", e.getMessage());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidEventException("timestamp", hint + "; got '" + Messages.abbreviate(s, 200) + "'");
        }
        if (!EventRules.inTimeRange(t)) {
            throw new InvalidEventException("timestamp", EventRules.TIME_RANGE_RULE);
        }
        return t;
    }

    private byte[] data(Input in, JsonToken v, byte[] body) throws IOException, InvalidEventException {
        JsonParser p = in.p;
        if (v != JsonToken.START_OBJECT) {
            throw new InvalidEventException("data", "must be a JSON object, got " + kind(v));
        }
        long start = in.offset(p.currentTokenLocation());
        StorableJson.Violation unstorable = StorableJson.skipChecking(p);
        if (unstorable != null && unstorable.stoppedInside()) {
            throw InvalidEventException.stoppedInside("data", unstorable.error());
        }
        long end = in.offset(p.currentLocation());
        long size = end - start;
        if (size > maxEventBytes) {
            throw new InvalidEventException("data", "is " + size + " bytes, over the limit of " + maxEventBytes
                    + " bytes (--max-event-bytes)", true);
        }
        if (unstorable != null) {
            throw new InvalidEventException("data", unstorable.error());
        }
        int lone = Surrogates.firstUnpairedEscape(body, (int) start, (int) end);
        if (lone >= 0) {
            throw new InvalidEventException("data", "has an unpaired surrogate escape ("
                    + new String(body, lone, 6, StandardCharsets.US_ASCII) + " at byte " + lone
                    + "): a JSON string must be valid Unicode; escape a character outside the BMP as a pair");
        }
        return Arrays.copyOfRange(body, (int) start, (int) end);
    }

    private static void expectEnd(JsonParser p) throws IOException, MalformedBodyException {
        if (p.nextToken() != null) {
            throw new MalformedBodyException("the body has more content after its JSON object");
        }
    }

    /** A JSON value's kind as an error message names it ("an array", "a string", ...), from its first token. */
    public static String kind(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
            case START_OBJECT -> "an object";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : t.asString();
        };
    }

    private static String describe(int cp) {
        return cp < 0x20 || cp > 0x7E ? String.format("U+%04X", cp) : "'" + (char) cp + "'";
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
