package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenLoopProcessTest {
    @Test
    void the_open_loop_generators_report_reads_back_as_it_was_written() throws Exception {
        OpenLoop.Result warm = new OpenLoop.Result(1_000, 1_000, 1_000, 2, 1, 990, new Percentiles(1_000, 1, 2, 3, 4));
        OpenLoop.Result measured = new OpenLoop.Result(1_000, 5_000, 4_999, 0, 3, 998,
                new Percentiles(4_999, 0.5, 2.25, 9.5, 12));
        OpenLoopProcess.Report r = OpenLoopProcess.parse(OpenLoopProcess.format(
                new OpenLoopProcess.Report(warm, measured, 1.25)));

        assertThat(r).isEqualTo(new OpenLoopProcess.Report(warm, measured, 1.25));
        assertThat(r.acceptedEvents()).isEqualTo(997 + 4_996);
    }
}
