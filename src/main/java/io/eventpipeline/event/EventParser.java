package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
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
    /** MySQL refuses JSON documents nested deeper than 100; stay well inside that, envelope included. */
    public static final int MAX_NESTING_DEPTH = 64;
    /** DATETIME holds years 1000–9999. */
    private static final Instant MIN_TIME = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999Z");
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
                        .maxNumberLength(1000)
                        .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                        .maxDocumentLength(maxBodyBytes)
                        .maxNameLength(50_000)
                        .build())
                .build();
    }

    /** The outcome of a batch: the valid events (in request order) and one error per invalid index. */
    public record Batch(List<Event> events, List<IndexedError> errors) {
    }

    public record IndexedError(int index, String field, String error) {
    }

    public Event parseSingle(byte[] body) throws MalformedBodyException, InvalidEventException {
        checkUtf8(body);
        Instant receivedAt = now();
        try (JsonParser p = factory.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new MalformedBodyException("the body is empty: send one event as a JSON object");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object (one event)"
                        + (t == JsonToken.START_ARRAY ? "; send several to /events/batch as {\"events\":[...]}" : ""));
            }
            Event event = readEvent(p, body, receivedAt);
            expectEnd(p);
            return event;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new MalformedBodyException("the body could not be read: " + e.getMessage());
        }
    }

    public Batch parseBatch(byte[] body) throws MalformedBodyException {
        checkUtf8(body);
        Instant receivedAt = now();
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"events\":[...]}");
            }
            Batch batch = null;
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
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
                batch = readEvents(p, body, receivedAt);
            }
            if (t != JsonToken.END_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"events\":[...]}");
            }
            expectEnd(p);
            if (batch == null) {
                throw new MalformedBodyException("\"events\" is required: send {\"events\":[...]}");
            }
            if (batch.events().isEmpty() && batch.errors().isEmpty()) {
                throw new MalformedBodyException("\"events\" is empty: send at least one event");
            }
            return batch;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new MalformedBodyException("the body could not be read: " + e.getMessage());
        }
    }

    private Batch readEvents(JsonParser p, byte[] body, Instant receivedAt)
            throws IOException, MalformedBodyException {
        List<Event> events = new ArrayList<>();
        List<IndexedError> errors = new ArrayList<>();
        JsonStreamContext array = p.getParsingContext();
        int index = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new MalformedBodyException("the body ends inside the \"events\" array");
            }
            if (index >= maxBatchEvents) {
                throw new MalformedBodyException("the batch has more than " + maxBatchEvents
                        + " events (--max-batch-events): split it", true);
            }
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                errors.add(new IndexedError(index, "", "each element of \"events\" must be a JSON object"));
            } else {
                try {
                    events.add(readEvent(p, body, receivedAt));
                } catch (InvalidEventException e) {
                    errors.add(new IndexedError(index, e.fieldError().field(), e.fieldError().error()));
                    skipRestOfElement(p, array);
                }
            }
            index++;
        }
        return new Batch(events, errors);
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

    private Event readEvent(JsonParser p, byte[] body, Instant receivedAt) throws IOException, InvalidEventException {
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
                case 2 -> type = v == JsonToken.VALUE_NULL ? null : token(p, v, "type");
                case 4 -> source = v == JsonToken.VALUE_NULL ? null : token(p, v, "source");
                case 8 -> userId = v == JsonToken.VALUE_NULL ? null : userId(p, v);
                case 16 -> timestamp = v == JsonToken.VALUE_NULL ? null : timestamp(p, v);
                default -> data = data(p, v, body);
            }
        }
        if (type == null) {
            throw new InvalidEventException("type", "is required: 1-64 characters of A-Z a-z 0-9 . _ : -");
        }
        if (source == null) {
            throw new InvalidEventException("source", "is required: 1-64 characters of A-Z a-z 0-9 . _ : -");
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
            throw new InvalidEventException(field, "must be a string of 1-64 characters of A-Z a-z 0-9 . _ : -");
        }
        String s = p.getText();
        if (s.isEmpty() || s.length() > 64) {
            throw new InvalidEventException(field, "must be 1-64 characters long, got " + s.length());
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                throw new InvalidEventException(field, "may contain only A-Z a-z 0-9 . _ : - (found "
                        + describe(s.codePointAt(i)) + " at position " + i + ")");
            }
        }
        return s;
    }

    private static String userId(JsonParser p, JsonToken v) throws IOException, InvalidEventException {
        if (v != JsonToken.VALUE_STRING) {
            throw new InvalidEventException("user_id", "must be a string of 1-128 characters");
        }
        String s = p.getText();
        int n = s.codePointCount(0, s.length());
        if (n == 0 || n > 128) {
            throw new InvalidEventException("user_id", "must be 1-128 characters long, got " + n);
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
            throw new InvalidEventException("timestamp", hint + "; got '" + abbreviate(s) + "'");
        }
        if (t.isBefore(MIN_TIME) || t.isAfter(MAX_TIME)) {
            throw new InvalidEventException("timestamp", "must be between the years 1000 and 9999");
        }
        return t;
    }

    private byte[] data(JsonParser p, JsonToken v, byte[] body) throws IOException, InvalidEventException {
        if (v != JsonToken.START_OBJECT) {
            throw new InvalidEventException("data", "must be a JSON object, got " + kind(v));
        }
        long start = p.currentTokenLocation().getByteOffset();
        String unstorable = JsonNumbers.skipChildrenFindingUnstorable(p);
        long end = p.currentLocation().getByteOffset();
        long size = end - start;
        if (size > maxEventBytes) {
            throw new InvalidEventException("data", "is " + size + " bytes, over the limit of " + maxEventBytes
                    + " bytes (--max-event-bytes)", true);
        }
        if (unstorable != null) {
            throw new InvalidEventException("data", "has the number " + abbreviate(unstorable) + ", out of the range "
                    + "a database can store: numbers must fit a double (about 1e308)");
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

    private static void checkUtf8(byte[] body) throws MalformedBodyException {
        int bad = Utf8.firstInvalid(body, 0, body.length);
        if (bad >= 0) {
            throw new MalformedBodyException("the body is not valid UTF-8 (first bad byte at offset " + bad + ")");
        }
    }

    private static MalformedBodyException malformed(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            boolean depth = e.getOriginalMessage().contains("nesting depth");
            return new MalformedBodyException(depth
                    ? "the body is nested too deeply (at most " + MAX_NESTING_DEPTH + " levels)"
                    : "the body exceeds a parser limit: " + e.getOriginalMessage());
        }
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr();
        String message = e.getOriginalMessage();
        int cut = message.indexOf('\n');
        if (cut > 0) {
            message = message.substring(0, cut);
        }
        return new MalformedBodyException("the body is not valid JSON" + where + ": " + abbreviate(message));
    }

    private static String kind(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
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

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
