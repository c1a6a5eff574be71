package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResultsTest {
    private static Results.Ingest half(long accepted, double send, Double e2eSeconds, double cpu, double busy) {
        return new Results.Ingest(8, 100, accepted / 100, accepted, 1, 0, send, accepted / send,
                e2eSeconds == null ? accepted - 100 : accepted, e2eSeconds,
                e2eSeconds == null ? null : accepted / e2eSeconds, cpu, 0.5, busy);
    }

    @Test
    void two_halves_of_a_phase_add_up_to_one_phase_with_rates_over_the_summed_times() {
        Results.Ingest sum = half(40_000, 4, 5.0, 3, 2.0).plus(half(20_000, 4, 5.0, 1, 1.0));

        assertThat(sum.acceptedEvents()).isEqualTo(60_000);
        assertThat(sum.requests()).isEqualTo(600);
        assertThat(sum.refused()).isEqualTo(2);
        assertThat(sum.sendSeconds()).isEqualTo(8);
        assertThat(sum.acceptedPerSecond()).isEqualTo(7_500);
        assertThat(sum.storedEvents()).isEqualTo(60_000);
        assertThat(sum.endToEndSeconds()).isEqualTo(10);
        assertThat(sum.endToEndPerSecond()).isEqualTo(6_000);
        assertThat(sum.serverCpuSeconds()).isEqualTo(4);
        assertThat(sum.loadGeneratorCpuSeconds()).isEqualTo(1);
        assertThat(sum.machineBusyCores()).isEqualTo(1.5);
    }

    @Test
    void the_end_to_end_rate_is_unknown_when_either_half_did_not_all_arrive() {
        Results.Ingest sum = half(40_000, 4, 5.0, 3, 2.0).plus(half(20_000, 4, null, 1, 1.0));

        assertThat(sum.endToEndPerSecond()).isNull();
        assertThat(sum.acceptedPerSecond()).isEqualTo(7_500);
    }

    private static Results.Service service(Results.Ingest single, Results.Ingest batch, double p99Ms) {
        Results.Latency latency = new Results.Latency(1_000, 1_000, 5_000, 5_000, 0, 0, 1, p99Ms, p99Ms, p99Ms, 1);
        return new Results.Service("kafka", "kafka", 900, null, 200, 10, single, batch, latency, null, null,
                Map.of());
    }

    @Test
    void three_brokers_over_one_divides_each_rate_and_the_p99_and_is_unknown_where_either_row_is()
            throws Exception {
        Results.Service one = service(half(4_000, 2, 2.5, 1, 1), half(60_000, 1, 1.2, 1, 1), 40);
        Results.Service three = service(half(3_000, 2, null, 1, 1), half(30_000, 1, 1.0, 1, 1), 60);

        Map<String, Double> r = three.over(one);

        assertThat(r).containsOnlyKeys("single_accepted", "single_end_to_end", "batch_accepted", "batch_end_to_end",
                "p99_latency");
        assertThat(r.get("single_accepted")).isEqualTo(0.75);
        assertThat(r.get("single_end_to_end")).isNull(); // three's single events did not all arrive
        assertThat(r.get("batch_accepted")).isEqualTo(0.5);
        assertThat(r.get("batch_end_to_end")).isCloseTo(0.6, offset(1e-9));
        assertThat(r.get("p99_latency")).isEqualTo(1.5);
        // As results.json writes them: the ratios' keys as they are, the method not as a field.
        JsonNode json = Results.mapper().valueToTree(three);
        assertThat(json.has("over")).isFalse();
        JsonNode ratios = Results.mapper().valueToTree(r);
        assertThat(ratios.path("p99_latency").asDouble()).isEqualTo(1.5);
        assertThat(ratios.path("single_end_to_end").isNull()).isTrue();
    }

    @Test
    void a_latency_matrix_finds_its_rows_and_is_written_with_snake_case_keys() throws Exception {
        Results.Ingest four = new Results.Ingest(4, 1, 5_000, 4_990, 10, 0, 5, 998, 4_990L, 5.5, 907.0, 2, 1, 1.5);
        Results.ClosedLatency closed = Results.ClosedLatency.of(four, new Percentiles(5_000, 1.5, 9, 20, 31));
        Results.OpenLatency open = new Results.OpenLatency(0.25,
                new Results.Latency(2_500, 2_490, 12_500, 12_500, 0, 0, 0.4, 2, 6, 9, 1.1));
        Results.LatencyMatrix m = new Results.LatencyMatrix(5, List.of(closed), List.of(open),
                new Results.FsyncProbe("ext4", "/tmp", 171, "memory, 4 connections", 900, 5, 5.5, 2, 20, 30, 40));

        assertThat(closed.connections()).isEqualTo(4);
        assertThat(closed.acceptedPerSecond()).isEqualTo(998);
        assertThat(closed.refused()).isEqualTo(10);
        assertThat(closed.p999Ms()).isEqualTo(20);
        assertThat(m.closedWith(4)).isSameAs(closed);
        assertThat(m.closedWith(16)).isNull();
        assertThat(m.openAt(0.25)).isSameAs(open);
        assertThat(m.openAt(0.5)).isNull();
        JsonNode json = Results.mapper().valueToTree(m);
        assertThat(json.at("/closed/0/accepted_per_second").asDouble()).isEqualTo(998);
        assertThat(json.at("/open/0/share_of_http_ceiling").asDouble()).isEqualTo(0.25);
        assertThat(json.at("/open/0/latency/p999_ms").asDouble()).isEqualTo(6);
        assertThat(json.at("/fsync_probe/mean_ms").asDouble()).isEqualTo(5.5);
        // The lookups take an argument: they are not written as fields.
        assertThat(json.fieldNames()).toIterable().containsExactly("seconds", "closed", "open", "fsync_probe");
    }
}
