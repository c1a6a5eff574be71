package io.eventpipeline.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * The event that {@code POST /v1/logs} is to make of one LogRecord, worked out independently of the service from the
 * OTLP/JSON a client sent ({@link OtlpNodeExporter.Sent}), for the tests to compare what they read back with: type,
 * source, user_id, timestamp and the whole {@code data} object, each member left out at its protobuf default and
 * named as in the .proto (snake_case).
 */
final class OtlpLogEvents {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The short names of severity numbers 1-24 in the OpenTelemetry logs data model, lower-cased. */
    static final List<String> SEVERITY_NAMES = List.of("trace", "trace2", "trace3", "trace4", "debug", "debug2",
            "debug3", "debug4", "info", "info2", "info3", "info4", "warn", "warn2", "warn3", "warn4", "error",
            "error2", "error3", "error4", "fatal", "fatal2", "fatal3", "fatal4");
    private static final BigInteger NANOS_PER_MILLI = BigInteger.valueOf(1_000_000);

    private OtlpLogEvents() {
    }

    /** {@code log.<severity>} for severity number 1-24, {@code log} for 0 (unspecified). */
    static String severityType(int severityNumber) {
        return severityNumber == 0 ? "log" : "log." + SEVERITY_NAMES.get(severityNumber - 1);
    }

    /** The record's eventName when non-empty, else the type its severity number gives. */
    static String type(JsonNode logRecord) {
        String eventName = logRecord.path("eventName").asText("");
        return eventName.isEmpty() ? severityType(logRecord.path("severityNumber").asInt(0)) : eventName;
    }

    /** The resource's {@code service.name} when a non-empty string, else {@code otlp}. */
    static String source(JsonNode resourceLogs) {
        JsonNode name = attribute(resourceLogs.path("resource").path("attributes"), "service.name");
        return name.has("stringValue") && !name.get("stringValue").asText().isEmpty()
                ? name.get("stringValue").asText() : "otlp";
    }

    /** The record's {@code user.id} attribute when a string, else null. */
    static String userId(JsonNode logRecord) {
        JsonNode id = attribute(logRecord.path("attributes"), "user.id");
        return id.has("stringValue") ? id.get("stringValue").asText() : null;
    }

    /** timeUnixNano, else observedTimeUnixNano, to the millisecond. */
    static Instant timestamp(JsonNode logRecord) {
        BigInteger nanos = nanos(logRecord.path("timeUnixNano"));
        if (nanos.signum() == 0) {
            nanos = nanos(logRecord.path("observedTimeUnixNano"));
        }
        return Instant.ofEpochMilli(nanos.divide(NANOS_PER_MILLI).longValueExact());
    }

    /** The whole {@code data} object of the record's event. */
    static ObjectNode data(OtlpNodeExporter.Sent sent) {
        JsonNode r = sent.logRecord();
        ObjectNode data = NODES.objectNode();
        putNumber(data, "severity_number", r.path("severityNumber"));
        putText(data, "severity_text", r.path("severityText"));
        if (r.hasNonNull("body") && !r.get("body").isEmpty()) {
            data.set("body", plain(r.get("body")));
        }
        putAttributes(data, r.path("attributes"));
        putText(data, "event_name", r.path("eventName"));
        putText(data, "trace_id", r.path("traceId"));
        putText(data, "span_id", r.path("spanId"));
        putNumber(data, "flags", r.path("flags"));
        putNanos(data, "time_unix_nano", r.path("timeUnixNano"));
        putNanos(data, "observed_time_unix_nano", r.path("observedTimeUnixNano"));
        putNumber(data, "dropped_attributes_count", r.path("droppedAttributesCount"));
        ObjectNode resource = NODES.objectNode();
        putAttributes(resource, sent.resourceLogs().path("resource").path("attributes"));
        putText(resource, "schema_url", sent.resourceLogs().path("schemaUrl"));
        putNumber(resource, "dropped_attributes_count", sent.resourceLogs().path("resource")
                .path("droppedAttributesCount"));
        if (!resource.isEmpty()) {
            data.set("resource", resource);
        }
        JsonNode s = sent.scopeLogs().path("scope");
        ObjectNode scope = NODES.objectNode();
        putText(scope, "name", s.path("name"));
        putText(scope, "version", s.path("version"));
        putAttributes(scope, s.path("attributes"));
        putText(scope, "schema_url", sent.scopeLogs().path("schemaUrl"));
        putNumber(scope, "dropped_attributes_count", s.path("droppedAttributesCount"));
        if (!scope.isEmpty()) {
            data.set("scope", scope);
        }
        return data;
    }

    /**
     * An AnyValue as plain JSON: a string, an integer as a number, a double, a boolean, an array, a kvlist as an
     * object, bytes as their base64 (OTLP/JSON carries them so already).
     */
    static JsonNode plain(JsonNode anyValue) {
        if (anyValue.has("stringValue")) {
            return NODES.textNode(anyValue.get("stringValue").asText());
        }
        if (anyValue.has("intValue")) { // a number or, as protobuf's JSON mapping has it, a decimal string
            return NODES.numberNode(new BigInteger(anyValue.get("intValue").asText()).longValueExact());
        }
        if (anyValue.has("doubleValue")) {
            return NODES.numberNode(anyValue.get("doubleValue").asDouble());
        }
        if (anyValue.has("boolValue")) {
            return NODES.booleanNode(anyValue.get("boolValue").asBoolean());
        }
        if (anyValue.has("bytesValue")) {
            return NODES.textNode(anyValue.get("bytesValue").asText());
        }
        if (anyValue.has("arrayValue")) {
            ArrayNode out = NODES.arrayNode();
            anyValue.get("arrayValue").path("values").forEach(v -> out.add(plain(v)));
            return out;
        }
        if (anyValue.has("kvlistValue")) {
            ObjectNode out = NODES.objectNode();
            anyValue.get("kvlistValue").path("values").forEach(kv -> out.set(kv.path("key").asText(),
                    plain(kv.path("value"))));
            return out;
        }
        throw new IllegalArgumentException("an AnyValue of no kind the tests send: " + anyValue);
    }

    /**
     * True when the two trees are equal, numbers compared by value ({@code 42} read back as an int equals the
     * {@code 42L} expected; {@code 12.75} equals {@code 12.75} whatever node type a parser chose).
     */
    static boolean sameJson(JsonNode a, JsonNode b) {
        Comparator<JsonNode> byValue = (x, y) -> {
            if (x.isNumber() && y.isNumber()) {
                return x.decimalValue().compareTo(y.decimalValue());
            }
            return x.equals(y) ? 0 : 1;
        };
        return a.equals(byValue, b);
    }

    private static JsonNode attribute(JsonNode keyValues, String key) {
        for (JsonNode kv : keyValues) {
            if (key.equals(kv.path("key").asText())) {
                return kv.path("value");
            }
        }
        return NODES.missingNode();
    }

    private static BigInteger nanos(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? BigInteger.ZERO : new BigInteger(n.asText());
    }

    private static void putText(ObjectNode out, String name, JsonNode value) {
        if (value.isTextual() && !value.asText().isEmpty()) {
            out.put(name, value.asText());
        }
    }

    private static void putNumber(ObjectNode out, String name, JsonNode value) {
        if (!value.isMissingNode() && !value.isNull() && value.asLong() != 0) {
            out.put(name, value.asLong());
        }
    }

    private static void putNanos(ObjectNode out, String name, JsonNode value) {
        BigInteger nanos = nanos(value);
        if (nanos.signum() != 0) {
            out.put(name, nanos.toString());
        }
    }

    private static void putAttributes(ObjectNode out, JsonNode keyValues) {
        if (keyValues.isArray() && !keyValues.isEmpty()) {
            ObjectNode attributes = NODES.objectNode();
            keyValues.forEach(kv -> attributes.set(kv.path("key").asText(), plain(kv.path("value"))));
            out.set("attributes", attributes);
        }
    }
}
