package io.eventpipeline.source.otlp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Reads an {@code ExportLogsServiceRequest} in OTLP/JSON a record at a time: the body is read as a JSON tree, and
 * each resource, scope and record is handed to protobuf's own JSON mapping ({@link JsonFormat}) by itself, so that
 * JsonFormat's tree and the generated objects exist for one record at a time. The OTLP specification's two
 * departures from protobuf's JSON mapping are made here: trace and span ids are hex (not base64), and unknown
 * fields are ignored. Field names may be lowerCamelCase or the .proto's, enums names or numbers, 64-bit integers
 * strings or numbers, as JsonFormat reads them.
 */
final class JsonRequest {
    /** The deepest a body may nest; JsonFormat refuses a record nested deeper than 100 levels anyway. */
    static final int MAX_DEPTH = 200;
    /**
     * The most JSON values (every object, array, string, number…) a body may hold: its tree takes some 50 bytes a
     * value, so this bounds what one request holds in memory to about 10 MB. An SDK's batch of 512 records with
     * ten attributes each holds about 40,000.
     */
    static final int MAX_VALUES = 200_000;
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactories.builder().streamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build());
    private static final JsonFormat.Parser FORMAT = JsonFormat.parser().ignoringUnknownFields();
    private static final HexFormat HEX = HexFormat.of();

    private JsonRequest() {
    }

    static void read(byte[] body, OtlpLogs.Reading reading) throws MalformedBodyException {
        JsonNode root;
        try {
            countValues(body);
            root = MAPPER.readTree(body);
        } catch (StreamConstraintsException e) {
            throw new MalformedBodyException("the body nests deeper than " + MAX_DEPTH + " levels; an OTLP request "
                    + "needs far fewer");
        } catch (JsonProcessingException e) {
            throw new MalformedBodyException("the body is not valid JSON: " + Messages.abbreviate(
                    e.getOriginalMessage()));
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not valid JSON: " + Messages.abbreviate(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new MalformedBodyException("the body must be a JSON object (an OTLP ExportLogsServiceRequest)");
        }
        List<JsonNode> resourceLogs = array(root, "resourceLogs", "resource_logs", "");
        for (int r = 0; r < resourceLogs.size(); r++) {
            JsonNode rl = resourceLogs.get(r);
            String rlWhere = "resourceLogs[" + r + "]";
            JsonNode resource = member(rl, "resource", "resource");
            String resourceJson = text(resource);
            if (resourceJson.length() > reading.maxEncodedBytes()) {
                reading.tooLarge("resource", resourceJson.length());
            } else {
                reading.resource(message(resourceJson, Resource.newBuilder(), rlWhere + ".resource"),
                        string(rl, rlWhere));
            }
            List<JsonNode> scopeLogs = array(rl, "scopeLogs", "scope_logs", rlWhere);
            for (int s = 0; s < scopeLogs.size(); s++) {
                JsonNode sl = scopeLogs.get(s);
                String slWhere = rlWhere + ".scopeLogs[" + s + "]";
                String scopeJson = text(member(sl, "scope", "scope"));
                if (scopeJson.length() > reading.maxEncodedBytes()) {
                    reading.tooLarge("scope", scopeJson.length());
                    scopeJson = "";
                }
                reading.scope(message(scopeJson, InstrumentationScope.newBuilder(), slWhere + ".scope"),
                        string(sl, slWhere));
                List<JsonNode> records = array(sl, "logRecords", "log_records", slWhere);
                for (int i = 0; i < records.size(); i++) {
                    String where = slWhere + ".logRecords[" + i + "]";
                    JsonNode record = records.get(i);
                    if (record instanceof ObjectNode o) {
                        hexIdsToBase64(o, where);
                    }
                    String recordJson = text(record);
                    if (recordJson.length() > reading.maxEncodedBytes()) {
                        reading.recordTooLarge(recordJson.length(), where);
                    } else {
                        reading.record(message(recordJson, LogRecord.newBuilder(), where), where);
                    }
                }
            }
        }
    }

    /** Refuses a body of more than {@link #MAX_VALUES} values before its tree is built. */
    private static void countValues(byte[] body) throws IOException, MalformedBodyException {
        try (JsonParser p = MAPPER.getFactory().createParser(body)) {
            long values = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t != JsonToken.FIELD_NAME && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY
                        && ++values > MAX_VALUES) {
                    throw new MalformedBodyException("the body holds more than " + MAX_VALUES + " JSON values: "
                            + "export smaller batches, or use application/x-protobuf", true);
                }
            }
        }
    }

    /** The member named either way, or null. */
    private static JsonNode member(JsonNode node, String camel, String snake) {
        JsonNode m = node.get(camel);
        return m != null ? m : node.get(snake);
    }

    /**
     * The elements of the array named either way: none when it is missing or null.
     *
     * @param where where {@code node} is, for messages: "" for the request, else "resourceLogs[0]"…
     */
    private static List<JsonNode> array(JsonNode node, String camel, String snake, String where)
            throws MalformedBodyException {
        JsonNode array = node.isObject() ? member(node, camel, snake) : null;
        if (array == null || array.isNull()) {
            if (!node.isObject() && !node.isNull()) {
                throw new MalformedBodyException(where + " must be a JSON object");
            }
            return List.of();
        }
        if (!array.isArray()) {
            throw new MalformedBodyException((where.isEmpty() ? "" : where + ".") + camel + " must be an array");
        }
        return array.valueStream().toList();
    }

    private static String string(JsonNode node, String where) throws MalformedBodyException {
        JsonNode url = node.isObject() ? member(node, "schemaUrl", "schema_url") : null;
        if (url == null || url.isNull()) {
            return "";
        }
        if (!url.isTextual()) {
            throw new MalformedBodyException(where + ".schemaUrl must be a string");
        }
        return url.textValue();
    }

    /** The JSON text of {@code node}, or "" for a missing or null node. */
    private static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree read from JSON writes back", e);
        }
    }

    /** The JSON text {@code json} read into {@code builder} by JsonFormat; the default instance for "". */
    @SuppressWarnings("unchecked")
    private static <M extends Message> M message(String json, Message.Builder builder, String where)
            throws MalformedBodyException {
        if (!json.isEmpty()) {
            try {
                FORMAT.merge(json, builder);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                throw new MalformedBodyException(where + " is not an OTLP " + builder.getDescriptorForType()
                        .getName() + " in JSON: " + Messages.abbreviate(Messages.rootMessage(e)));
            }
        }
        return (M) builder.build();
    }

    /** Turns the record's hex trace and span ids into the base64 that protobuf's JSON mapping reads. */
    private static void hexIdsToBase64(ObjectNode record, String where) throws MalformedBodyException {
        for (String name : List.of("traceId", "trace_id", "spanId", "span_id")) {
            JsonNode id = record.get(name);
            if (id != null && id.isTextual()) {
                try {
                    byte[] bytes = HEX.parseHex(id.textValue().toLowerCase(Locale.ROOT));
                    record.set(name, new TextNode(Base64.getEncoder().encodeToString(bytes)));
                } catch (IllegalArgumentException e) {
                    throw new MalformedBodyException(where + "." + name + " '" + Messages.abbreviate(id.textValue(),
                            40) + "' is not hex: OTLP/JSON writes trace and span ids as hex strings");
                }
            }
        }
    }
}
