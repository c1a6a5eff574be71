package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

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
}
