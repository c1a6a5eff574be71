package io.eventpipeline.source.otlp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.JsonFactories;
import io.eventpipeline.event.MalformedBodyException;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads an {@code ExportLogsServiceRequest} in OTLP/JSON a record at a time. One streaming pass over the body finds
 * where each resource, scope and record is (and checks the envelope: objects and arrays where they belong, no name
 * twice, one JSON value); then each resource, scope and record is handed, by itself, to protobuf's own JSON mapping
 * ({@link JsonFormat}). So no tree of the whole body is built, and what one request holds is its events and one
 * record's objects; a part over {@link OtlpLogs.Reading#maxEncodedBytes()} is refused unread. The OTLP
 * specification's two departures from protobuf's JSON mapping are made here: trace and span ids are hex (not
 * base64), and unknown fields are ignored. Field names may be lowerCamelCase or the .proto's, enums names or
 * numbers, 64-bit integers strings or numbers, as JsonFormat reads them.
 */
final class JsonRequest {
    /** The deepest a body may nest; JsonFormat refuses a record nested deeper than 100 levels anyway. */
    static final int MAX_DEPTH = 200;
    /** Strict about names given twice in one object, which JsonFormat's reader would take the last of. */
    private static final JsonFactory FACTORY = JsonFactories.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);
    private static final JsonFormat.Parser FORMAT = JsonFormat.parser().ignoringUnknownFields();
    private static final HexFormat HEX = HexFormat.of();

    private JsonRequest() {
    }

    /** Where an object is in the body: bytes {@code [from, to)}; null for one that is missing or null. */
    private record Slice(int from, int to) {
        int length() {
            return to - from;
        }

    }

    private record ScopeAt(Slice scope, String schemaUrl, List<Slice> records) {
    }

    private record ResourceAt(Slice resource, String schemaUrl, List<ScopeAt> scopes) {
    }

    static void read(byte[] body, OtlpLogs.Reading reading) throws MalformedBodyException {
        if (!looksUtf8(body)) {
            throw new MalformedBodyException("the body is not UTF-8 (it starts as UTF-16 or UTF-32 would): send "
                    + "OTLP/JSON as UTF-8");
        }
        List<ResourceAt> resources;
        try (JsonParser p = FACTORY.createParser(body)) {
            resources = request(p, reading);
        } catch (StreamConstraintsException e) {
            String m = String.valueOf(e.getOriginalMessage());
            throw new MalformedBodyException(m.contains("nesting depth") ? "the body nests deeper than " + MAX_DEPTH
                    + " levels; an OTLP request needs far fewer" : "the body has a value too large to read: "
                    + Messages.abbreviate(m.replaceAll(" \\(.*", "")));
        } catch (JsonProcessingException e) {
            throw new MalformedBodyException("the body is not valid JSON: " + Messages.abbreviate(
                    e.getOriginalMessage()));
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not valid JSON: " + Messages.abbreviate(e.getMessage()));
        }
        for (int r = 0; r < resources.size(); r++) {
            ResourceAt rl = resources.get(r);
            String rlWhere = "resourceLogs[" + r + "]";
            if (rl.resource != null && rl.resource.length() > reading.maxEncodedBytes()) {
                reading.tooLarge("resource", rl.resource.length());
            } else {
                reading.resource(message(body, rl.resource, Resource.newBuilder(), rlWhere + ".resource"),
                        rl.schemaUrl);
            }
            for (int s = 0; s < rl.scopes.size(); s++) {
                ScopeAt sl = rl.scopes.get(s);
                String slWhere = rlWhere + ".scopeLogs[" + s + "]";
                Slice scope = sl.scope;
                if (scope != null && scope.length() > reading.maxEncodedBytes()) {
                    reading.tooLarge("scope", scope.length());
                    scope = null;
                }
                reading.scope(message(body, scope, InstrumentationScope.newBuilder(), slWhere + ".scope"),
                        sl.schemaUrl);
                for (int i = 0; i < sl.records.size(); i++) {
                    String where = slWhere + ".logRecords[" + i + "]";
                    Slice record = sl.records.get(i);
                    if (record.length() > reading.maxEncodedBytes()) {
                        reading.recordTooLarge(record.length(), where);
                    } else {
                        reading.record(record(body, record, where), where);
                    }
                }
            }
        }
    }

    /** The request object: where its parts are, counted against the request's limits as they are found. */
    private static List<ResourceAt> request(JsonParser p, OtlpLogs.Reading reading)
            throws IOException, MalformedBodyException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new MalformedBodyException("the body must be a JSON object (an OTLP ExportLogsServiceRequest)");
        }
        List<ResourceAt> resources = new ArrayList<>();
        Names names = new Names("");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (names.is(name, "resourceLogs", "resource_logs")) {
                forEachElement(p, "resourceLogs", where -> {
                    reading.found(OtlpLogs.Reading.Part.RESOURCE_LOGS);
                    resources.add(resourceLogs(p, reading, where));
                });
            } else {
                p.skipChildren();
            }
        }
        if (p.nextToken() != null) {
            throw new MalformedBodyException("the body holds more than one JSON value: send one request a body");
        }
        return resources;
    }

    private static ResourceAt resourceLogs(JsonParser p, OtlpLogs.Reading reading, String where)
            throws IOException, MalformedBodyException {
        requireObject(p, where);
        Slice resource = null;
        String schemaUrl = "";
        List<ScopeAt> scopes = new ArrayList<>();
        Names names = new Names(where);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (names.is(name, "resource", "resource")) {
                resource = object(p, where + ".resource");
            } else if (names.is(name, "schemaUrl", "schema_url")) {
                schemaUrl = string(p, where + ".schemaUrl");
            } else if (names.is(name, "scopeLogs", "scope_logs")) {
                forEachElement(p, where + ".scopeLogs", at -> {
                    reading.found(OtlpLogs.Reading.Part.SCOPE_LOGS);
                    scopes.add(scopeLogs(p, reading, at));
                });
            } else {
                p.skipChildren();
            }
        }
        return new ResourceAt(resource, schemaUrl, scopes);
    }

    private static ScopeAt scopeLogs(JsonParser p, OtlpLogs.Reading reading, String where)
            throws IOException, MalformedBodyException {
        requireObject(p, where);
        Slice scope = null;
        String schemaUrl = "";
        List<Slice> records = new ArrayList<>();
        Names names = new Names(where);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (names.is(name, "scope", "scope")) {
                scope = object(p, where + ".scope");
            } else if (names.is(name, "schemaUrl", "schema_url")) {
                schemaUrl = string(p, where + ".schemaUrl");
            } else if (names.is(name, "logRecords", "log_records")) {
                forEachElement(p, where + ".logRecords", at -> {
                    reading.found(OtlpLogs.Reading.Part.LOG_RECORD);
                    requireObject(p, at);
                    records.add(object(p, at));
                });
            } else {
                p.skipChildren();
            }
        }
        return new ScopeAt(scope, schemaUrl, records);
    }

    /** The names of one object seen so far, so that a field given under both spellings is refused. */
    private static final class Names {
        private final String where;
        private final Set<String> seen = new HashSet<>();

        Names(String where) {
            this.where = where;
        }

        /** Whether {@code name} is the field {@code camel} (or {@code snake}); refuses it the second time. */
        boolean is(String name, String camel, String snake) throws MalformedBodyException {
            if (!name.equals(camel) && !name.equals(snake)) {
                return false;
            }
            if (!seen.add(camel)) {
                throw new MalformedBodyException((where.isEmpty() ? "" : where + ".") + camel
                        + " is given twice (as " + camel + " and " + snake + ")");
            }
            return true;
        }
    }

    private interface ElementVisitor {
        void visit(String where) throws IOException, MalformedBodyException;
    }

    /** Visits each element of the array at the current token (none for null), with the parser on its first token. */
    private static void forEachElement(JsonParser p, String where, ElementVisitor visitor)
            throws IOException, MalformedBodyException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return;
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new MalformedBodyException(where + " must be an array");
        }
        int i = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            visitor.visit(where + "[" + i++ + "]");
        }
    }

    private static void requireObject(JsonParser p, String where) throws MalformedBodyException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new MalformedBodyException(where + " must be a JSON object");
        }
    }

    /**
     * Whether the body can be UTF-8 as Jackson reads it: Jackson takes a body that starts with a byte-order mark
     * of UTF-16 or UTF-32, or with a zero byte in its first four (which no UTF-8 JSON text has), as UTF-16 or
     * UTF-32, and then has no byte offsets to give.
     */
    private static boolean looksUtf8(byte[] body) {
        if (body.length >= 2 && ((body[0] == (byte) 0xFE && body[1] == (byte) 0xFF)
                || (body[0] == (byte) 0xFF && body[1] == (byte) 0xFE))) {
            return false;
        }
        for (int i = 0; i < Math.min(4, body.length); i++) {
            if (body[i] == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Where the object at the current token is, moving past it; null for a JSON null. Skipping does not check the
     * object's strings: {@link #text} does, when the object is read.
     */
    private static Slice object(JsonParser p, String where) throws IOException, MalformedBodyException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        requireObject(p, where);
        long from = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long to = p.currentTokenLocation().getByteOffset() + 1;
        if (from < 0 || to <= from) {
            throw new IllegalStateException("a parser of a byte array gives byte offsets");
        }
        return new Slice((int) from, (int) to);
    }

    private static String string(JsonParser p, String where) throws IOException, MalformedBodyException {
        return switch (p.currentToken()) {
            case VALUE_NULL -> "";
            case VALUE_STRING -> p.getText();
            default -> throw new MalformedBodyException(where + " must be a string");
        };
    }

    /** The object at {@code at} read into {@code builder} by JsonFormat; the default instance for null. */
    @SuppressWarnings("unchecked")
    private static <M extends Message> M message(byte[] body, Slice at, Message.Builder builder, String where)
            throws MalformedBodyException {
        return (M) merge(at == null ? null : text(body, at, where, false), builder, where);
    }

    /** The record at {@code at}, its hex ids made base64 for JsonFormat. */
    private static LogRecord record(byte[] body, Slice at, String where) throws MalformedBodyException {
        return (LogRecord) merge(text(body, at, where, true), LogRecord.newBuilder(), where);
    }

    /**
     * The object at {@code at} read in full (its strings checked to be UTF-8, which skipping it did not), as the
     * text JsonFormat reads; with {@code ids}, a record's hex ids made base64.
     */
    private static String text(byte[] body, Slice at, String where, boolean ids) throws MalformedBodyException {
        ObjectNode node;
        try {
            node = (ObjectNode) MAPPER.readTree(body, at.from, at.length());
        } catch (IOException e) {
            String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new MalformedBodyException(where + " is not valid JSON: " + Messages.abbreviate(m));
        }
        if (ids) {
            hexIdsToBase64(node, where);
        }
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree read from JSON writes back", e);
        }
    }

    private static Message merge(String json, Message.Builder builder, String where) throws MalformedBodyException {
        if (json != null) {
            try {
                FORMAT.merge(json, builder);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                throw new MalformedBodyException(where + " is not an OTLP " + builder.getDescriptorForType()
                        .getName() + " in JSON: " + Messages.abbreviate(Messages.rootMessage(e)));
            }
        }
        return builder.build();
    }

    /** Turns the record's hex trace and span ids into the base64 that protobuf's JSON mapping reads. */
    private static void hexIdsToBase64(ObjectNode record, String where) throws MalformedBodyException {
        for (String name : List.of("traceId", "trace_id", "spanId", "span_id")) {
            JsonNode id = record.get(name);
            if (id == null || id.isNull()) {
                continue;
            }
            if (!id.isTextual()) {
                throw new MalformedBodyException(where + "." + name + " must be a string of hex digits");
            }
            try {
                byte[] bytes = HEX.parseHex(id.textValue().toLowerCase(Locale.ROOT));
                record.set(name, new TextNode(Base64.getEncoder().encodeToString(bytes)));
            } catch (IllegalArgumentException e) {
                throw new MalformedBodyException(where + "." + name + " '" + Messages.abbreviate(id.textValue(), 40)
                        + "' is not hex: OTLP/JSON writes trace and span ids as hex strings");
            }
        }
    }
}
