package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
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
