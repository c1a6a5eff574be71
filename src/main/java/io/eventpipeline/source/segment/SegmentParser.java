package io.eventpipeline.source.segment;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.BodyEncoding;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.JsonSyntax;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.event.RawJson;
import io.eventpipeline.event.StorableJson;
import io.eventpipeline.event.Surrogates;
import io.eventpipeline.event.Timestamps;
import io.eventpipeline.event.Uuid7;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads messages of the Segment HTTP tracking API (the spec of Segment's {@code /v1/batch}, {@code /v1/track}, …
 * routes, which Segment's and RudderStack's SDKs speak) and maps each to an event:
 * <ul>
 * <li>id: the {@code messageId} ({@link MessageIds}), or a new UUIDv7 when there is none;</li>
 * <li>type: the {@code event} of a track call ({@code Order Completed}), else the call
 * ({@code identify, page, screen, group, alias});</li>
 * <li>source: {@code segment.} and the call: {@code segment.track}, {@code segment.identify}, …;</li>
 * <li>user_id: {@code userId}, else {@code anonymousId} (a number is taken as its JSON text);</li>
 * <li>timestamp: {@code timestamp}, else {@code originalTimestamp} (RudderStack's name), as sent;</li>
 * <li>data: the whole message as sent, plus the batch's {@code sentAt}, {@code context} and {@code integrations}
 * where the message lacks them; a batch's context is merged into a message's own, the message's members winning
 * (the spec: batch-level context and integrations apply to every message of the batch).</li>
 * </ul>
 * A message must be an object with a known {@code type}, a {@code userId} or an {@code anonymousId} (the spec
 * requires one), an {@code event} name for a track call, and {@code data} must be storable ({@link StorableJson}).
 * In a batch, a message that breaks a rule is kept as a refused event ({@link Event#refused}) for the dead letter:
 * no SDK resends a batch answered 400, so refusing the batch would lose the valid messages, and answering by index
 * would reach nobody.
 */
public final class SegmentParser {
    /** The spec's limit of one message, in bytes. */
    public static final int MAX_MESSAGE_BYTES = 32 * 1024;
    /** The spec's limit of a batch body, in bytes (after gzip is inflated). */
    public static final int MAX_BATCH_BYTES = 500 * 1024;
    /**
     * How deep the batch body may nest, its own object being level 1. A message deeper than data allows
     * ({@link StorableJson#MAX_DEPTH}) goes to the dead letter; only a body deeper than this is refused whole.
     */
    public static final int MAX_NESTING_DEPTH = 1000;
    /** The source of a message's event is this and its call: {@code segment.track}. */
    public static final String SOURCE_PREFIX = "segment.";
    /** The type of a refused message whose call is not known. */
    static final String UNKNOWN_CALL = "unknown";

    /** The calls of the spec, by the name its {@code type} field gives them. */
    public enum Call {
        TRACK, IDENTIFY, PAGE, SCREEN, GROUP, ALIAS;

        /** The name in a message's {@code type} and in the route: {@code track}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The one-letter name of the call's browser route: {@code t} for {@code /v1/t}. analytics.js posts each
         * call to the first letter of its type (analytics-next's Segment.io plugin: {@code type.charAt(0)}).
         */
        public String shortName() {
            return wireName().substring(0, 1);
        }

        /** The call named {@code type} (any case), or null. */
        public static Call of(String type) {
            for (Call c : values()) {
                if (c.name().equalsIgnoreCase(type)) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final String CALLS = "track, identify, page, screen, group, alias";
    /** {@code "type":"track"} and so on: what a single call's route adds to a message that does not say its call. */
    private static final java.util.Map<Call, RawMember> TYPE_MEMBERS = new java.util.EnumMap<>(Call.class);

    static {
        for (Call c : Call.values()) {
            byte[] value = ("\"" + c.wireName() + "\"").getBytes(StandardCharsets.US_ASCII);
            TYPE_MEMBERS.put(c, new RawMember("type", ("\"type\":\"" + c.wireName() + "\"")
                    .getBytes(StandardCharsets.US_ASCII), value));
        }
    }

    /**
     * A batch read: {@code events} in message order, refused messages included ({@link Event#refusal()} set), and
     * why each refused one was refused.
     */
    public record Batch(List<Event> events, List<EventParser.IndexedError> errors) {
        /** Messages to store: those not refused. */
        public int valid() {
            return events.size() - errors.size();
        }
    }

    private final JsonFactory factory;
    private final int maxMessageBytes;
    private final int maxBatchMessages;

    /**
     * @param maxMessageBytes  the largest message, in bytes (the spec's {@link #MAX_MESSAGE_BYTES} or less), with
     *                         what the batch's envelope adds to it
     * @param maxBatchMessages the most messages a batch may hold
     */
    public SegmentParser(int maxMessageBytes, int maxBatchMessages) {
        this.maxMessageBytes = maxMessageBytes;
        this.maxBatchMessages = maxBatchMessages;
        this.factory = JsonFactories.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_BATCH_BYTES)
                        .maxStringLength(MAX_BATCH_BYTES)
                        .maxNameLength(MAX_BATCH_BYTES)
                        .build())
                .build();
    }

    /** A member of the batch envelope as its raw bytes: {@code "name": value}, and the value alone. */
    private record RawMember(String name, byte[] member, byte[] value) {
    }

    /** What the envelope gives every message: the raw members {@code sentAt}, {@code context}, {@code integrations}. */
    private record Shared(RawMember sentAt, RawMember context, List<RawMember> contextMembers,
            RawMember integrations) {
        static final Shared NONE = new Shared(null, null, List.of(), null);

        /** The most bytes these add to one message. */
        int bytes() {
            int n = 0;
            for (RawMember m : new RawMember[] {sentAt, context, integrations}) {
                n += m == null ? 0 : m.member().length + 1;
            }
            return n;
        }
    }

    /**
     * A batch body read as far as its envelope: where its messages are, what the envelope gives them, and its
     * {@code writeKey} (null when it has none), which Segment's libraries send in the body rather than as
     * credentials. Reading the messages ({@link #messages}) is the costly part, left until the key is checked.
     */
    public static final class Envelope {
        private final byte[] body;
        private final List<int[]> elements;
        private final Shared shared;
        private final String writeKey;
        private final Instant receivedAt;

        private Envelope(byte[] body, List<int[]> elements, Shared shared, String writeKey, Instant receivedAt) {
            this.body = body;
            this.elements = elements;
            this.shared = shared;
            this.writeKey = writeKey;
            this.receivedAt = receivedAt;
        }

        public String writeKey() {
            return writeKey;
        }
    }

    /**
     * The envelope of a body {@code {"batch":[…], "sentAt":…, "context":{…}, "integrations":{…}, "writeKey":…}}:
     * the whole body is checked to be JSON, each member of the envelope at most once, the messages located;
     * other envelope members ({@code sequence}, …) are ignored.
     *
     * @throws MalformedBodyException the body is not UTF-8 JSON, not such an envelope, its {@code context} is not
     *                                a storable object, it holds no message, or more than the limits
     *                                ({@link MalformedBodyException#tooLarge()}): too many messages, or an
     *                                envelope that, repeated in each message, would make the batch more than
     *                                twice {@link #MAX_BATCH_BYTES}
     */
    public Envelope readEnvelope(byte[] body) throws MalformedBodyException {
        BodyEncoding.requireUtf8(body);
        Instant receivedAt = now();
        List<int[]> elements = new ArrayList<>();
        RawMember sentAt = null;
        RawMember context = null;
        RawMember integrations = null;
        String writeKey = null;
        Set<String> seen = new HashSet<>();
        List<RawMember> contextMembers = List.of();
        try (JsonParser p = factory.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"batch\":[...]}");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int memberStart = (int) p.currentTokenLocation().getByteOffset();
                JsonToken value = p.nextToken();
                int valueStart = (int) p.currentTokenLocation().getByteOffset();
                if (!seen.add(name)) {
                    throw new MalformedBodyException("\"" + Messages.abbreviate(name, 100)
                            + "\" appears twice in the body's envelope");
                }
                if (name.equals("batch")) {
                    if (value != JsonToken.START_ARRAY) {
                        throw new MalformedBodyException("\"batch\" must be an array of messages");
                    }
                    readElements(p, body, elements);
                    continue;
                }
                if (name.equals("context") && value != JsonToken.START_OBJECT && value != JsonToken.VALUE_NULL) {
                    throw new MalformedBodyException("\"context\" in the envelope must be an object: it is merged "
                            + "into each message's context");
                }
                int valueEnd = endOfValue(p, body, valueStart);
                RawMember member = new RawMember(name, Arrays.copyOfRange(body, memberStart, valueEnd),
                        Arrays.copyOfRange(body, valueStart, valueEnd));
                switch (name) {
                    case "sentAt" -> sentAt = member;
                    case "context" -> context = value == JsonToken.START_OBJECT ? member : null;
                    case "integrations" -> integrations = member;
                    case "writeKey" -> writeKey = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    default -> {
                    }
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object of the form {\"batch\":[...]}");
            }
            if (p.nextToken() != null) {
                throw new MalformedBodyException("the body has more content after its JSON object");
            }
            if (context != null) {
                String problem = storableProblem(context.value());
                if (problem != null) {
                    throw new MalformedBodyException("\"context\" in the envelope " + problem);
                }
                contextMembers = members(context.value());
            }
        } catch (IOException e) {
            throw JsonSyntax.malformedBody(e, body, MAX_NESTING_DEPTH);
        }
        if (!seen.contains("batch")) {
            throw new MalformedBodyException("\"batch\" is required: send {\"batch\":[...]}");
        }
        if (elements.isEmpty()) {
            throw new MalformedBodyException("\"batch\" is empty: send at least one message");
        }
        Shared shared = new Shared(sentAt, context, contextMembers, integrations);
        long added = (long) shared.bytes() * elements.size();
        if (added > MAX_BATCH_BYTES) {
            throw new MalformedBodyException("the envelope's sentAt, context and integrations, " + shared.bytes()
                    + " bytes, would be added to each of the " + elements.size() + " messages: " + added
                    + " bytes, over the limit of " + MAX_BATCH_BYTES + " bytes for what an envelope adds to a batch; "
                    + "send less context or fewer messages a batch", true);
        }
        return new Envelope(body, elements, shared, writeKey, receivedAt);
    }

    /**
     * The messages of a batch whose envelope was read, as events: each that breaks a rule as a refused event, its
     * reason in {@code errors} by index.
     */
    public Batch messages(Envelope envelope) {
        List<Event> events = new ArrayList<>(envelope.elements.size());
        List<EventParser.IndexedError> errors = new ArrayList<>();
        for (int i = 0; i < envelope.elements.size(); i++) {
            int[] at = envelope.elements.get(i);
            byte[] message = Arrays.copyOfRange(envelope.body, at[0], at[1]);
            Read read = read(message, null, envelope.shared, envelope.receivedAt);
            events.add(read.event());
            if (read.error() != null) {
                errors.add(new EventParser.IndexedError(i, read.error().fieldError().field(),
                        read.error().fieldError().error()));
            }
        }
        return new Batch(events, errors);
    }

    /** The envelope and the messages of a batch body at once: {@link #readEnvelope}, then {@link #messages}. */
    public Batch parseBatch(byte[] body) throws MalformedBodyException {
        return messages(readEnvelope(body));
    }

    /**
     * One message read: its event, or the rule it breaks ({@code error}: the field is named; a size rule is
     * {@link InvalidEventException#tooLarge()}); and its {@code writeKey}, or null.
     */
    public record Single(Event event, InvalidEventException error, String writeKey) {
    }

    /**
     * One message, the body of {@code /v1/track} and its siblings: the route gives the call.
     *
     * @throws MalformedBodyException the body is not UTF-8 JSON or not one object
     */
    public Single parseSingle(byte[] body, Call call) throws MalformedBodyException {
        BodyEncoding.requireUtf8(body);
        int start;
        int end;
        try (JsonParser p = factory.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new MalformedBodyException("the body is empty: send one message as a JSON object");
            }
            if (t != JsonToken.START_OBJECT) {
                throw new MalformedBodyException("the body must be a JSON object (one message)");
            }
            start = (int) p.currentTokenLocation().getByteOffset();
            p.skipChildren();
            end = (int) p.currentLocation().getByteOffset();
            if (p.nextToken() != null) {
                throw new MalformedBodyException("the body has more content after its JSON object");
            }
        } catch (IOException e) {
            throw JsonSyntax.malformedBody(e, body, MAX_NESTING_DEPTH);
        }
        byte[] message = start == 0 && end == body.length ? body : Arrays.copyOfRange(body, start, end);
        Read read = read(message, call, Shared.NONE, now());
        return new Single(read.error() == null ? read.event() : null, read.error(), read.writeKey());
    }

    /** The event of a message; with {@code error} set, the event is the refused message. */
    private record Read(Event event, InvalidEventException error, String writeKey) {
    }

    /** The top-level fields of a message the mapping reads, and the first rule it breaks. */
    private static final class Fields {
        String type;
        String messageId;
        String userId;
        String anonymousId;
        String event;
        String timestamp;
        String timestampField;
        String originalTimestamp;
        JsonToken originalTimestampToken;
        /** A writeKey member: a secret, never stored; where it is, to cut it out. */
        String writeKey;
        int writeKeyStart = -1;
        int writeKeyEnd = -1;
        /** Where the message's own context object is, or null. */
        int contextStart = -1;
        int contextEnd = -1;
        Set<String> names = new HashSet<>();
        InvalidEventException error;

        void fail(String field, String error) {
            if (this.error == null) {
                this.error = new InvalidEventException(field, error);
            }
        }
    }

    private Read read(byte[] message, Call routeCall, Shared envelope, Instant receivedAt) {
        if (message.length == 0 || message[0] != '{') {
            return refused(message, null, null, receivedAt,
                    new InvalidEventException("", "each message must be a JSON object"));
        }
        Fields f = new Fields();
        try {
            readFields(message, f);
            while (f.writeKeyStart >= 0) { // a loop: a second writeKey member must go too
                String writeKey = f.writeKey;
                message = without(message, f.writeKeyStart, f.writeKeyEnd);
                f = new Fields();
                readFields(message, f);
                f.writeKey = writeKey;
            }
        } catch (IOException e) {
            // The envelope pass read the same bytes as JSON: only a limit can fail here.
            f.fail("", "could not be read: " + Messages.rootMessage(e));
        }
        if (f.timestamp == null && f.originalTimestampToken != null) {
            f.timestamp = f.originalTimestamp;
            f.timestampField = "originalTimestamp";
            if (f.originalTimestampToken != JsonToken.VALUE_STRING && f.originalTimestampToken != JsonToken.VALUE_NULL) {
                f.fail("originalTimestamp", "must be a string");
            }
        }
        Call call = routeCall;
        if (routeCall == null) {
            call = f.type == null ? null : Call.of(f.type);
            if (f.type == null) {
                f.fail("type", "is required: one of " + CALLS);
            } else if (call == null) {
                f.fail("type", "must be one of " + CALLS + "; got '" + Messages.abbreviate(f.type, 100) + "'");
            }
        } else if (f.type != null && Call.of(f.type) != routeCall) {
            f.fail("type", "is '" + Messages.abbreviate(f.type, 100) + "', but this route takes " + routeCall.wireName()
                    + " messages");
        }
        if (message.length > maxMessageBytes) {
            InvalidEventException tooLarge = new InvalidEventException("", "the message is " + message.length
                    + " bytes, over the limit of " + maxMessageBytes + " bytes (the Segment spec's 32 KB)", true);
            return refused(message, f, call, receivedAt, tooLarge);
        }
        if (f.error != null) {
            return refused(message, f, call, receivedAt, f.error);
        }
        try {
            String type = call == Call.TRACK ? trackName(f.event) : call.wireName();
            String userId = userId(f);
            Instant timestamp = f.timestamp == null ? null : timestamp(f.timestampField, f.timestamp);
            byte[] data = data(message, f, routeCall, envelope);
            if (data.length > maxMessageBytes) {
                throw new InvalidEventException("", "the message, with the batch's sentAt, context and integrations "
                        + "added, is " + data.length + " bytes, over the limit of " + maxMessageBytes
                        + " bytes (the Segment spec's 32 KB)", true);
            }
            requireStorable(data);
            String id = f.messageId != null ? MessageIds.eventId(f.messageId) : Uuid7.next();
            return new Read(new Event(id, type, SOURCE_PREFIX + call.wireName(), userId, timestamp, data, receivedAt,
                    null), null, f.writeKey);
        } catch (InvalidEventException e) {
            return refused(message, f, call, receivedAt, e);
        } catch (IOException e) {
            return refused(message, f, call, receivedAt,
                    new InvalidEventException("", "could not be read: " + Messages.rootMessage(e)));
        }
    }

    private static Read refused(byte[] message, Fields f, Call call, Instant receivedAt, InvalidEventException e) {
        String id = f != null && f.messageId != null ? MessageIds.eventId(f.messageId) : Uuid7.next();
        String field = e.fieldError().field();
        String reason = (field.isEmpty() ? "" : field + ": ") + e.fieldError().error();
        return new Read(Event.refused(id, call == null ? UNKNOWN_CALL : call.wireName(), "segment", message,
                receivedAt, reason), e, f == null ? null : f.writeKey);
    }

    /** Reads the top-level members the mapping needs, skipping the rest; records the first rule broken. */
    private void readFields(byte[] message, Fields f) throws IOException {
        try (JsonParser p = factory.createParser(message)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int memberStart = (int) p.currentTokenLocation().getByteOffset();
                JsonToken v = p.nextToken();
                if (!f.names.add(name)) {
                    f.fail(name, "appears twice in the message");
                }
                switch (name) {
                    case "type" -> f.type = string(p, v, f, name);
                    case "messageId" -> f.messageId = scalarText(p, v, message);
                    case "userId" -> f.userId = idText(p, v, f, name);
                    case "anonymousId" -> f.anonymousId = idText(p, v, f, name);
                    case "event" -> f.event = string(p, v, f, name);
                    case "timestamp" -> {
                        f.timestamp = string(p, v, f, name);
                        f.timestampField = name;
                    }
                    case "originalTimestamp" -> {
                        // RudderStack's name, used only without a timestamp: its rules apply only then.
                        f.originalTimestamp = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        f.originalTimestampToken = v;
                    }
                    case "writeKey" -> {
                        f.writeKey = v == JsonToken.VALUE_STRING ? p.getText() : null;
                        f.writeKeyStart = memberStart;
                        int valueStart = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        f.writeKeyEnd = RawJson.endOfValue(message, valueStart);
                    }
                    case "context" -> {
                        if (v == JsonToken.START_OBJECT) {
                            f.contextStart = (int) p.currentTokenLocation().getByteOffset();
                            p.skipChildren();
                            f.contextEnd = (int) p.currentLocation().getByteOffset();
                        }
                    }
                    default -> {
                    }
                }
                p.skipChildren();
            }
        }
    }

    /**
     * The message without the member from {@code start} (its name) to {@code end} (just past its value), and
     * without the comma that separated it from the next member or, for the last one, the previous.
     */
    private static byte[] without(byte[] message, int start, int end) {
        int after = end;
        while (after < message.length && isSpace(message[after])) {
            after++;
        }
        if (message[after] == ',') {
            end = after + 1;
        } else {
            int before = start - 1;
            while (before > 0 && isSpace(message[before])) {
                before--;
            }
            if (message[before] == ',') {
                start = before;
            }
        }
        byte[] out = new byte[message.length - (end - start)];
        System.arraycopy(message, 0, out, 0, start);
        System.arraycopy(message, end, out, start, message.length - end);
        return out;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }

    /** A string member, or null for null; anything else is a rule broken. */
    private static String string(JsonParser p, JsonToken v, Fields f, String name) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        if (v != JsonToken.VALUE_NULL) {
            f.fail(name, "must be a string");
        }
        return null;
    }

    /** A user id: a string, or a number taken as its JSON text (Segment's API accepts both). */
    private static String idText(JsonParser p, JsonToken v, Fields f, String name) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getText();
        }
        return string(p, v, f, name);
    }

    /**
     * A messageId: a string as it is, any other value but null as its JSON text (a number, or what an odd client
     * sends), so that a retry of the same message still finds the same id.
     */
    private static String scalarText(JsonParser p, JsonToken v, byte[] message) throws IOException {
        return switch (v) {
            case VALUE_NULL -> null;
            case VALUE_STRING, VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT, VALUE_TRUE, VALUE_FALSE -> p.getText();
            default -> {
                int start = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                int end = (int) p.currentLocation().getByteOffset();
                yield new String(message, start, end - start, StandardCharsets.UTF_8);
            }
        };
    }

    private static String trackName(String event) throws InvalidEventException {
        if (event == null) {
            throw new InvalidEventException("event", "is required in a track call: the name of the action, such as "
                    + "\"Order Completed\"");
        }
        String error = EventRules.nameError(event);
        if (error != null) {
            throw new InvalidEventException("event", error);
        }
        return event;
    }

    /**
     * userId, else anonymousId, checked as user_id: the spec requires one of them. An empty string is no id, as
     * the SDKs send {@code ""} for a user not known yet.
     */
    private static String userId(Fields f) throws InvalidEventException {
        boolean user = f.userId != null && !f.userId.isEmpty();
        String field = user ? "userId" : "anonymousId";
        String value = user ? f.userId : f.anonymousId == null || f.anonymousId.isEmpty() ? null : f.anonymousId;
        if (value == null) {
            throw new InvalidEventException("userId", "a message needs a userId or an anonymousId (the Segment "
                    + "spec requires one)");
        }
        String length = EventRules.userIdLengthError(value);
        if (length != null) {
            throw new InvalidEventException(field, length + " (it is stored as user_id)");
        }
        int lone = Surrogates.firstUnpaired(value);
        if (lone >= 0) {
            throw new InvalidEventException(field, "has an unpaired surrogate at position " + lone);
        }
        return value;
    }

    private static Instant timestamp(String field, String s) throws InvalidEventException {
        Instant t;
        try {
            t = Timestamps.parseOffsetDateTime(s).truncatedTo(ChronoUnit.MILLIS);
        } catch (Timestamps.MisplacedLeapSecondException e) {
            throw new InvalidEventException(field, e.getMessage());
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidEventException(field, "must be an ISO-8601 date-time with an offset, such as "
                    + "2024-05-01T12:30:00.000Z; got '" + Messages.abbreviate(s, 200) + "'");
        }
        if (!EventRules.inTimeRange(t)) {
            throw new InvalidEventException(field, EventRules.TIME_RANGE_RULE);
        }
        return t;
    }

    /**
     * The message with what the envelope adds: members it lacks appended before its closing brace, and the
     * envelope's context members the message's context lacks appended to that context. Raw bytes throughout: the
     * message's own text is never re-serialized.
     */
    private byte[] data(byte[] message, Fields f, Call routeCall, Shared envelope) throws IOException {
        List<RawMember> add = new ArrayList<>(4);
        RawMember type = routeCall == null ? null : TYPE_MEMBERS.get(routeCall);
        for (RawMember m : new RawMember[] {type, envelope.sentAt(), envelope.context(), envelope.integrations()}) {
            if (m != null && !f.names.contains(m.name())) {
                add.add(m);
            }
        }
        List<RawMember> contextAdd = List.of();
        if (f.contextStart >= 0 && !envelope.contextMembers().isEmpty()) {
            Set<String> own = new HashSet<>();
            for (RawMember m : members(Arrays.copyOfRange(message, f.contextStart, f.contextEnd))) {
                own.add(m.name());
            }
            contextAdd = new ArrayList<>();
            for (RawMember m : envelope.contextMembers()) {
                if (!own.contains(m.name())) {
                    contextAdd.add(m);
                }
            }
        }
        if (add.isEmpty() && contextAdd.isEmpty()) {
            return message;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 256);
        int close = message.length - 1; // the message's closing brace
        if (!contextAdd.isEmpty()) {
            int contextClose = f.contextEnd - 1;
            out.write(message, 0, contextClose);
            appendMembers(out, contextAdd, hasMembers(message, f.contextStart, contextClose));
            out.write(message, contextClose, close - contextClose);
        } else {
            out.write(message, 0, close);
        }
        appendMembers(out, add, !f.names.isEmpty());
        out.write('}');
        return out.toByteArray();
    }

    private static void appendMembers(ByteArrayOutputStream out, List<RawMember> members, boolean comma) {
        for (RawMember m : members) {
            if (comma) {
                out.write(',');
            }
            out.write(m.member(), 0, m.member().length);
            comma = true;
        }
    }

    /** Whether the object from {@code open} (its brace) to {@code close} (its closing brace) has a member. */
    private static boolean hasMembers(byte[] b, int open, int close) {
        for (int i = open + 1; i < close; i++) {
            if (!isSpace(b[i])) {
                return true;
            }
        }
        return false;
    }

    /** The members of a JSON object, raw. */
    private List<RawMember> members(byte[] object) throws IOException {
        List<RawMember> members = new ArrayList<>();
        try (JsonParser p = factory.createParser(object)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                int memberStart = (int) p.currentTokenLocation().getByteOffset();
                p.nextToken();
                int valueStart = (int) p.currentTokenLocation().getByteOffset();
                p.skipChildren();
                int valueEnd = RawJson.endOfValue(object, valueStart);
                members.add(new RawMember(name, Arrays.copyOfRange(object, memberStart, valueEnd),
                        Arrays.copyOfRange(object, valueStart, valueEnd)));
            }
        }
        return members;
    }

    /** What data must be for every database to store it: see {@link StorableJson} and {@link Surrogates}. */
    private void requireStorable(byte[] data) throws IOException, InvalidEventException {
        String problem = storableProblem(data);
        if (problem != null) {
            throw new InvalidEventException("", "the message " + problem);
        }
    }

    /** What keeps a JSON object from being stored by every database, after its subject ("has …"), or null. */
    private String storableProblem(byte[] object) throws IOException {
        try (JsonParser p = factory.createParser(object)) {
            p.nextToken();
            StorableJson.Violation v = StorableJson.skipChecking(p);
            if (v != null) {
                return v.error();
            }
        }
        int lone = Surrogates.firstUnpairedEscape(object, 0, object.length);
        return lone < 0 ? null : "has an unpaired surrogate escape ("
                + new String(object, lone, 6, StandardCharsets.US_ASCII) + " at byte " + lone + ")";
    }

    /** Collects the start and end of each element of the "batch" array, the parser at its start. */
    private void readElements(JsonParser p, byte[] body, List<int[]> elements)
            throws IOException, MalformedBodyException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new MalformedBodyException("the body ends inside the \"batch\" array");
            }
            if (elements.size() >= maxBatchMessages) {
                throw new MalformedBodyException("the batch has more than " + maxBatchMessages
                        + " messages (--max-batch-events): send smaller batches (the SDKs' flushAt)", true);
            }
            int start = (int) p.currentTokenLocation().getByteOffset();
            elements.add(new int[] {start, endOfValue(p, body, start)});
        }
    }

    /**
     * Moves the parser past the value starting at {@code start}, reading it whole (a string's text is read lazily
     * otherwise, so its end would not be checked), and gives the offset just after it.
     */
    private static int endOfValue(JsonParser p, byte[] body, int start) throws IOException, MalformedBodyException {
        p.skipChildren();
        p.finishToken();
        int end = RawJson.endOfValue(body, start);
        if (end < 0) {
            throw new MalformedBodyException("the body ends inside a value: it is not complete JSON");
        }
        return end;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
