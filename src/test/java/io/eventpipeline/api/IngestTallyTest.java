package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.metrics.IngestOutcome;
import org.junit.jupiter.api.Test;

class IngestTallyTest {
    @Test
    void a_parsed_batch_goes_where_its_answer_sends_its_valid_events_and_its_invalid_ones_are_rejected() {
        IngestTally tally = new IngestTally();
        tally.parsed(3, 2);

        assertThat(tally.outcome(202)).isEqualTo(new IngestOutcome(3, 2, 0, 0));
        assertThat(tally.outcome(429)).isEqualTo(new IngestOutcome(0, 2, 0, 3));
        assertThat(tally.outcome(503)).isEqualTo(new IngestOutcome(0, 2, 3, 0));
        assertThat(tally.outcome(500)).isEqualTo(new IngestOutcome(0, 2, 3, 0));
        for (int refused : new int[] {400, 413, 415}) {
            assertThat(tally.outcome(refused)).as("%d", refused).isEqualTo(new IngestOutcome(0, 5, 0, 0));
        }
    }

    @Test
    void a_request_refused_before_its_events_are_counted_is_one_event() {
        IngestTally tally = new IngestTally();

        assertThat(tally.outcome(400)).isEqualTo(new IngestOutcome(0, 1, 0, 0));
        assertThat(tally.outcome(415)).isEqualTo(new IngestOutcome(0, 1, 0, 0));
        assertThat(tally.outcome(503)).isEqualTo(new IngestOutcome(0, 0, 1, 0));
        assertThat(tally.outcome(503).received()).isEqualTo(1);
    }
}
