package io.eventpipeline.source.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.google.protobuf.ByteString;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.event.StorableJson;
import io.eventpipeline.event.Surrogates;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Reads an OTLP logs export request ({@code ExportLogsServiceRequest} of the OpenTelemetry protocol, in its binary
 * protobuf or its JSON encoding) with the OpenTelemetry project's generated classes, and makes one event of each
 * log record:
 * <ul>
 * <li>type: the record's {@code event_name} when it has one (an OpenTelemetry event names its own kind); else
 * {@code log.} and the short name the logs data model gives its severity number, in lower case ({@code log.info},
 * {@code log.error}, {@code log.warn2}); {@code log} when the number is unspecified (0) or unknown. The severity
 * number, not the scope or the severity text, since it is the field every language's SDK fills the same way,
 * which makes "all errors" one query; the scope (the logger's name) varies with the code and stays in data;</li>
 * <li>source: the resource attribute {@code service.name} (every SDK sets it), else {@code otlp};</li>
 * <li>user_id: the record attribute {@code user.id} (the semantic conventions' name) when it is a string of 1-128
 * characters, not blank and without control characters, else none;</li>
 * <li>timestamp: the record's {@code time_unix_nano}, else its {@code observed_time_unix_nano}, else none;</li>
 * <li>id: a UUID-shaped digest (SHA-256, version 8) of the API key's name and the event's data (the record with its
 * resource and scope), so that an exporter that sends a request again (after a timeout, or a 503 in Kafka mode)
 * stores each record once. The n-th identical record in one request gets a digest of its own, so identical records
 * in one request are all kept; identical records in two requests are one event (the SDKs set every record's
 * observed time, in nanoseconds, so only a resend is identical);</li>
 * <li>data: every field of the record, its resource and its scope, by the .proto's field names, each left out
 * at its protobuf default; see {@link #data}.</li>
 * </ul>
 * A record is refused, and counted for the answer's {@code partial_success}, when its event_name or service.name
 * break the rule of a type or source ({@link EventRules#nameError}), its trace or span id has the wrong length,
 * its data is larger than the event limit or not storable ({@link StorableJson}), or it, its resource or its scope
 * is over {@link Reading#maxEncodedBytes()} in its encoding (left unread).
 */
public final class OtlpLogs {
    /** The source of records whose resource has no {@code service.name}. */
    public static final String DEFAULT_SOURCE = "otlp";
    /** The type of records without an event name or a known severity; the severity's name follows it otherwise. */
    public static final String TYPE_PREFIX = "log";
    private static final String[] SEVERITY_NAMES = {"trace", "debug", "info", "warn", "error", "fatal"};
    private static final HexFormat HEX = HexFormat.of();

    /**
     * The events of one request, in the order of its records, without the refused ones.
     *
     * @param rejected     how many records were refused
     * @param errorMessage why the first refused record was, with where it is, or null when none was
     */
    public record Result(List<Event> events, int rejected, String errorMessage) {
    }

    /** How a request's body is encoded. */
    public enum Encoding {
        /** The binary protobuf encoding, {@code application/x-protobuf}. */
        PROTOBUF,
        /** OTLP/JSON, {@code application/json}. */
        JSON
    }

    private final JsonFactory factory = JsonFactories.factory();
    private final long maxEventBytes;
    private final int maxRecords;
    private final long maxDataBytes;

    /**
     * @param maxEventBytes the most bytes an event's data may have (--max-event-bytes)
     * @param maxRecords    the most log records a request may hold (--max-batch-events)
     * @param maxDataBytes  the most bytes the data of one request's events may have together (--max-body-bytes):
     *                      each record's data repeats its resource and scope, so a small body could otherwise make
     *                      far more than its own size
     */
    public OtlpLogs(long maxEventBytes, int maxRecords, long maxDataBytes) {
        this.maxEventBytes = maxEventBytes;
        this.maxRecords = maxRecords;
        this.maxDataBytes = maxDataBytes;
    }

    /**
     * The events of a request's records, received at {@code receivedAt}; see the class comment. The body is read a
     * record at a time ({@link ProtobufRequest}, {@link JsonRequest}), so that what one request holds in memory is
     * bounded by its events, not by what its parse trees would take.
     *
     * @param keyName the name of the API key that sent the request, or null without keys: part of each id, so that
     *                the same record from two keys is two events
     * @throws MalformedBodyException when the body is not an {@code ExportLogsServiceRequest} in the encoding; with
     *                                {@link MalformedBodyException#tooLarge()} when it holds more records than
     *                                allowed, or makes more data than allowed
     */
    public Result read(byte[] body, Encoding encoding, String keyName, Instant receivedAt)
            throws MalformedBodyException {
        Reading reading = new Reading(keyName, receivedAt);
        if (encoding == Encoding.PROTOBUF) {
            ProtobufRequest.read(body, reading);
        } else {
            JsonRequest.read(body, reading);
        }
        return reading.result();
    }

    /** One request's records, taken as a reader finds them: each resource, then its scopes, each with its records. */
    final class Reading {
        private final byte[] keyName;
        private final Instant receivedAt;
        private final List<Event> events = new ArrayList<>();
        private final Set<String> ids = new HashSet<>();
        private int rejected;
        private long dataBytes;
        private String firstError;
        private int resources;
        private int scopes;
        private int records;
        private String source;
        private String resourceError;
        private String scopeError;
        private String nextScopeError;
        private String resourceJson;
        private String scopeJson;

        private Reading(String keyName, Instant receivedAt) {
            this.keyName = keyName == null ? new byte[0] : keyName.getBytes(StandardCharsets.UTF_8);
            this.receivedAt = receivedAt;
        }

        /** What a request holds, counted as a reader finds it, before it is read. */
        enum Part {
            RESOURCE_LOGS, SCOPE_LOGS, LOG_RECORD
        }

        /**
         * Counts a part found in the body, before it is read: past {@link #maxRecords} records, or as many
         * ResourceLogs or ScopeLogs (which hold no events of their own, and each cost a resource or scope to write
         * out), the request is refused whole.
         *
         * @throws MalformedBodyException (too large) past the limit
         */
        void found(Part part) throws MalformedBodyException {
            int n = switch (part) {
                case RESOURCE_LOGS -> ++resources;
                case SCOPE_LOGS -> ++scopes;
                case LOG_RECORD -> ++records;
            };
            if (n > maxRecords) {
                throw new MalformedBodyException("the request holds more than " + maxRecords + " "
                        + (part == Part.LOG_RECORD ? "log records" : part == Part.SCOPE_LOGS ? "ScopeLogs"
                        : "ResourceLogs") + " (--max-batch-events): export smaller batches (an SDK's "
                        + "maxExportBatchSize, a Collector's send_batch_max_size)", true);
            }
        }

        /**
         * The most bytes a record, a resource or a scope may take in its encoding before it is refused unread:
         * twice the event limit, since protobuf can be terser than the data made of it (a double is 9 bytes,
         * "0.5" 3), and OTLP/JSON's form of a value is wordier than data's.
         */
        long maxEncodedBytes() {
            return 2 * maxEventBytes;
        }

        /** The resource of the records that follow, until the next one. */
        void resource(Resource r, String schemaUrl) {
            source = serviceName(r);
            resourceJson = json(g -> writeResource(g, r, schemaUrl));
            resourceError = source == null || EventRules.nameError(source) == null ? null
                    : "has a resource whose service.name " + EventRules.nameError(source) + " (it is the event's "
                    + "source: " + EventRules.NAME_RULE + ")";
        }

        /**
         * A resource or scope of {@code bytes} in its encoding, over {@link #maxEncodedBytes()}, left unread: the
         * records of the resource, or of the scope whose {@link #scope} comes next, are refused.
         */
        void tooLarge(String what, long bytes) {
            String error = "has a " + what + " of " + bytes + " bytes, over the limit of " + maxEncodedBytes()
                    + " bytes (twice --max-event-bytes), which its data would repeat";
            if (what.equals("resource")) {
                resource(Resource.getDefaultInstance(), "");
                resourceError = error;
            } else {
                nextScopeError = error;
            }
        }

        /** A record of {@code bytes} in its encoding, over {@link #maxEncodedBytes()}, refused unread. */
        void recordTooLarge(long bytes, String where) {
            refuse(where + " is " + bytes + " bytes, over the limit of " + maxEncodedBytes()
                    + " bytes (twice --max-event-bytes) for a log record");
        }

        /** The scope of the records that follow, until the next one. */
        void scope(InstrumentationScope scope, String schemaUrl) {
            scopeError = nextScopeError;
            nextScopeError = null;
            scopeJson = json(g -> writeScope(g, scope, schemaUrl));
        }

        /**
         * A record of the current scope, found at {@code where} ("resourceLogs[0].scopeLogs[1].logRecords[2]").
         *
         * @throws MalformedBodyException (too large) past the most data of a request
         */
        void record(LogRecord record, String where) throws MalformedBodyException {
            String error = resourceError != null ? resourceError : scopeError != null ? scopeError
                    : recordError(record);
            byte[] data = null;
            if (error == null) {
                data = data(record, resourceJson, scopeJson);
                error = dataError(data);
            }
            if (error != null) {
                refuse(where + " " + error);
                return;
            }
            dataBytes += data.length;
            if (dataBytes > maxDataBytes) {
                throw new MalformedBodyException("the request's log records make more than " + maxDataBytes
                        + " bytes of event data (each repeats its resource and scope), over --max-body-bytes: "
                        + "export smaller batches", true);
            }
            events.add(new Event(id(data), type(record), source == null ? DEFAULT_SOURCE : source,
                    userId(record), time(record), data, receivedAt, null));
        }

        private void refuse(String error) {
            rejected++;
            if (firstError == null) {
                firstError = error;
            }
        }

        /**
         * The id of the event with {@code data}: a digest of the key's name and the data, which holds every field of
         * the record, its resource and its scope as the two encodings read alike (unknown fields left out), and of
         * its occurrence among identical records of the request.
         */
        private String id(byte[] data) {
            MessageDigest base = sha256();
            base.update(keyName);
            base.update((byte) 0);
            base.update(data);
            for (int occurrence = 0;; occurrence++) {
                MessageDigest d = copy(base);
                if (occurrence > 0) {
                    d.update(Integer.toString(occurrence).getBytes(StandardCharsets.US_ASCII));
                }
                String id = uuid(d.digest());
                if (ids.add(id)) {
                    return id;
                }
            }
        }

        private Result result() {
            String message = rejected == 0 ? null : rejected + " of " + (events.size() + rejected)
                    + " log records were refused; the first: " + firstError;
            return new Result(events, rejected, message);
        }
    }

    /** What breaks a rule in the record's own fields, after "logRecords[i] ", or null. */
    private static String recordError(LogRecord record) {
        if (!record.getEventName().isEmpty()) {
            String e = EventRules.nameError(record.getEventName());
            if (e != null) {
                return "has an event_name that " + e + " (it is the event's type: " + EventRules.NAME_RULE + ")";
            }
        }
        int trace = record.getTraceId().size();
        if (trace != 0 && trace != 16) {
            return "has a trace_id of " + trace + " bytes; a trace id is 16 bytes";
        }
        int span = record.getSpanId().size();
        if (span != 0 && span != 8) {
            return "has a span_id of " + span + " bytes; a span id is 8 bytes";
        }
        return null;
    }

    private String dataError(byte[] data) {
        if (data.length > maxEventBytes) {
            return "makes a data object of " + data.length + " bytes, over the limit of " + maxEventBytes
                    + " bytes (--max-event-bytes)";
        }
        int lone = Surrogates.firstUnpairedEscape(data, 0, data.length);
        if (lone >= 0) { // only OTLP/JSON can carry one, as an escape; Jackson writes it back as one
            return "has a string with an unpaired surrogate (" + new String(data, lone, 6, StandardCharsets.US_ASCII)
                    + "), which no database stores";
        }
        try (JsonParser p = factory.createParser(data)) {
            p.nextToken();
            StorableJson.Violation v = StorableJson.skipChecking(p);
            return v == null ? null : "makes a data object that " + v.error();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array of the generator's own JSON cannot fail to read
        }
    }

    /** The type: see the class comment. */
    static String type(LogRecord record) {
        if (!record.getEventName().isEmpty()) {
            return record.getEventName();
        }
        int n = record.getSeverityNumberValue();
        if (n < 1 || n > 24) {
            return TYPE_PREFIX;
        }
        int step = (n - 1) % 4;
        return TYPE_PREFIX + "." + SEVERITY_NAMES[(n - 1) / 4] + (step == 0 ? "" : Integer.toString(step + 1));
    }

    /** The resource's {@code service.name}, when it is a non-empty string; else null. */
    private static String serviceName(Resource resource) {
        for (KeyValue kv : resource.getAttributesList()) {
            if (kv.getKey().equals("service.name") && kv.getValue().hasStringValue()
                    && !kv.getValue().getStringValue().isEmpty()) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    private static String userId(LogRecord record) {
        for (KeyValue kv : record.getAttributesList()) {
            if (kv.getKey().equals("user.id") && kv.getValue().hasStringValue()) {
                String id = kv.getValue().getStringValue();
                return EventRules.userIdLengthError(id) == null && EventRules.nameError(id) == null ? id : null;
            }
        }
        return null;
    }

    private static Instant time(LogRecord record) {
        long nanos = record.getTimeUnixNano() != 0 ? record.getTimeUnixNano() : record.getObservedTimeUnixNano();
        if (nanos == 0) {
            return null;
        }
        long seconds = Long.divideUnsigned(nanos, 1_000_000_000L);
        return Instant.ofEpochSecond(seconds, Long.remainderUnsigned(nanos, 1_000_000_000L));
    }

    /** The first 16 bytes as a UUID of version 8 (RFC 9562 §5.8: a custom layout, here a SHA-256 digest). */
    private static String uuid(byte[] digest) {
        digest[6] = (byte) ((digest[6] & 0x0f) | 0x80);
        digest[8] = (byte) ((digest[8] & 0x3f) | 0x80);
        String hex = HEX.formatHex(digest, 0, 16);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }

    /**
     * The event's data: a JSON object with, in this order and each only when not at its protobuf default,
     * {@code severity_number}, {@code severity_text}, {@code body}, {@code attributes}, {@code event_name},
     * {@code trace_id} and {@code span_id} (lower-case hex), {@code flags}, {@code time_unix_nano} and
     * {@code observed_time_unix_nano} (decimal strings: JSON numbers past 2^53 lose digits in most readers),
     * {@code dropped_attributes_count}, {@code resource} and {@code scope}. Values ({@code body} and attributes) are
     * plain JSON: a string, a 64-bit integer as a number, a double as a number (NaN and the infinities as the
     * strings protobuf's JSON mapping gives them), a boolean, an array, a key-value list as an object, bytes as
     * base64, an empty value as null (an empty body is left out, as the JavaScript SDK sends one for a record
     * without a body).
     */
    private byte[] data(LogRecord record, String resourceJson, String scopeJson) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 + resourceJson.length() + scopeJson.length());
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            if (record.getSeverityNumberValue() != 0) {
                g.writeNumberField("severity_number", record.getSeverityNumberValue());
            }
            if (!record.getSeverityText().isEmpty()) {
                g.writeStringField("severity_text", record.getSeverityText());
            }
            if (record.getBody().getValueCase() != AnyValue.ValueCase.VALUE_NOT_SET) { // an empty body is none
                g.writeFieldName("body");
                writeValue(g, record.getBody());
            }
            writeAttributes(g, record.getAttributesList());
            if (!record.getEventName().isEmpty()) {
                g.writeStringField("event_name", record.getEventName());
            }
            writeHex(g, "trace_id", record.getTraceId());
            writeHex(g, "span_id", record.getSpanId());
            if (record.getFlags() != 0) {
                g.writeNumberField("flags", Integer.toUnsignedLong(record.getFlags()));
            }
            writeNanos(g, "time_unix_nano", record.getTimeUnixNano());
            writeNanos(g, "observed_time_unix_nano", record.getObservedTimeUnixNano());
            writeDropped(g, record.getDroppedAttributesCount());
            if (!resourceJson.equals("{}")) {
                g.writeFieldName("resource");
                g.writeRawValue(resourceJson);
            }
            if (!scopeJson.equals("{}")) {
                g.writeFieldName("scope");
                g.writeRawValue(scopeJson);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // nothing fails in memory
        }
        return out.toByteArray();
    }

    private static void writeResource(JsonGenerator g, Resource resource, String schemaUrl) throws IOException {
        g.writeStartObject();
        writeAttributes(g, resource.getAttributesList());
        if (!schemaUrl.isEmpty()) {
            g.writeStringField("schema_url", schemaUrl);
        }
        writeDropped(g, resource.getDroppedAttributesCount());
        g.writeEndObject();
    }

    private static void writeScope(JsonGenerator g, InstrumentationScope scope, String schemaUrl)
            throws IOException {
        g.writeStartObject();
        if (!scope.getName().isEmpty()) {
            g.writeStringField("name", scope.getName());
        }
        if (!scope.getVersion().isEmpty()) {
            g.writeStringField("version", scope.getVersion());
        }
        writeAttributes(g, scope.getAttributesList());
        if (!schemaUrl.isEmpty()) {
            g.writeStringField("schema_url", schemaUrl);
        }
        writeDropped(g, scope.getDroppedAttributesCount());
        g.writeEndObject();
    }

    private static void writeAttributes(JsonGenerator g, List<KeyValue> attributes) throws IOException {
        if (attributes.isEmpty()) {
            return;
        }
        g.writeFieldName("attributes");
        writeKeyValues(g, attributes);
    }

    private static void writeKeyValues(JsonGenerator g, List<KeyValue> values) throws IOException {
        g.writeStartObject();
        for (KeyValue kv : values) {
            g.writeFieldName(kv.getKey());
            writeValue(g, kv.getValue());
        }
        g.writeEndObject();
    }

    private static void writeValue(JsonGenerator g, AnyValue v) throws IOException {
        switch (v.getValueCase()) {
            case STRING_VALUE -> g.writeString(v.getStringValue());
            case BOOL_VALUE -> g.writeBoolean(v.getBoolValue());
            case INT_VALUE -> g.writeNumber(v.getIntValue());
            case DOUBLE_VALUE -> {
                double d = v.getDoubleValue();
                if (Double.isNaN(d)) {
                    g.writeString("NaN");
                } else if (Double.isInfinite(d)) {
                    g.writeString(d > 0 ? "Infinity" : "-Infinity");
                } else {
                    g.writeNumber(d);
                }
            }
            case ARRAY_VALUE -> {
                g.writeStartArray();
                for (AnyValue item : v.getArrayValue().getValuesList()) {
                    writeValue(g, item);
                }
                g.writeEndArray();
            }
            case KVLIST_VALUE -> writeKeyValues(g, v.getKvlistValue().getValuesList());
            case BYTES_VALUE -> g.writeString(Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray()));
            case VALUE_NOT_SET -> g.writeNull();
        }
    }

    private static void writeHex(JsonGenerator g, String name, ByteString bytes) throws IOException {
        if (!bytes.isEmpty()) {
            g.writeStringField(name, HEX.formatHex(bytes.toByteArray()));
        }
    }

    private static void writeNanos(JsonGenerator g, String name, long nanos) throws IOException {
        if (nanos != 0) {
            g.writeStringField(name, Long.toUnsignedString(nanos));
        }
    }

    private static void writeDropped(JsonGenerator g, int dropped) throws IOException {
        if (dropped != 0) {
            g.writeNumberField("dropped_attributes_count", Integer.toUnsignedLong(dropped));
        }
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    /** What {@code writer} writes, as a string: "{}" for an empty object. */
    private String json(Writer writer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = factory.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static MessageDigest copy(MessageDigest d) {
        try {
            return (MessageDigest) d.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }
}
