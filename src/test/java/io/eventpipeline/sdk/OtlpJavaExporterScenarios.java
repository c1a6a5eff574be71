package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.JsonFormat;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.data.LogRecordData;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.logs.export.LogRecordExporter;
import io.opentelemetry.sdk.resources.Resource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry Java SDK's OTLP/HTTP log exporter ({@code io.opentelemetry:opentelemetry-exporter-otlp}, the
 * version in the pom; binary protobuf, gzip) sending log records to {@code POST /v1/logs}: every field of every
 * record read back through the query API; a refused record answered as partial success; and a 503 window the
 * exporter retries through, with every record stored once.
 *
 * <p>The exporter is configured as the README recommends: {@link #RETRY}, a 10 s timeout, gzip. The export results
 * are those the exporter itself reports to its batch processor, recorded by a delegating exporter.
 */
abstract class OtlpJavaExporterScenarios {
    /**
     * The recommended retry policy: the exporter's most attempts (5), backoff from 1 s growing 2.5 times to at most
     * 30 s (caps of 1, 2.5, 6.25 and 15.6 s, each attempt waiting a random part of its cap), so that an outage of
     * up to about 25 s is ridden out. Longer outages need a queue in front: the Collector's sending queue.
     */
    static final RetryPolicy RETRY = RetryPolicy.builder().setMaxAttempts(5).setInitialBackoff(Duration.ofSeconds(1))
            .setMaxBackoff(Duration.ofSeconds(30)).setBackoffMultiplier(2.5).build();
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final String TRACE_ID = "5b8efff798038103d269b633813fc60c";
    private static final String SPAN_ID = "eee19b7ec3c1b174";
    private static final AttributeKey<Long> SEQ = AttributeKey.longKey("seq");

    abstract SdkTestService service();

    private final List<SdkLoggerProvider> providers = new ArrayList<>();
    private final List<CompletableResultCode> exports = new CopyOnWriteArrayList<>();

    @AfterEach
    void shutDownProviders() {
        for (SdkLoggerProvider p : providers) {
            p.shutdown().join(10, TimeUnit.SECONDS);
        }
    }

    /** A logger provider exporting to the service as recommended, for {@code service.name} = {@code service}. */
    private SdkLoggerProvider provider(String serviceName) {
        LogRecordExporter otlp = OtlpHttpLogRecordExporter.builder()
                .setEndpoint(service().url() + "/v1/logs")
                .addHeader("Authorization", "Bearer " + service().writeKey())
                .setCompression("gzip").setTimeout(Duration.ofSeconds(10)).setRetryPolicy(RETRY).build();
        LogRecordExporter recording = new LogRecordExporter() {
            @Override
            public CompletableResultCode export(Collection<LogRecordData> logs) {
                CompletableResultCode result = otlp.export(logs);
                exports.add(result);
                return result;
            }

            @Override
            public CompletableResultCode flush() {
                return otlp.flush();
            }

            @Override
            public CompletableResultCode shutdown() {
                return otlp.shutdown();
            }
        };
        SdkLoggerProvider provider = SdkLoggerProvider.builder()
                .setResource(Resource.create(Attributes.builder().put("service.name", serviceName)
                        .put("host.name", "web-1").put("process.pid", 4242L).build(),
                        "https://opentelemetry.io/schemas/1.24.0"))
                .addLogRecordProcessor(BatchLogRecordProcessor.builder(recording).setMaxExportBatchSize(20)
                        .setScheduleDelay(Duration.ofMillis(200)).build())
                .build();
        providers.add(provider);
        return provider;
    }

    private static Logger logger(SdkLoggerProvider provider) {
        return provider.loggerBuilder("com.example.Orders").setInstrumentationVersion("1.2.3")
                .setSchemaUrl("https://opentelemetry.io/schemas/1.25.0").build();
    }

    /** Flushes the provider and asserts that the exporter reported every export a success. */
    private void flushDelivered(SdkLoggerProvider provider) {
        CompletableResultCode flushed = provider.forceFlush().join(DELIVERY.toSeconds(), TimeUnit.SECONDS);
        assertThat(flushed.isSuccess()).as("the flush").isTrue();
        for (CompletableResultCode export : exports) {
            assertThat(export.join(DELIVERY.toSeconds(), TimeUnit.SECONDS).isSuccess())
                    .as("an export, as the exporter reports it").isTrue();
        }
        assertThat(exports).as("exports").isNotEmpty();
    }

    /** The stored events of {@code source}, by their {@code seq} attribute. */
    private Map<Long, JsonNode> bySeq(String source, int expected) throws Exception {
        Map<Long, JsonNode> out = new LinkedHashMap<>();
        Eventually.await(DELIVERY, expected + " events of " + source + " stored", () -> {
            out.clear();
            for (JsonNode e : service().events(source, null)) {
                out.put(e.path("data").path("attributes").path("seq").asLong(-1), e);
            }
            return out.size() == expected;
        });
        return out;
    }

    @Test
    void every_field_of_every_kind_of_record_is_stored_and_read_back() throws Exception {
        SdkLoggerProvider provider = provider("checkout");
        Logger logger = logger(provider);
        Context traced = Context.root().with(Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(),
                TraceState.getDefault())));
        Instant time = Instant.parse("2026-12-02T10:00:00.123456789Z");
        Instant observed = Instant.parse("2026-12-02T10:00:01.5Z");
        logger.logRecordBuilder().setSeverity(Severity.ERROR).setSeverityText("ERROR").setBody("card declined")
                .setAttribute(SEQ, 1L).setAttribute(AttributeKey.stringKey("user.id"), "u-1")
                .setAttribute(AttributeKey.longKey("http.status"), 502L)
                .setAttribute(AttributeKey.doubleKey("ratio"), 0.25)
                .setAttribute(AttributeKey.booleanKey("retry"), true)
                .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("a", "b"))
                .setTimestamp(time).setObservedTimestamp(observed).setContext(traced).emit();
        logger.logRecordBuilder().setSeverity(Severity.INFO).setAttribute(SEQ, 2L)
                .setBody(Value.of(KeyValue.of("order", Value.of("o-1")), KeyValue.of("amount", Value.of(12.5)),
                        KeyValue.of("items", Value.of(Value.of(1L), Value.of("x")))))
                .setTimestamp(time).emit();
        emitWithBody(logger, 3, Value.of(new byte[] {1, 2, 3}));
        emitWithBody(logger, 4, Value.of(42L));
        emitWithBody(logger, 5, Value.of(false));
        emitWithBody(logger, 6, Value.of(2.5));
        logger.logRecordBuilder().setEventName("order.placed").setSeverity(Severity.INFO).setAttribute(SEQ, 7L)
                .setBody("placed").setTimestamp(time).emit();
        logger.logRecordBuilder().setSeverity(Severity.INFO2).setAttribute(SEQ, 8L).setTimestamp(time).emit();
        logger.logRecordBuilder().setAttribute(SEQ, 9L).setBody("no severity").setObservedTimestamp(observed).emit();
        flushDelivered(provider);

        Map<Long, JsonNode> events = bySeq("checkout", 9);
        JsonNode first = events.get(1L);
        assertThat(first.path("type").asText()).isEqualTo("log.error");
        assertThat(first.path("source").asText()).isEqualTo("checkout");
        assertThat(first.path("user_id").asText()).isEqualTo("u-1");
        assertThat(first.path("timestamp").asText()).isEqualTo("2026-12-02T10:00:00.123Z");
        assertThat(first.path("id").asText()).hasSize(36);
        JsonNode data = first.path("data");
        assertThat(data.path("severity_number").asInt()).isEqualTo(17);
        assertThat(data.path("severity_text").asText()).isEqualTo("ERROR");
        assertThat(data.path("body").asText()).isEqualTo("card declined");
        assertThat(data.path("attributes")).isEqualTo(tree("{\"seq\":1,\"user.id\":\"u-1\",\"http.status\":502,"
                + "\"ratio\":0.25,\"retry\":true,\"tags\":[\"a\",\"b\"]}"));
        assertThat(data.path("trace_id").asText()).isEqualTo(TRACE_ID);
        assertThat(data.path("span_id").asText()).isEqualTo(SPAN_ID);
        assertThat(data.path("flags").asInt()).isEqualTo(1);
        assertThat(data.path("time_unix_nano").asText()).isEqualTo("1796205600123456789");
        assertThat(data.path("observed_time_unix_nano").asText()).isEqualTo("1796205601500000000");
        assertThat(data.path("resource")).isEqualTo(tree("{\"attributes\":{\"service.name\":\"checkout\","
                + "\"host.name\":\"web-1\",\"process.pid\":4242},\"schema_url\":\"https://opentelemetry.io/schemas/"
                + "1.24.0\"}"));
        assertThat(data.path("scope")).isEqualTo(tree("{\"name\":\"com.example.Orders\",\"version\":\"1.2.3\","
                + "\"schema_url\":\"https://opentelemetry.io/schemas/1.25.0\"}"));

        assertThat(events.get(2L).path("data").path("body"))
                .isEqualTo(tree("{\"order\":\"o-1\",\"amount\":12.5,\"items\":[1,\"x\"]}"));
        assertThat(events.get(2L).path("type").asText()).isEqualTo("log.info");
        assertThat(events.get(2L).path("data").has("trace_id")).as("no span in the context").isFalse();
        assertThat(events.get(3L).path("data").path("body").asText()).isEqualTo("AQID");
        assertThat(events.get(4L).path("data").path("body").isIntegralNumber()).isTrue();
        assertThat(events.get(4L).path("data").path("body").asLong()).isEqualTo(42);
        assertThat(events.get(5L).path("data").path("body").isBoolean()).isTrue();
        assertThat(events.get(6L).path("data").path("body").asDouble()).isEqualTo(2.5);
        assertThat(events.get(7L).path("type").asText()).isEqualTo("order.placed");
        assertThat(events.get(7L).path("data").path("event_name").asText()).isEqualTo("order.placed");
        assertThat(events.get(8L).path("type").asText()).isEqualTo("log.info2");
        assertThat(events.get(8L).path("data").has("body")).isFalse();
        assertThat(events.get(9L).path("type").asText()).isEqualTo("log");
        assertThat(events.get(9L).path("data").has("time_unix_nano")).isFalse();
        assertThat(events.get(9L).path("timestamp").asText()).as("the observed time stands in")
                .isEqualTo("2026-12-02T10:00:01.500Z");
        for (JsonNode e : events.values()) {
            assertThat(service().event(e.path("id").asText())).as("GET /events/{id}").isEqualTo(e);
        }
        assertThat(service().answered("POST /v1/logs", 200)).isPositive();
    }

    /** JSON as a tree: objects compare without their members' order, which MySQL does not keep. */
    private static JsonNode tree(String json) throws IOException {
        return HttpTestClient.JSON.readTree(json);
    }

    private static void emitWithBody(Logger logger, long seq, Value<?> body) {
        LogRecordBuilder b = logger.logRecordBuilder().setSeverity(Severity.WARN).setAttribute(SEQ, seq);
        b.setBody(body).emit();
    }

    /** A request from the official classes with one record refused among three, in both encodings. */
    @Test
    void a_refused_record_is_answered_as_partial_success_in_both_encodings() throws Exception {
        ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder().addResourceLogs(ResourceLogs
                .newBuilder().setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder().addAttributes(
                        io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("service.name")
                                .setValue(AnyValue.newBuilder().setStringValue("partial"))))
                .addScopeLogs(ScopeLogs.newBuilder()
                        .addLogRecords(record("kept one", ""))
                        .addLogRecords(record("refused", "order\nplaced"))
                        .addLogRecords(record("kept two", "")))).build();

        Answer binary = post("application/x-protobuf", request.toByteArray());
        assertThat(binary.status()).as(binary.body()).isEqualTo(200);
        assertThat(binary.raw().headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/x-protobuf"));
        ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(binary.bytes());
        assertThat(answer.getPartialSuccess().getRejectedLogRecords()).isEqualTo(1);
        assertThat(answer.getPartialSuccess().getErrorMessage()).isEqualTo("1 of 3 log records were refused; the "
                + "first: resourceLogs[0].scopeLogs[0].logRecords[1] has an event_name that must not contain a "
                + "control character (found U+000A at position 5) (it is the event's type: 1-255 characters, not "
                + "blank, no control characters)");

        Answer json = post("application/json",
                JsonFormat.printer().print(request).getBytes(StandardCharsets.UTF_8));
        assertThat(json.status()).as(json.body()).isEqualTo(200);
        assertThat(json.json().path("partialSuccess").path("rejectedLogRecords").asText()).isEqualTo("1");
        assertThat(json.json().path("partialSuccess").path("errorMessage").asText()).contains("logRecords[1]");

        List<JsonNode> stored = service().events("partial", null);
        assertThat(stored).extracting(e -> e.path("data").path("body").asText())
                .containsExactlyInAnyOrder("kept one", "kept two");
    }

    @Test
    void a_body_that_is_not_a_request_is_answered_400_with_a_status_in_its_encoding() throws Exception {
        Answer binary = post("application/x-protobuf", new byte[] {0x0a, (byte) 0xff});
        assertThat(binary.status()).isEqualTo(400);
        UnknownFieldSet status = UnknownFieldSet.parseFrom(binary.bytes()); // google.rpc.Status
        assertThat(status.getField(1).getVarintList()).containsExactly(3L); // INVALID_ARGUMENT
        assertThat(status.getField(2).getLengthDelimitedList()).singleElement()
                .extracting(ByteString::toStringUtf8).asString().contains("not an OTLP ExportLogsServiceRequest");

        Answer json = post("application/json", "{\"resourceLogs\":7}".getBytes(
                StandardCharsets.UTF_8));
        assertThat(json.status()).isEqualTo(400);
        assertThat(json.json().path("code").asInt()).isEqualTo(3);
        assertThat(json.json().path("message").asText()).isEqualTo("resourceLogs must be an array");
        assertThat(json.json().path("error").asText()).isEqualTo(json.json().path("message").asText());

        Answer other = post("application/protobuf; charset=latin1", ExportLogsServiceRequest.getDefaultInstance()
                .toByteArray());
        assertThat(other.status()).as("application/protobuf, a charset meaning nothing to protobuf").isEqualTo(200);
        assertThat(other.raw().headers().firstValue("Content-Type")).as("the request's media type, as the "
                + "specification asks").hasValueSatisfying(t -> assertThat(t).startsWith("application/protobuf"));

        Answer text = post("text/plain", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.json().path("error").asText()).contains("application/x-protobuf or application/json");
    }

    private static LogRecord record(String body, String eventName) {
        return LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue(body)).setEventName(eventName)
                .setTimeUnixNano(1_764_669_600_000_000_000L).build();
    }

    /** An answer of /v1/logs, whose body may be protobuf. */
    private record Answer(int status, byte[] bytes, HttpResponse<byte[]> raw) {
        String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return HttpTestClient.JSON.readTree(bytes);
        }
    }

    private Answer post(String contentType, byte[] body) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(service().url() + "/v1/logs"))
                    .header("Content-Type", contentType).header("Authorization", "Bearer " + service().writeKey())
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body(), r);
        }
    }

    /**
     * Records exported while the service answers 503 (its queue full, the database cut): the exporter retries, and
     * once the window closes every record is stored exactly once.
     */
    @Test
    void records_exported_while_the_service_answers_503_are_stored_once_after_the_window() throws Exception {
        SdkTestService s = service();
        SdkLoggerProvider provider = provider("outage");
        Logger logger = logger(provider);
        s.openOutageWindow();
        long refusedBefore = s.answered("POST /v1/logs", 503);
        for (long i = 0; i < 30; i++) {
            logger.logRecordBuilder().setSeverity(Severity.INFO).setBody("reading " + i).setAttribute(SEQ, i).emit();
        }
        Eventually.await(DELIVERY, "the exporter has been answered 503 twice",
                () -> s.answered("POST /v1/logs", 503) - refusedBefore >= 2);
        s.closeOutageWindow();
        flushDelivered(provider);

        Map<Long, JsonNode> events = bySeq("outage", 30);
        s.assertStoredOnce(events.values().stream().map(e -> e.path("id").asText()).toList());
        assertThat(events.keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.LongStream.range(0, 30).boxed().toList());
        assertThat(s.metrics().path("duplicates").asLong()).as("records taken twice").isZero();
    }
}
