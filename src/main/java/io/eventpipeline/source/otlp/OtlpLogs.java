package io.eventpipeline.source.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventRules;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.event.StorableJson;
import io.eventpipeline.event.Surrogates;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
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
import java.util.Locale;
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
 * <li>user_id: the record attribute {@code user.id} (the semantic conventions' name) when it is a string that fits
 * the column, else none;</li>
 * <li>timestamp: the record's {@code time_unix_nano}, else its {@code observed_time_unix_nano}, else none;</li>
 * <li>id: a UUID-shaped digest (SHA-256, version 8) of the record with its resource and scope, so that an exporter
 * that sends a request again (after a timeout, or a 503 in Kafka mode) stores each record once. The n-th identical
 * record in one request gets a digest of its own, so identical records in one request are all kept;</li>
 * <li>data: every field of the record, its resource and its scope, by the .proto's field names, each left out
 * at its protobuf default; see {@link #data}.</li>
 * </ul>
 * A record is refused, and counted for the answer's {@code partial_success}, when its event_name or service.name
 * break the rule of a type or source ({@link EventRules#nameError}), its trace or span id has the wrong length,
 * or its data is larger than the event limit or not storable ({@link StorableJson}).
 */
public final class OtlpLogs {
    /** The source of records whose resource has no {@code service.name}. */
    public static final String DEFAULT_SOURCE = "otlp";
    /** The type of records without an event name or a known severity; the severity's name follows it otherwise. */
    public static final String TYPE_PREFIX = "log";
    /** The deepest a JSON body may nest before it is refused whole; JsonFormat's own limit is 100. */
    static final int MAX_JSON_DEPTH = 200;
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

    private final JsonFactory factory = JsonFactories.factory();
    private final ObjectMapper mapper;
    private final long maxEventBytes;

    /** @param maxEventBytes the most bytes an event's data may have (--max-event-bytes) */
    public OtlpLogs(long maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
        this.mapper = new ObjectMapper(JsonFactories.builder().streamReadConstraints(
                com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                .build());
    }

    /**
     * A request in the binary protobuf encoding ({@code application/x-protobuf}).
     *
     * @throws MalformedBodyException when the bytes are not an {@code ExportLogsServiceRequest}
     */
    public ExportLogsServiceRequest parseProtobuf(byte[] body) throws MalformedBodyException {
        try {
            return ExportLogsServiceRequest.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            throw new MalformedBodyException("the body is not an OTLP ExportLogsServiceRequest in protobuf: "
                    + Messages.abbreviate(e.getMessage()));
        }
    }

    /**
     * A request in OTLP/JSON ({@code application/json}): protobuf's JSON mapping, read by protobuf's own
     * {@link JsonFormat}, with the two differences the OTLP specification makes: trace and span ids are hex strings
     * (not base64), which are turned into what JsonFormat reads first; and unknown fields are ignored. Field names
     * may be lowerCamelCase or the .proto's, enums names or numbers, 64-bit integers strings or numbers.
     *
     * @throws MalformedBodyException when the body is not such a request: not JSON, a field of the wrong kind, an
     *                                id that is not hex
     */
    public ExportLogsServiceRequest parseJson(byte[] body) throws MalformedBodyException {
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (IOException e) {
            String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage()
                    : e.getMessage();
            throw new MalformedBodyException("the body is not valid JSON: " + Messages.abbreviate(detail));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedBodyException("the body must be a JSON object (an OTLP ExportLogsServiceRequest)");
        }
        hexIdsToBase64((ObjectNode) root);
        ExportLogsServiceRequest.Builder request = ExportLogsServiceRequest.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(mapper.writeValueAsString(root), request);
        } catch (IOException | RuntimeException e) {
            throw new MalformedBodyException("the body is not an OTLP ExportLogsServiceRequest in JSON: "
                    + Messages.abbreviate(Messages.rootMessage(e)));
        }
        return request.build();
    }

    /** How many log records the request holds. */
    public static int recordCount(ExportLogsServiceRequest request) {
        int n = 0;
        for (ResourceLogs rl : request.getResourceLogsList()) {
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                n += sl.getLogRecordsCount();
            }
        }
        return n;
    }

    /** The events of the request's records, received at {@code receivedAt}; see the class comment. */
    public Result events(ExportLogsServiceRequest request, Instant receivedAt) {
        List<Event> events = new ArrayList<>(recordCount(request));
        Set<String> ids = new HashSet<>();
        int rejected = 0;
        String firstError = null;
        for (int r = 0; r < request.getResourceLogsCount(); r++) {
            ResourceLogs rl = request.getResourceLogs(r);
            String source = serviceName(rl.getResource());
            String resourceJson = json(g -> writeResource(g, rl.getResource(), rl.getSchemaUrl()));
            String resourceError = source == null || EventRules.nameError(source) == null ? null
                    : "has a resource whose service.name " + EventRules.nameError(source) + " (it is the event's "
                    + "source: " + EventRules.NAME_RULE + ")";
            for (int s = 0; s < rl.getScopeLogsCount(); s++) {
                ScopeLogs sl = rl.getScopeLogs(s);
                String scopeJson = json(g -> writeScope(g, sl.getScope(), sl.getSchemaUrl()));
                MessageDigest prefix = sha256();
                prefix.update(rl.getResource().toByteArray());
                prefix.update(rl.getSchemaUrlBytes().toByteArray());
                prefix.update((byte) 0);
                prefix.update(sl.getScope().toByteArray());
                prefix.update(sl.getSchemaUrlBytes().toByteArray());
                prefix.update((byte) 0);
                for (int i = 0; i < sl.getLogRecordsCount(); i++) {
                    LogRecord record = sl.getLogRecords(i);
                    String error = resourceError != null ? resourceError : recordError(record);
                    byte[] data = null;
                    if (error == null) {
                        data = data(record, resourceJson, scopeJson);
                        error = dataError(data);
                    }
                    if (error != null) {
                        rejected++;
                        if (firstError == null) {
                            firstError = "resourceLogs[" + r + "].scopeLogs[" + s + "].logRecords[" + i + "] "
                                    + error;
                        }
                        continue;
                    }
                    String id = id(prefix, record, ids);
                    events.add(new Event(id, type(record), source == null ? DEFAULT_SOURCE : source,
                            userId(record), time(record), data, receivedAt, null));
                }
            }
        }
        String message = rejected == 0 ? null : rejected + " of " + (events.size() + rejected)
                + " log records were refused; the first: " + firstError;
        return new Result(events, rejected, message);
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

    /** The record's id: a digest of the resource and scope ({@code prefix}), the record, and its occurrence. */
    private static String id(MessageDigest prefix, LogRecord record, Set<String> used) {
        MessageDigest base = copy(prefix);
        base.update(record.toByteArray());
        for (int occurrence = 0;; occurrence++) {
            MessageDigest d = copy(base);
            if (occurrence > 0) {
                d.update(Integer.toString(occurrence).getBytes(StandardCharsets.US_ASCII));
            }
            String id = uuid(d.digest());
            if (used.add(id)) {
                return id;
            }
        }
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
     * base64, an empty value as null.
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
            if (record.hasBody()) {
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

    /**
     * Rewrites every record's {@code traceId}/{@code spanId} (or {@code trace_id}/{@code span_id}) from the hex
     * of OTLP/JSON to the base64 protobuf's JSON mapping reads.
     */
    private static void hexIdsToBase64(ObjectNode root) throws MalformedBodyException {
        for (JsonNode rl : members(root, "resourceLogs", "resource_logs")) {
            for (JsonNode sl : members(rl, "scopeLogs", "scope_logs")) {
                for (JsonNode record : members(sl, "logRecords", "log_records")) {
                    if (record instanceof ObjectNode o) {
                        for (String name : List.of("traceId", "trace_id", "spanId", "span_id")) {
                            JsonNode id = o.get(name);
                            if (id != null && id.isTextual()) {
                                o.set(name, new TextNode(base64OfHex(name, id.textValue())));
                            }
                        }
                    }
                }
            }
        }
    }

    /** The elements of the array named either way, or none when it is missing or not an array. */
    private static Iterable<JsonNode> members(JsonNode node, String camel, String snake) {
        JsonNode array = node.has(camel) ? node.get(camel) : node.get(snake);
        return array != null && array.isArray() ? array : List.of();
    }

    private static String base64OfHex(String name, String hex) throws MalformedBodyException {
        try {
            return Base64.getEncoder().encodeToString(HEX.parseHex(hex.toLowerCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new MalformedBodyException("a log record's " + name + " '" + Messages.abbreviate(hex, 40)
                    + "' is not hex: OTLP/JSON writes trace and span ids as hex strings");
        }
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
