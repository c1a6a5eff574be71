package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.TcpProxy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenTelemetry JS logs exporter (the version pinned in src/test/node/package-lock.json) against
 * {@code POST /v1/logs} on H2 ({@link OtlpNodeExporterScenarios}; on MariaDB: {@link OtlpNodeExporterMariaDbIT}),
 * and what the exporter does, whatever the database: a lost answer is never retried.
 */
class OtlpNodeExporterH2IT extends OtlpNodeExporterScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    @Override
    SdkTestService service() {
        return service;
    }

    /**
     * The exporter gives each attempt the time left of the export's {@code timeoutMillis} as its socket timeout, the
     * whole of it for the first: an attempt whose answer is lost (swallowed by a proxy in front of the service) times
     * out when no time is left to retry it, so the batch is reported failed though the service stored it. It is
     * stored once; an application that emits the same records again has them stored once too (content-derived ids).
     */
    @Test
    void a_batch_whose_200_is_lost_is_reported_failed_though_it_is_stored_once() throws Exception {
        Map<String, Object> options = options("lost");
        options.put("exporter", map("timeoutMillis", 2000, "compression", "gzip"));
        List<Map<String, ?>> records = List.of(map("eventName", "order.placed", "body", "b-1"),
                map("eventName", "order.placed", "body", "b-2"));
        OtlpNodeExporter.Result result;
        try (TcpProxy front = new TcpProxy("127.0.0.1", service.port())) {
            front.swallowReplies(true);
            result = OtlpNodeExporter.run(new OtlpNodeExporter.Input("http://127.0.0.1:" + front.port(),
                    service.writeKey(), options, records, DEADLINE));
        }

        assertThat(result.statuses()).as(result.summary()).containsExactly((Integer) null);
        assertThat(result.exports()).as(result.summary()).singleElement()
                .satisfies(e -> assertThat(e.error()).contains("Request timed out"));
        assertThat(result.failed()).as(result.summary()).hasSize(2);
        List<JsonNode> stored = awaitEvents("lost", "order.placed", 2);
        assertThat(stored).extracting(e -> e.path("data").path("body").asText()).containsExactlyInAnyOrder("b-1",
                "b-2");
        service.assertStoredOnce(stored.stream().map(e -> e.path("id").asText()).toList());
        assertThat(service.answered(ROUTE, 200)).as("the one attempt, answered").isEqualTo(1);
    }

    /** A body that is not OTLP/JSON is a 400: the exporter drops the batch, no retry can fix it. */
    @Test
    void a_malformed_body_is_answered_400() throws Exception {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("not JSON", "{\"resourceLogs\": [");
        bodies.put("resourceLogs not a list", "{\"resourceLogs\": 7}");
        for (Map.Entry<String, String> body : bodies.entrySet()) {
            HttpTestClient.Response r = service.http().send(HttpRequest.newBuilder(URI.create(service.url()
                    + "/v1/logs")).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + service.writeKey())
                    .POST(HttpRequest.BodyPublishers.ofString(body.getValue())));
            assertThat(r.status()).as("%s: %s", body.getKey(), r.body()).isEqualTo(400);
        }
        service.assertStoredOnce(List.of());
    }
}
