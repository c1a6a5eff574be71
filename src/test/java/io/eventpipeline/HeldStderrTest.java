package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeldStderrTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final PrintStream target = new PrintStream(out, true, StandardCharsets.UTF_8);
    private final HeldStderr held = new HeldStderr(target);

    @Test
    void lines_written_during_a_start_appear_when_it_is_through_and_later_ones_at_once() {
        held.stream().println("event=database_ready db=h2 é");

        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();

        held.release();
        held.stream().println("event=started");

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(String.format("event=database_ready db=h2 é%n"
                + "event=started%n"));
    }

    @Test
    void lines_written_during_a_refused_start_are_dropped_and_its_error_line_is_printed() {
        held.stream().println("event=workers_started");

        held.discard();
        held.stream().println("error: refused");

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(String.format("error: refused%n"));
    }
}
