package io.eventpipeline.source.otlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.util.JsonFormat;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.MalformedBodyException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How an OTLP log record becomes an event, which records are refused, and how both encodings are read. */
class OtlpLogsTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00.123Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] TRACE = hex("5b8efff798038103d269b633813fc60c");
    private static final byte[] SPAN = hex("eee19b7ec3c1b174");
    private final OtlpLogs logs = new OtlpLogs(64 * 1024, 1000, 5L << 20);

    private static byte[] hex(String s) {
        return java.util.HexFormat.of().parseHex(s);
    }

    private static KeyValue kv(String key, AnyValue value) {
        return KeyValue.newBuilder().setKey(key).setValue(value).build();
    }

    private static AnyValue str(String s) {
        return AnyValue.newBuilder().setStringValue(s).build();
    }

    private static ExportLogsServiceRequest request(Resource resource, LogRecord... records) {
        return ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs.newBuilder().setResource(resource)
                .setSchemaUrl("https://opentelemetry.io/schemas/1.24.0")
                .addScopeLogs(ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder()
                        .setName("com.example.Orders").setVersion("1.2.3")
                        .addAttributes(kv("scope.kind", str("library"))))
                        .addAllLogRecords(List.of(records)))).build();
    }

    private static Resource service(String name) {
        return Resource.newBuilder().addAttributes(kv("service.name", str(name)))
                .addAttributes(kv("host.name", str("web-1"))).build();
    }

    /**
     * The request read in binary protobuf, after asserting that its OTLP/JSON form (protobuf's JSON mapping with
     * hex ids, as the exporters write it) reads the same: the same events, ids included, and the same refusals.
     */
    private OtlpLogs.Result read(ExportLogsServiceRequest request, Instant receivedAt) throws Exception {
        OtlpLogs.Result binary = logs.read(request.toByteArray(), OtlpLogs.Encoding.PROTOBUF, null, receivedAt);
        OtlpLogs.Result json = logs.read(otlpJson(request), OtlpLogs.Encoding.JSON, null, receivedAt);
        assertThat(json.rejected()).isEqualTo(binary.rejected());
        assertThat(json.errorMessage()).isEqualTo(binary.errorMessage());
        assertThat(json.events()).hasSameSizeAs(binary.events());
        for (int i = 0; i < binary.events().size(); i++) {
            Event b = binary.events().get(i);
            Event j = json.events().get(i);
            assertThat(List.of(j.id(), j.type(), j.source(), String.valueOf(j.userId()), String.valueOf(j.timestamp()),
                    new String(j.data(), StandardCharsets.UTF_8))).isEqualTo(List.of(b.id(), b.type(), b.source(),
                    String.valueOf(b.userId()), String.valueOf(b.timestamp()), new String(b.data(),
                    StandardCharsets.UTF_8)));
        }
        return binary;
    }

    /** OTLP/JSON: protobuf's JSON mapping, with trace and span ids in hex instead of base64. */
    static byte[] otlpJson(ExportLogsServiceRequest request) throws Exception {
        JsonNode root = JSON.readTree(JsonFormat.printer().print(request));
        for (JsonNode rl : root.path("resourceLogs")) {
            for (JsonNode sl : rl.path("scopeLogs")) {
                for (JsonNode r : sl.path("logRecords")) {
                    for (String id : List.of("traceId", "spanId")) {
                        if (r.has(id)) {
                            ((ObjectNode) r).put(id, HexFormat.of().formatHex(Base64.getDecoder()
                                    .decode(r.get(id).asText())));
                        }
                    }
                }
            }
        }
        return JSON.writeValueAsBytes(root);
    }

    private static JsonNode data(Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    @Test
    void every_field_of_a_record_its_resource_and_its_scope_is_kept_in_data() throws Exception {
        AnyValue body = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
                .addValues(kv("text", str("card declined")))
                .addValues(kv("amount", AnyValue.newBuilder().setDoubleValue(12.5).build()))
                .addValues(kv("count", AnyValue.newBuilder().setIntValue(9_007_199_254_740_993L).build()))
                .addValues(kv("ok", AnyValue.newBuilder().setBoolValue(false).build()))
                .addValues(kv("raw", AnyValue.newBuilder().setBytesValue(ByteString.copyFromUtf8("hi")).build()))
                .addValues(kv("list", AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
                        .addValues(str("a")).addValues(AnyValue.newBuilder().setIntValue(1))).build()))
                .addValues(kv("none", AnyValue.getDefaultInstance()))
                .addValues(kv("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()))).build();
        LogRecord record = LogRecord.newBuilder().setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_ERROR)
                .setSeverityText("ERROR").setBody(body).addAttributes(kv("user.id", str("u-42")))
                .addAttributes(kv("http.status", AnyValue.newBuilder().setIntValue(502).build()))
                .setTraceId(ByteString.copyFrom(TRACE)).setSpanId(ByteString.copyFrom(SPAN)).setFlags(1)
                .setTimeUnixNano(1_764_669_600_123_456_789L).setObservedTimeUnixNano(1_764_669_600_200_000_000L)
                .setDroppedAttributesCount(2).build();

        OtlpLogs.Result result = read(request(service("checkout"), record), NOW);

        assertThat(result.rejected()).isZero();
        Event e = result.events().get(0);
        assertThat(e.type()).isEqualTo("log.error");
        assertThat(e.source()).isEqualTo("checkout");
        assertThat(e.userId()).isEqualTo("u-42");
        assertThat(e.timestamp()).isEqualTo(Instant.ofEpochSecond(1_764_669_600L, 123_456_789));
        assertThat(e.receivedAt()).isEqualTo(NOW);
        assertThat(e.id()).matches("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(JSON.writeValueAsString(data(e))).isEqualTo("{\"severity_number\":17,\"severity_text\":\"ERROR\","
                + "\"body\":{\"text\":\"card declined\",\"amount\":12.5,\"count\":9007199254740993,\"ok\":false,"
                + "\"raw\":\"aGk=\",\"list\":[\"a\",1],\"none\":null,\"nan\":\"NaN\"},"
                + "\"attributes\":{\"user.id\":\"u-42\",\"http.status\":502},"
                + "\"trace_id\":\"5b8efff798038103d269b633813fc60c\",\"span_id\":\"eee19b7ec3c1b174\",\"flags\":1,"
                + "\"time_unix_nano\":\"1764669600123456789\",\"observed_time_unix_nano\":\"1764669600200000000\","
                + "\"dropped_attributes_count\":2,"
                + "\"resource\":{\"attributes\":{\"service.name\":\"checkout\",\"host.name\":\"web-1\"},"
                + "\"schema_url\":\"https://opentelemetry.io/schemas/1.24.0\"},"
                + "\"scope\":{\"name\":\"com.example.Orders\",\"version\":\"1.2.3\","
                + "\"attributes\":{\"scope.kind\":\"library\"}}}");
    }

    @ParameterizedTest
    @CsvSource({"0, log", "1, log.trace", "2, log.trace2", "4, log.trace4", "5, log.debug", "9, log.info",
        "10, log.info2", "13, log.warn", "17, log.error", "20, log.error4", "21, log.fatal", "24, log.fatal4",
        "25, log", "-3, log"})
    void without_an_event_name_the_type_is_the_severity_short_name(int severity, String type) {
        LogRecord r = LogRecord.newBuilder().setSeverityNumberValue(severity).build();

        assertThat(OtlpLogs.type(r)).isEqualTo(type);
    }

    @Test
    void an_event_name_is_the_type_and_a_resource_without_service_name_is_source_otlp() throws Exception {
        LogRecord r = LogRecord.newBuilder().setEventName("order.placed").setSeverityNumberValue(9).build();

        Event e = read(request(Resource.getDefaultInstance(), r), NOW).events().get(0);

        assertThat(e.type()).isEqualTo("order.placed");
        assertThat(e.source()).isEqualTo(OtlpLogs.DEFAULT_SOURCE);
        assertThat(e.timestamp()).as("no time at all").isNull();
        assertThat(data(e).path("resource").has("attributes")).isFalse();
        assertThat(data(e).path("event_name").asText()).isEqualTo("order.placed");
        LogRecord emptyBody = LogRecord.newBuilder().setBody(AnyValue.getDefaultInstance()).build();
        assertThat(data(read(request(service("s"), emptyBody), NOW).events().get(0)).has("body"))
                .as("an empty body, as the JavaScript SDK sends for a record without one").isFalse();
    }

    @Test
    void the_observed_time_stands_in_for_a_missing_time_and_times_are_unsigned() throws Exception {
        LogRecord observed = LogRecord.newBuilder().setObservedTimeUnixNano(1_000_000_000_500_000L).build();
        LogRecord far = LogRecord.newBuilder().setTimeUnixNano(-1L).build(); // 2^64-1 ns: the year 2554

        List<Event> events = read(request(service("s"), observed, far), NOW).events();

        assertThat(events.get(0).timestamp()).isEqualTo(Instant.ofEpochSecond(1_000_000, 500_000));
        assertThat(events.get(1).timestamp()).isEqualTo(Instant.ofEpochSecond(18_446_744_073L, 709_551_615));
        assertThat(data(events.get(1)).path("time_unix_nano").asText()).isEqualTo("18446744073709551615");
    }

    @Test
    void ids_are_the_same_for_the_same_request_and_differ_for_identical_records_in_one() throws Exception {
        LogRecord r = LogRecord.newBuilder().setBody(str("tick")).setTimeUnixNano(5).build();
        ExportLogsServiceRequest request = request(service("s"), r, r, r);

        List<String> first = read(request, NOW).events().stream().map(Event::id).toList();
        List<String> again = read(request, NOW.plusSeconds(9)).events().stream().map(Event::id).toList();
        List<String> otherService = read(request(service("t"), r), NOW).events().stream().map(Event::id)
                .toList();

        List<String> otherKey = logs.read(request.toByteArray(), OtlpLogs.Encoding.PROTOBUF, "another-key", NOW)
                .events().stream().map(Event::id).toList();

        assertThat(first).doesNotHaveDuplicates().hasSize(3).isEqualTo(again);
        assertThat(otherService.get(0)).isNotIn(first);
        assertThat(otherKey).as("the same records from another API key").doesNotContainAnyElementsOf(first);
    }

    @Test
    void records_breaking_a_rule_are_refused_and_counted_the_rest_kept() throws Exception {
        LogRecord ok = LogRecord.newBuilder().setBody(str("fine")).build();
        LogRecord badName = LogRecord.newBuilder().setEventName("order\nplaced").build();
        LogRecord badTrace = LogRecord.newBuilder().setTraceId(ByteString.copyFrom(new byte[3])).build();
        LogRecord big = LogRecord.newBuilder().setBody(str("x".repeat(70_000))).build();
        LogRecord duplicateKeys = LogRecord.newBuilder().addAttributes(kv("a", str("1"))).addAttributes(kv("a",
                str("2"))).build();

        OtlpLogs.Result result = read(request(service("s"), ok, badName, badTrace, big, duplicateKeys), NOW);

        assertThat(result.events()).hasSize(1);
        assertThat(result.rejected()).isEqualTo(4);
        assertThat(result.errorMessage()).startsWith("4 of 5 log records were refused; the first: "
                + "resourceLogs[0].scopeLogs[0].logRecords[1] has an event_name that must not contain a control "
                + "character (found U+000A at position 5)");
        OtlpLogs.Result alone = read(request(service("s"), big), NOW);
        assertThat(alone.errorMessage()).contains("over the limit of 65536 bytes (--max-event-bytes)");
        assertThat(read(request(service("s"), badTrace), NOW).errorMessage())
                .contains("has a trace_id of 3 bytes; a trace id is 16 bytes");
        assertThat(read(request(service("s"), duplicateKeys), NOW).errorMessage()).contains("'a' twice");
    }

    @Test
    void a_service_name_that_cannot_be_a_source_refuses_its_records() throws Exception {
        OtlpLogs.Result result = read(request(service("x".repeat(300)), LogRecord.getDefaultInstance()),
                NOW);

        assertThat(result.events()).isEmpty();
        assertThat(result.errorMessage()).contains("has a resource whose service.name must be 1-255 characters long");
    }

    @Test
    void json_takes_either_field_spelling_hex_ids_in_any_case_enum_numbers_and_unknown_fields() throws Exception {
        String json = """
                {"resource_logs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
                 "scopeLogs":[{"scope":{"name":"app"},"log_records":[{"timeUnixNano":"1764669600123456789",
                  "severityNumber":13,"severity_text":"WARN","body":{"stringValue":"slow"},
                  "traceId":"5B8EFFF798038103D269B633813FC60C","span_id":"eee19b7ec3c1b174","flags":1,
                  "attributes":[{"key":"n","value":{"intValue":"3"}}],"futureField":true}]}]}],"extra":[]}""";

        OtlpLogs.Result result = logs.read(json.getBytes(StandardCharsets.UTF_8), OtlpLogs.Encoding.JSON, null, NOW);

        Event e = result.events().get(0);
        assertThat(e.type()).isEqualTo("log.warn");
        assertThat(e.source()).isEqualTo("api");
        assertThat(data(e).path("trace_id").asText()).isEqualTo("5b8efff798038103d269b633813fc60c");
        assertThat(data(e).path("span_id").asText()).isEqualTo("eee19b7ec3c1b174");
        assertThat(data(e).path("severity_text").asText()).isEqualTo("WARN");
        assertThat(data(e).path("attributes").path("n").isIntegralNumber()).isTrue();
    }

    @Test
    void protobuf_fields_in_any_order_are_read_as_protobuf_reads_them() throws Exception {
        // A ResourceLogs whose scope_logs (2) come before its resource (1), written field by field.
        ScopeLogs scope = ScopeLogs.newBuilder().addLogRecords(LogRecord.newBuilder().setBody(str("late"))).build();
        java.io.ByteArrayOutputStream rl = new java.io.ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(rl);
        c.writeMessage(2, scope);
        c.writeMessage(1, service("reordered"));
        c.writeUInt64(99, 7); // an unknown field: no part of the event, nor of its id
        c.flush();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        CodedOutputStream b = CodedOutputStream.newInstance(body);
        b.writeByteArray(1, rl.toByteArray());
        b.flush();

        OtlpLogs.Result result = logs.read(body.toByteArray(), OtlpLogs.Encoding.PROTOBUF, null, NOW);

        assertThat(result.events()).singleElement().satisfies(e -> assertThat(e.source()).isEqualTo("reordered"));
        ExportLogsServiceRequest parsedWhole = ExportLogsServiceRequest.parseFrom(body.toByteArray());
        assertThat(result.events().get(0).id()).isEqualTo(read(parsedWhole, NOW).events().get(0).id());
    }

    @Test
    void a_request_over_the_record_or_data_limits_is_refused_whole_as_too_large() throws Exception {
        OtlpLogs small = new OtlpLogs(64 * 1024, 3, 1000);
        LogRecord r = LogRecord.newBuilder().setBody(str("x".repeat(300))).build();
        LogRecord tiny = LogRecord.getDefaultInstance();

        assertThatThrownBy(() -> small.read(request(service("s"), tiny, tiny, tiny, tiny).toByteArray(),
                OtlpLogs.Encoding.PROTOBUF, null, NOW)).isInstanceOf(MalformedBodyException.class)
                .hasMessageContaining("more than 3 log records (--max-batch-events)")
                .satisfies(e -> assertThat(((MalformedBodyException) e).tooLarge()).isTrue());
        assertThatThrownBy(() -> small.read(otlpJson(request(service("s"), r, r, r)), OtlpLogs.Encoding.JSON, null, NOW))
                .isInstanceOf(MalformedBodyException.class)
                .hasMessageContaining("more than 1000 bytes of event data (each repeats its resource and scope)")
                .satisfies(e -> assertThat(((MalformedBodyException) e).tooLarge()).isTrue());
        byte[] emptyScopes = ("{\"resourceLogs\":[{\"scopeLogs\":[" + "{},".repeat(3) + "{}]}]}")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> small.read(emptyScopes, OtlpLogs.Encoding.JSON, null, NOW))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("more than 3 ScopeLogs")
                .satisfies(e -> assertThat(((MalformedBodyException) e).tooLarge()).isTrue());
        ExportLogsServiceRequest.Builder resources = ExportLogsServiceRequest.newBuilder();
        for (int i = 0; i < 4; i++) {
            resources.addResourceLogs(ResourceLogs.getDefaultInstance());
        }
        assertThatThrownBy(() -> small.read(resources.build().toByteArray(), OtlpLogs.Encoding.PROTOBUF, null, NOW))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("more than 3 ResourceLogs");
    }

    @Test
    void a_record_resource_or_scope_too_large_to_make_an_event_is_refused_unread() throws Exception {
        OtlpLogs small = new OtlpLogs(1000, 1000, 1L << 20);
        AnyValue many = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder().addAllValues(
                java.util.Collections.nCopies(1000, AnyValue.getDefaultInstance()))).build();
        LogRecord big = LogRecord.newBuilder().setBody(many).build();
        LogRecord ok = LogRecord.newBuilder().setBody(str("ok")).build();
        Resource bigResource = Resource.newBuilder().addAttributes(kv("service.name", str("s")))
                .addAttributes(kv("blob", many)).build();
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(service("s"))
                        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(big).addLogRecords(ok))
                        .addScopeLogs(ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder()
                                .addAttributes(kv("blob", many))).addLogRecords(ok))
                        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(ok)))
                .addResourceLogs(ResourceLogs.newBuilder().setResource(bigResource)
                        .addScopeLogs(ScopeLogs.newBuilder().addLogRecords(ok)))
                .build();

        for (OtlpLogs.Result result : List.of(small.read(request.toByteArray(), OtlpLogs.Encoding.PROTOBUF, null, NOW),
                small.read(otlpJson(request), OtlpLogs.Encoding.JSON, null, NOW))) {
            assertThat(result.events()).extracting(e -> new String(e.data(), StandardCharsets.UTF_8))
                    .hasSize(2).allSatisfy(d -> assertThat(d).contains("\"body\":\"ok\""));
            assertThat(result.rejected()).isEqualTo(3);
            assertThat(result.errorMessage()).contains("logRecords[0] is ")
                    .contains("bytes, over the limit of 2000 bytes (twice --max-event-bytes) for a log record");
        }
    }

    @Test
    void a_body_that_is_not_a_request_is_malformed_with_a_reason() {
        assertMalformed("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":\"not-hex\"}]}]}]}",
                "resourceLogs[0].scopeLogs[0].logRecords[0].traceId 'not-hex' is not hex");
        assertMalformed("[1]", "must be a JSON object");
        assertMalformed("{\"resourceLogs\":5}", "resourceLogs must be an array");
        assertMalformed("{\"resourceLogs\":[7]}", "resourceLogs[0] must be a JSON object");
        assertMalformed("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":\"LOUD\","
                + "\"body\":5}]}]}]}", "resourceLogs[0].scopeLogs[0].logRecords[0] is not an OTLP LogRecord in JSON");
        assertMalformed("{\"resourceLogs\":[", "not valid JSON");
        assertMalformed("{\"resourceLogs\":[],\"resourceLogs\":[]}", "Duplicate field 'resourceLogs'");
        assertMalformed("{\"resourceLogs\":[],\"resource_logs\":[]}",
                "resourceLogs is given twice (as resourceLogs and resource_logs)");
        assertMalformed("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{},\"body\":{}}]}]}]}",
                "Duplicate field 'body'");
        assertMalformed("{\"resourceLogs\":[]} {\"resourceLogs\":[]}", "more than one JSON value");
        assertMalformed("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"traceId\":12}]}]}]}",
                "logRecords[0].traceId must be a string of hex digits");
        assertMalformed("{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[5]}]}]}",
                "resourceLogs[0].scopeLogs[0].logRecords[0] must be a JSON object");
        assertMalformed("{\"resourceLogs\":[{\"schemaUrl\":5}]}", "resourceLogs[0].schemaUrl must be a string");
        assertMalformed("{\"a\":".repeat(300) + "1" + "}".repeat(300), "the body nests deeper than 200 levels");
        assertThatThrownBy(() -> logs.read(new byte[] {(byte) 0x0a, (byte) 0xff}, OtlpLogs.Encoding.PROTOBUF, null, NOW))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("not an OTLP ExportLogsServiceRequest");
        assertThatThrownBy(() -> logs.read(new byte[] {0x0a, 0x02, 0x12, 0x05}, OtlpLogs.Encoding.PROTOBUF, null, NOW))
                .as("a ScopeLogs longer than its ResourceLogs").isInstanceOf(MalformedBodyException.class);
    }

    @Test
    void a_json_body_must_be_utf8_in_every_string_even_those_skipped_at_first() {
        byte[] utf16 = "{\"resourceLogs\":[]}".getBytes(StandardCharsets.UTF_16LE);
        assertThatThrownBy(() -> logs.read(utf16, OtlpLogs.Encoding.JSON, null, NOW))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining("the body is not UTF-8");
        for (String at : List.of("resource", "record")) {
            String surrogate = "\"s\u00ed\u00a0\u0080\""; // ED A0 80 once each char is one byte: CESU-8's U+D800
            String json = at.equals("resource")
                    ? "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":" + surrogate + "}]}}]}"
                    : "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityText\":" + surrogate + "}]}]}]}";
            assertThatThrownBy(() -> logs.read(json.getBytes(StandardCharsets.ISO_8859_1), OtlpLogs.Encoding.JSON,
                    null, NOW)).as(at).isInstanceOf(MalformedBodyException.class)
                    .hasMessageContaining(at.equals("resource") ? "resourceLogs[0].resource is not valid JSON"
                            : "resourceLogs[0].scopeLogs[0].logRecords[0] is not valid JSON");
        }
    }

    private void assertMalformed(String json, String message) {
        assertThatThrownBy(() -> logs.read(json.getBytes(StandardCharsets.UTF_8), OtlpLogs.Encoding.JSON, null, NOW))
                .isInstanceOf(MalformedBodyException.class).hasMessageContaining(message);
    }

    @Test
    void a_lone_surrogate_from_json_refuses_the_record_not_the_request() throws Exception {
        String json = "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"\\ud800\"}},"
                + "{\"body\":{\"stringValue\":\"ok\"}}]}]}]}";

        OtlpLogs.Result result = logs.read(json.getBytes(StandardCharsets.UTF_8), OtlpLogs.Encoding.JSON, null, NOW);

        assertThat(result.events()).hasSize(1);
        assertThat(result.errorMessage()).contains("logRecords[0] has a string with an unpaired surrogate (\\uD800)");
    }
}
