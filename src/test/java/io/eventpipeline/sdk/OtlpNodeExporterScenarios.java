package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry JS logs SDK and its OTLP/HTTP exporter ({@link OtlpNodeExporter}, OTLP/JSON) against
 * {@code POST /v1/logs}: every field and every kind of body read back through the query API; the type of each
 * severity; records refused as a partial success and the others stored; records exported while the service answers
 * 503 stored once after the outage; the same request sent again stored once. Each stored event is compared, member
 * by member, with what {@link OtlpLogEvents} makes of the record the exporter sent, and with literal values of the
 * records emitted. One subclass per database: {@link OtlpNodeExporterH2IT}, {@link OtlpNodeExporterMariaDbIT}.
 *
 * <p>Recommended exporter settings ({@link #RECOMMENDED}), the ones every test here runs with:
 * <ul>
 * <li>{@code OTLPLogExporter({timeoutMillis: 30000})}. The exporter retries a 429, 502, 503 and 504 and a refused
 *     or reset connection at most 5 times, after the Retry-After the service sends (1 s while its queue is full, 5 s
 *     while it drains or its journal fails) or else 1 s x 1.5^n (at most 5 s) with 20% jitter; the retry count is
 *     fixed, and every retry must also fit in {@code timeoutMillis}, counted from the first attempt (10 s by
 *     default). 30 s leaves room for all 5 retries at Retry-After 5 (25 s), so the budget never cuts the retries
 *     short. It does not make the exporter outlast a longer outage: after the fifth retry (about 5 s of a full
 *     queue, 25 s of a draining service) the batch is dropped and the processor logs the error. The same
 *     {@code timeoutMillis} is each attempt's socket timeout: a service that answers nothing holds a batch that long.
 * <li>{@code compression: 'gzip'}: the service takes gzip, and log bodies compress well.
 * <li>{@code BatchLogRecordProcessor({maxExportBatchSize: 20, exportTimeoutMillis: 35000})}: a request carries at
 *     most 20 records, well under the service's {@code --max-batch-events} (the default 512 would be answered
 *     413 wherever it is set lower); {@code exportTimeoutMillis} above the exporter's {@code timeoutMillis}, or the
 *     processor gives up on an export (default 30 s) while the exporter is still retrying it.
 * </ul>
 */
@NeedsNode
abstract class OtlpNodeExporterScenarios {
    /** How long a run may take, emit to shutdown. */
    static final Duration DEADLINE = Duration.ofSeconds(90);
    /** Exporter and processor settings this project recommends (see the class comment). */
    static final Map<String, Object> RECOMMENDED = map(
            "exporter", map("timeoutMillis", 30000, "compression", "gzip"),
            "processor", map("maxExportBatchSize", 20, "exportTimeoutMillis", 35000));
    /**
     * 503s the exporter must have been answered before the outage window closes: one. The exporter retries only 5
     * times, a second apart (the service's Retry-After while its queue is full), and the queue has room again only
     * once the service's worker retries the database, up to about as long after the window closes as the database
     * was cut (its backoff grows meanwhile): closed at the second 503, the exporter was answered 503 four times of
     * its six attempts. It still retries through more than one 503 as a rule (see the statuses printed).
     */
    static final int REFUSALS_IN_WINDOW = 1;
    static final String ROUTE = "POST /v1/logs";
    /** How long an event may take to be stored after the service answered for it. */
    static final Duration STORED = Duration.ofSeconds(30);
    static final Pattern UUID_SHAPE = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", Pattern.CASE_INSENSITIVE);

    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    static final String SPAN_ID = "b7ad6b7169203331";
    static final String OTHER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String OTHER_SPAN_ID = "00f067aa0ba902b7";
    static final String RESOURCE_SCHEMA = "https://opentelemetry.io/schemas/1.26.0";
    static final String SCOPE_SCHEMA = "https://example.com/schemas/orders/1.0";
    /** 2025-12-02T00:00:00.123456789Z, as the SDK's HrTime [seconds, nanoseconds]. */
    static final List<Long> TIME = List.of(1764633600L, 123456789L);
    static final List<Long> OBSERVED = List.of(1764633601L, 987654321L);

    @BeforeAll
    static void node() throws Exception {
        NodeSdk.require("the OTLP exporter tests");
    }

    abstract SdkTestService service();

    OtlpNodeExporter.Input input(Map<String, ?> options, List<Map<String, ?>> records) {
        return new OtlpNodeExporter.Input(service().url(), service().writeKey(), options, records, DEADLINE);
    }

    /** The recommended settings with a resource whose service.name is {@code source}, and a default scope. */
    static Map<String, Object> options(String source) {
        Map<String, Object> out = new LinkedHashMap<>(RECOMMENDED);
        out.put("resource", map("attributes", map("service.name", source, "service.version", "1.2.3",
                "host.name", "web-7"), "schemaUrl", RESOURCE_SCHEMA));
        out.put("scope", map("name", "app.orders", "version", "0.9.0"));
        return out;
    }

    @Test
    void every_field_and_every_kind_of_body_is_read_back_through_the_query_api() throws Exception {
        SdkTestService s = service();
        Map<String, Object> options = options("checkout");
        // A limit of 8 attributes: the scope's ninth and a record's ninth and tenth are dropped and counted.
        options.put("limits", map("attributeCountLimit", 8));
        options.put("scope", map("name", "app.orders", "version", "0.9.0", "schemaUrl", SCOPE_SCHEMA,
                "attributes", map("team", "payments", "shard", 3, "canary", false, "ratio", 0.5, "zones",
                        List.of("a", "b"), "owner", map("name", "ops"), "raw", map("$bytes", "3q2+7w=="), "tier",
                        "gold", "ninth", "dropped")));
        Map<String, Object> blobs = map("name", "app.blobs"); // a second scope: a name only
        List<Map<String, ?>> records = List.of(
                // 0: a string body, every kind of attribute, a sampled trace context, both times to the nanosecond
                map("eventName", "order.placed", "severityNumber", 9, "severityText", "INFO",
                        "body", "order o-1 placed", "timestamp", TIME, "observedTimestamp", OBSERVED,
                        "attributes", map("user.id", "u-1", "count", 42, "ratio", 3.25, "paid", true,
                                "tags", List.of("a", 2, false, 1.5), "address", map("city", "Oslo", "geo",
                                        map("lat", 59.91, "lon", 10.75)), "blob", map("$bytes", "AAEC/w==")),
                        "trace", map("traceId", TRACE_ID, "spanId", SPAN_ID, "traceFlags", 1)),
                // 1: an integer body; a user.id that is not a string is no user_id
                map("eventName", "cart.size", "severityNumber", 10, "severityText", "INFO2", "body", 7,
                        "attributes", map("user.id", 12345)),
                // 2: a double body; a trace context not sampled (flags 0: left out)
                map("eventName", "latency.ms", "severityNumber", 5, "body", 12.75,
                        "trace", map("traceId", OTHER_TRACE_ID, "spanId", OTHER_SPAN_ID, "traceFlags", 0)),
                // 3: a boolean body
                map("eventName", "feature.flag", "body", true),
                // 4: an array body of every kind
                map("eventName", "batch.items", "severityNumber", 13, "severityText", "WARN",
                        "body", List.of("x", 1, 2.5, true, List.of("nested"), map("k", "v"), map("$bytes", "AQ=="))),
                // 5: a kvlist body, nested
                map("eventName", "payment.failed", "severityNumber", 17, "severityText", "ERROR",
                        "body", map("code", "card_declined", "amount", 1999, "retry", false, "details",
                                map("attempt", 2, "gateway", "acme"), "items", List.of("a", "b")),
                        "attributes", map("user.id", "u-5")),
                // 6: a bytes body, in the second scope
                map("scope", blobs, "eventName", "blob.received", "body", map("$bytes", "aGVsbG8gd29ybGQ=")),
                // 7: nothing but an observed time: type "log", the time from observedTimeUnixNano
                map("scope", blobs, "timestamp", List.of(0, 0), "observedTimestamp", List.of(1764633700L, 5000000L)),
                // 8: ten attributes, two over the limit
                map("eventName", "too.many.attributes", "severityNumber", 14, "attributes", map("a1", 1, "a2", 2,
                        "a3", 3, "a4", 4, "a5", 5, "a6", 6, "a7", 7, "a8", 8, "a9", 9, "a10", 10)),
                // 9: an empty eventName: the type comes from the severity
                map("eventName", "", "severityNumber", 21, "severityText", "FATAL", "body", "down"));

        OtlpNodeExporter.Result result = OtlpNodeExporter.run(input(options, records));

        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).containsOnly(200);
        assertThat(result.requests()).as("every request: %s", result.summary()).allSatisfy(r -> {
            assertThat(r.headers().get("authorization")).isEqualTo("Bearer " + s.writeKey());
            assertThat(r.headers().get("content-type")).startsWith("application/json");
            assertThat(r.headers().get("content-encoding")).isEqualTo("gzip");
            assertNothingRejected(r);
        });
        List<OtlpNodeExporter.Sent> sent = result.accepted();
        assertThat(sent).as(result.summary()).hasSize(records.size());

        // Each type is one record's: the exporter groups the records by scope, so they come in another order.
        Map<String, JsonNode> byType = new LinkedHashMap<>();
        assertEachStoredAsSent(sent).forEach(e -> byType.put(e.path("type").asText(), e));
        assertThat(byType.keySet()).containsExactlyInAnyOrder("order.placed", "cart.size", "latency.ms",
                "feature.flag", "batch.items", "payment.failed", "blob.received", "log", "too.many.attributes",
                "log.fatal");

        // The same, spelled out for what matters most, so that the test does not only mirror the exporter.
        JsonNode placed = byType.get("order.placed");
        assertThat(placed.path("source").asText()).isEqualTo("checkout");
        assertThat(placed.path("user_id").asText()).isEqualTo("u-1");
        assertThat(Instant.parse(placed.path("timestamp").asText()))
                .isEqualTo(Instant.parse("2025-12-02T00:00:00.123Z"));
        JsonNode data = placed.path("data");
        assertThat(data.path("severity_number").asInt()).isEqualTo(9);
        assertThat(data.path("severity_text").asText()).isEqualTo("INFO");
        assertThat(data.path("body").asText()).isEqualTo("order o-1 placed");
        assertThat(data.path("event_name").asText()).isEqualTo("order.placed");
        assertThat(data.path("trace_id").asText()).isEqualTo(TRACE_ID);
        assertThat(data.path("span_id").asText()).isEqualTo(SPAN_ID);
        assertThat(data.path("flags").asInt()).isEqualTo(1);
        assertThat(data.path("time_unix_nano").isTextual()).as("time_unix_nano is a string").isTrue();
        assertThat(data.path("time_unix_nano").asText()).isEqualTo("1764633600123456789");
        assertThat(data.path("observed_time_unix_nano").asText()).isEqualTo("1764633601987654321");
        assertThat(data.has("dropped_attributes_count")).isFalse();
        JsonNode attributes = data.path("attributes");
        assertThat(attributes.path("user.id").asText()).isEqualTo("u-1");
        assertThat(attributes.path("count").isIntegralNumber()).isTrue();
        assertThat(attributes.path("count").asLong()).isEqualTo(42);
        assertThat(attributes.path("ratio").asDouble()).isEqualTo(3.25);
        assertThat(attributes.path("paid").isBoolean()).isTrue();
        assertThat(attributes.path("paid").asBoolean()).isTrue();
        assertThat(attributes.path("tags").toString()).isEqualTo("[\"a\",2,false,1.5]");
        assertThat(attributes.path("address").path("geo").path("lat").asDouble()).isEqualTo(59.91);
        assertThat(attributes.path("blob").asText()).isEqualTo("AAEC/w==");
        JsonNode resource = data.path("resource");
        assertThat(resource.path("attributes").path("service.name").asText()).isEqualTo("checkout");
        assertThat(resource.path("attributes").path("service.version").asText()).isEqualTo("1.2.3");
        assertThat(resource.path("schema_url").asText()).isEqualTo(RESOURCE_SCHEMA);
        assertThat(resource.has("dropped_attributes_count")).as("0: left out").isFalse();
        JsonNode scope = data.path("scope");
        assertThat(scope.path("name").asText()).isEqualTo("app.orders");
        assertThat(scope.path("version").asText()).isEqualTo("0.9.0");
        assertThat(scope.path("schema_url").asText()).isEqualTo(SCOPE_SCHEMA);
        assertThat(scope.path("attributes").size()).isEqualTo(8);
        assertThat(scope.path("attributes").path("raw").asText()).isEqualTo("3q2+7w==");
        assertThat(scope.path("attributes").has("ninth")).isFalse();
        assertThat(scope.path("dropped_attributes_count").asInt()).isEqualTo(1);

        JsonNode cart = byType.get("cart.size");
        assertThat(cart.hasNonNull("user_id")).as("user_id of a numeric user.id").isFalse();
        assertThat(cart.path("data").path("body").isIntegralNumber()).isTrue();
        assertThat(cart.path("data").path("body").asLong()).isEqualTo(7);
        JsonNode latency = byType.get("latency.ms").path("data");
        assertThat(latency.path("body").asDouble()).isEqualTo(12.75);
        assertThat(latency.path("trace_id").asText()).isEqualTo(OTHER_TRACE_ID);
        assertThat(latency.path("span_id").asText()).isEqualTo(OTHER_SPAN_ID);
        assertThat(latency.has("flags")).as("flags 0: left out").isFalse();
        assertThat(byType.get("feature.flag").path("data").path("body").isBoolean()).isTrue();
        assertThat(byType.get("batch.items").path("data").path("body").toString())
                .isEqualTo("[\"x\",1,2.5,true,[\"nested\"],{\"k\":\"v\"},\"AQ==\"]");
        JsonNode payment = byType.get("payment.failed");
        assertThat(payment.path("data").path("body").path("details").path("gateway").asText()).isEqualTo("acme");
        assertThat(payment.path("user_id").asText()).isEqualTo("u-5");
        JsonNode blob = byType.get("blob.received").path("data");
        assertThat(blob.path("body").asText()).isEqualTo("aGVsbG8gd29ybGQ=");
        assertThat(blob.path("scope").toString()).isEqualTo("{\"name\":\"app.blobs\"}");
        JsonNode bare = byType.get("log");
        assertThat(Instant.parse(bare.path("timestamp").asText())).as("the observed time, as there is no time")
                .isEqualTo(Instant.parse("2025-12-02T00:01:40.005Z"));
        assertThat(bare.path("data").has("time_unix_nano")).isFalse();
        assertThat(bare.path("data").has("severity_number")).isFalse();
        assertThat(bare.path("data").has("attributes")).isFalse();
        assertThat(bare.path("data").has("trace_id")).isFalse();
        assertThat(bare.path("data").path("observed_time_unix_nano").asText()).isEqualTo("1764633700005000000");
        JsonNode many = byType.get("too.many.attributes").path("data");
        assertThat(many.path("attributes").size()).isEqualTo(8);
        assertThat(many.path("dropped_attributes_count").asInt()).isEqualTo(2);
        assertThat(byType.get("log.fatal").path("data").has("event_name")).as("an empty eventName: left out")
                .isFalse();

        assertThat(s.events("checkout", null)).hasSize(records.size());
        s.assertStoredOnce(byType.values().stream().map(e -> e.path("id").asText()).toList());
    }

    /**
     * A record emitted without a body is sent by the exporter with {@code "body": {}} (an AnyValue with no value
     * set): its event's data has no body member, as for every other field left unset.
     */
    @Test
    void a_record_emitted_without_a_body_is_stored_without_a_body_member() throws Exception {
        SdkTestService s = service();
        List<Map<String, ?>> records = List.of(map("eventName", "no.body", "severityNumber", 9,
                "attributes", map("user.id", "u-7")));

        OtlpNodeExporter.Result result = OtlpNodeExporter.run(input(options("bodiless"), records));

        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.accepted()).singleElement().satisfies(sent -> assertThat(sent.logRecord().path("body")
                .toString()).as("the body the exporter sends for none").isEqualTo("{}"));
        JsonNode data = awaitEvents("bodiless", "no.body", 1).getFirst().path("data");
        assertThat(data.has("body")).as("a body member in %s", data).isFalse();
        assertThat(data.path("attributes").path("user.id").asText()).isEqualTo("u-7");
    }

    @Test
    void a_record_without_an_event_name_is_typed_by_the_short_name_of_its_severity() throws Exception {
        SdkTestService s = service();
        Map<String, Object> options = options("severities");
        options.put("exporter", map("timeoutMillis", 30000, "compression", "none")); // the plain body too
        List<Map<String, ?>> records = new ArrayList<>();
        for (int n = 0; n <= 24; n++) {
            records.add(n == 0 ? map("body", "severity 0") : map("severityNumber", n, "body", "severity " + n));
        }

        OtlpNodeExporter.Result result = OtlpNodeExporter.run(input(options, records));

        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).containsOnly(200);
        assertThat(result.requests()).as("25 records, at most 20 a request").hasSize(2)
                .allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("content-encoding"));
        List<JsonNode> stored = assertEachStoredAsSent(result.accepted());
        List<String> expected = new ArrayList<>(List.of("log"));
        OtlpLogEvents.SEVERITY_NAMES.forEach(name -> expected.add("log." + name));
        assertThat(stored).extracting(e -> e.path("type").asText()).containsExactlyElementsOf(expected);
        assertThat(expected.subList(0, 6)).containsExactly("log", "log.trace", "log.trace2", "log.trace3",
                "log.trace4", "log.debug");
        for (int n = 0; n <= 24; n++) {
            JsonNode event = stored.get(n);
            assertThat(event.path("data").path("body").asText()).isEqualTo("severity " + n);
            assertThat(event.path("data").path("severity_number").asInt(0)).isEqualTo(n);
            assertThat(event.path("data").has("severity_number")).as("severity 0: left out").isEqualTo(n != 0);
        }
    }

    @Test
    void records_the_service_refuses_are_a_partial_success_and_the_others_are_stored() throws Exception {
        SdkTestService s = service();
        String longest = "e".repeat(255);
        List<Map<String, ?>> records = List.of(
                map("eventName", "order.placed", "body", "kept 1"),
                map("eventName", "order\nplaced", "body", "a control character in the name"),
                map("eventName", longest, "body", "kept 2: a name of 255 characters"),
                map("eventName", "e".repeat(256), "body", "a name of 256 characters"),
                map("eventName", "too.big", "body", "x".repeat(70_000)), // over --max-event-bytes (64 KiB)
                map("severityNumber", 9, "body", "kept 3"));

        OtlpNodeExporter.Result result = OtlpNodeExporter.run(input(options("partial"), records));

        assertThat(result.statuses()).as(result.summary()).containsExactly(200);
        assertThat(result.failed()).as("a partial success is a success to the exporter: %s", result.summary())
                .isEmpty();
        JsonNode partial = result.requests().getFirst().response().path("partialSuccess");
        assertThat(partial.path("rejectedLogRecords").asLong()).as(result.summary()).isEqualTo(3);
        assertThat(partial.path("errorMessage").asText()).as(result.summary()).isNotBlank();
        assertThat(result.diag()).as("the exporter only logs a partial success")
                .anySatisfy(d -> assertThat(d.message()).contains("Partial Success"));

        List<JsonNode> stored = awaitEvents("partial", null, 3);
        assertThat(stored).extracting(e -> e.path("data").path("body").asText())
                .containsExactlyInAnyOrder("kept 1", "kept 2: a name of 255 characters", "kept 3");
        assertThat(stored).extracting(e -> e.path("type").asText())
                .containsExactlyInAnyOrder("order.placed", longest, "log.info");
        s.assertStoredOnce(stored.stream().map(e -> e.path("id").asText()).toList());
    }

    @Test
    void records_exported_while_the_service_answers_503_are_stored_once_after_the_outage() throws Exception {
        SdkTestService s = service();
        List<Map<String, ?>> records = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            records.add(map("eventName", "item.viewed", "severityNumber", 9, "body", "item " + i,
                    "attributes", map("user.id", "u-2", "n", i)));
        }
        s.openOutageWindow();
        long refusedBefore = s.answered(ROUTE, 503);

        OtlpNodeExporter.Run run = OtlpNodeExporter.start(input(options("outage"), records));
        Eventually.await(DEADLINE, "the exporter has been answered 503 " + REFUSALS_IN_WINDOW + " times", () -> {
            if (!run.running()) {
                throw new AssertionError("the exporter finished inside the window: " + run.await().summary());
            }
            return s.answered(ROUTE, 503) - refusedBefore >= REFUSALS_IN_WINDOW;
        });
        s.closeOutageWindow();
        OtlpNodeExporter.Result result = run.await();

        System.out.printf("%s: %d records through a 503 window: %s; attempts (sent-answered ms): %s%n",
                getClass().getSimpleName(), records.size(), result.summary().lines().findFirst().orElse(""),
                result.requests().stream().map(r -> r.ms() + "-" + r.answeredMs() + " " + r.status()).toList());
        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).contains(503).endsWith(200, 200);
        List<OtlpNodeExporter.Request> refused = result.requests().stream()
                .filter(r -> Integer.valueOf(503).equals(r.status())).toList();
        assertThat(refused).as(result.summary()).hasSizeGreaterThanOrEqualTo(REFUSALS_IN_WINDOW)
                .allSatisfy(r -> assertThat(r.retryAfter()).isEqualTo("1"));
        for (int i = 1; i < result.requests().size(); i++) {
            OtlpNodeExporter.Request before = result.requests().get(i - 1);
            OtlpNodeExporter.Request retry = result.requests().get(i);
            if (Integer.valueOf(503).equals(before.status())) {
                assertThat(retry.body()).as("a retry sends the same request").isEqualTo(before.body());
                assertThat(retry.ms() - before.answeredMs()).as("the wait after Retry-After: 1; %s", result.summary())
                        .isGreaterThanOrEqualTo(900);
            }
        }
        List<JsonNode> stored = assertEachStoredAsSent(result.accepted());
        assertThat(stored).hasSize(records.size());
        assertThat(s.events("outage", "item.viewed")).hasSize(records.size());
        s.assertStoredOnce(stored.stream().map(e -> e.path("id").asText()).toList());
    }

    @Test
    void the_same_records_sent_again_are_stored_once_and_identical_records_in_one_request_twice() throws Exception {
        SdkTestService s = service();
        Map<String, Object> same = map("eventName", "dup.test", "severityNumber", 9, "body", "same",
                "timestamp", TIME, "observedTimestamp", OBSERVED, "attributes", map("user.id", "u-9"));
        List<Map<String, ?>> records = List.of(same, same, map("eventName", "dup.test", "body", "other",
                "timestamp", TIME, "observedTimestamp", OBSERVED));

        OtlpNodeExporter.Result first = OtlpNodeExporter.run(input(options("again"), records));
        assertThat(first.failed()).as(first.summary()).isEmpty();
        List<String> ids = awaitEvents("again", "dup.test", 3).stream().map(e -> e.path("id").asText()).toList();
        assertThat(ids).as("two identical records in one request are two events").hasSize(3)
                .doesNotHaveDuplicates().allMatch(id -> UUID_SHAPE.matcher(id).matches());

        // The request again, as an exporter that did not see the first answer would send it.
        OtlpNodeExporter.Result second = OtlpNodeExporter.run(input(options("again"), records));
        assertThat(second.failed()).as(second.summary()).isEmpty();
        assertThat(second.requests().getFirst().body()).isEqualTo(first.requests().getFirst().body());

        Eventually.await(DEADLINE, "the three records sent again are counted as duplicates",
                () -> s.metrics().path("duplicates").asLong() == 3);
        assertThat(s.events("again", "dup.test")).extracting(e -> e.path("id").asText())
                .containsExactlyInAnyOrderElementsOf(ids);
        s.assertStoredOnce(ids);
    }

    /** Asserts that the answer to {@code r} refused no record (no partial success, or one that counts none). */
    static void assertNothingRejected(OtlpNodeExporter.Request r) {
        assertThat(r.response().path("partialSuccess").path("rejectedLogRecords").asLong(0))
                .as("rejectedLogRecords in %s", r.response()).isZero();
    }

    /**
     * Finds the stored event of each record sent (by its source and type, and among events of the same type by its
     * data) and asserts its id, type, source, user_id, timestamp and whole data object, also as GET /events/{id}
     * answers it; returns them in the order sent.
     */
    List<JsonNode> assertEachStoredAsSent(List<OtlpNodeExporter.Sent> sent) throws Exception {
        SdkTestService s = service();
        List<JsonNode> out = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        for (OtlpNodeExporter.Sent record : sent) {
            String source = OtlpLogEvents.source(record.resourceLogs());
            String type = OtlpLogEvents.type(record.logRecord());
            JsonNode data = OtlpLogEvents.data(record);
            // Stored a moment after the 200 (the service answers once the records are in its journal).
            Predicate<JsonNode> match = e -> OtlpLogEvents.sameJson(e.path("data"), data)
                    && !ids.contains(e.path("id").asText());
            // The events of the source and type, until one matches: a timeout shows them all.
            JsonNode event = Eventually.await(STORED, "an event of source " + source + ", type " + type
                    + ", with data " + data + " is stored", () -> s.events(source, type),
                    found -> found.stream().anyMatch(match)).stream().filter(match).findFirst().orElseThrow();
            String id = event.path("id").asText();
            ids.add(id);
            assertThat(id).as("id").hasSize(36).matches(UUID_SHAPE);
            assertThat(event.path("source").asText()).isEqualTo(source);
            assertThat(event.path("type").asText()).isEqualTo(type);
            String userId = OtlpLogEvents.userId(record.logRecord());
            if (userId == null) {
                assertThat(event.hasNonNull("user_id")).as("user_id of %s", id).isFalse();
            } else {
                assertThat(event.path("user_id").asText()).as("user_id of %s", id).isEqualTo(userId);
            }
            assertThat(Instant.parse(event.path("timestamp").asText())).as("timestamp of %s", id)
                    .isEqualTo(OtlpLogEvents.timestamp(record.logRecord()));
            JsonNode one = s.event(id);
            assertThat(one).as("GET /events/%s", id).isNotNull();
            assertThat(OtlpLogEvents.sameJson(one.path("data"), data))
                    .as("GET /events/%s: %s, expected data %s", id, one, data).isTrue();
            out.add(event);
        }
        return out;
    }

    /**
     * Waits until at least {@code count} events of this source and type (null: any) are stored and returns them
     * all: the service answers once the records are in its journal, and stores them a moment later.
     */
    List<JsonNode> awaitEvents(String source, String type, int count) throws InterruptedException {
        return Eventually.await(STORED, count + " events of source " + source + " are stored",
                () -> service().events(source, type), found -> found.size() >= count);
    }

    /** A map in the order given: key, value, key, value... */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            out.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }
}
