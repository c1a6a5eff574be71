package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.event.Event;
import io.eventpipeline.source.otlp.OtlpLogs;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventFactoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventFactory factory = new EventFactory("t-");

    @Test
    void an_otlp_request_is_one_resource_and_scope_whose_records_the_service_stores_as_the_benchs_events()
            throws Exception {
        byte[] body = factory.otlpLogs(OtlpBench.RECORDS);

        ExportLogsServiceRequest request = ExportLogsServiceRequest.parseFrom(body);
        assertThat(request.getResourceLogsCount()).isEqualTo(1);
        assertThat(request.getResourceLogs(0).getScopeLogsCount()).isEqualTo(1);
        OtlpLogs.Result result = new OtlpLogs(64 << 10, 1000, 5L << 20).read(body, OtlpLogs.Encoding.PROTOBUF, null,
                Instant.now());
        assertThat(result.rejected()).as(result.errorMessage()).isZero();
        assertThat(result.events()).hasSize(OtlpBench.RECORDS);
        Event first = result.events().get(0);
        assertThat(first.type()).isEqualTo("log.info");
        assertThat(first.source()).isEqualTo("web");
        assertThat(first.userId()).isEqualTo("u0");
        assertThat(first.timestamp()).isEqualTo(Instant.parse("2024-05-01T12:30:00.250Z"));
        JsonNode data = JSON.readTree(first.data());
        assertThat(data.path("body").asText()).isEqualTo("u0 clicked /home");
        assertThat(data.at("/attributes/log.record.uid").asText()).isEqualTo("t-0");
        assertThat(data.at("/attributes/ms").asInt()).isZero();
        assertThat(data.at("/resource/attributes/service.name").asText()).isEqualTo("web");
    }

    @Test
    void every_record_is_a_fresh_event_with_an_id_of_its_own_across_requests() throws Exception {
        OtlpLogs logs = new OtlpLogs(64 << 10, 1000, 5L << 20);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            List<Event> events = logs.read(factory.otlpLogs(100), OtlpLogs.Encoding.PROTOBUF, null, Instant.now())
                    .events();
            events.forEach(e -> ids.add(e.id()));
        }

        assertThat(ids).hasSize(300);
    }
}
