package io.eventpipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateMeterTest {
    /** A whole second of epoch time, so that second boundaries are easy to read. */
    private static final long T0 = 1_714_566_600_000L;

    private final AtomicLong clock = new AtomicLong(T0);
    private final RateMeter meter = new RateMeter(clock::get);

    private void at(long secondsAfterT0, long millis) {
        clock.set(T0 + secondsAfterT0 * 1000 + millis);
    }

    @Test
    void counts_nothing_before_anything_is_marked() {
        assertThat(meter.lastSecond()).isZero();
        assertThat(meter.lastMinute()).isZero();
    }

    @Test
    void last_second_is_the_previous_complete_second() {
        at(0, 100);
        meter.mark(5);
        at(0, 999);
        meter.mark(3);

        assertThat(meter.lastSecond()).as("the current second is not complete").isZero();
        at(1, 0);
        assertThat(meter.lastSecond()).isEqualTo(8);
        at(1, 999);
        assertThat(meter.lastSecond()).isEqualTo(8);
        at(2, 0);
        assertThat(meter.lastSecond()).isZero();
    }

    @Test
    void last_minute_is_the_mean_over_the_last_60_complete_seconds() {
        for (int s = 0; s < 60; s++) {
            at(s, 500);
            meter.mark(s + 1); // 1 + 2 + ... + 60 = 1830
        }
        at(60, 0);
        meter.mark(1_000); // the current second: not counted yet

        assertThat(meter.lastMinute()).isEqualTo(1830 / 60.0);
        at(61, 0);
        assertThat(meter.lastMinute()).as("second 0 has left the window")
                .isEqualTo((1830 - 1 + 1_000) / 60.0);
        at(90, 0);
        assertThat(meter.lastMinute()).isEqualTo((sum(30, 60) + 1_000) / 60.0);
    }

    @Test
    void last_minute_spreads_a_burst_over_the_minute() {
        at(10, 0);
        meter.mark(600);

        at(11, 0);
        assertThat(meter.lastMinute()).isEqualTo(10.0);
        at(70, 0);
        assertThat(meter.lastMinute()).isEqualTo(10.0);
        at(71, 0);
        assertThat(meter.lastMinute()).isZero();
    }

    @Test
    void old_slots_are_not_counted_after_a_minute_of_silence() {
        for (int s = 0; s < 60; s++) {
            at(s, 0);
            meter.mark(100);
        }

        // 62 seconds is one full turn of the ring: every slot still holds a count from the first minute.
        for (long later : new long[] {61 + 60, 62 + 59, 62 + 60, 62 + 61, 124 + 60, 3_600}) {
            at(later, 0);
            assertThat(meter.lastMinute()).as("%d s later", later).isZero();
            assertThat(meter.lastSecond()).as("%d s later", later).isZero();
        }
    }

    @Test
    void a_reused_slot_starts_again_from_zero() {
        at(0, 0);
        meter.mark(100);
        at(62, 0); // the same slot as second 0
        meter.mark(1);

        at(63, 0);
        assertThat(meter.lastSecond()).isEqualTo(1);
        assertThat(meter.lastMinute()).isEqualTo(1 / 60.0);
    }

    @Test
    void marks_of_several_events_add_up_within_a_second() {
        at(5, 0);
        for (int i = 0; i < 1000; i++) {
            meter.mark(2);
        }

        at(6, 0);
        assertThat(meter.lastSecond()).isEqualTo(2000);
    }

    @Test
    void works_with_a_clock_that_starts_at_zero() {
        AtomicLong fromZero = new AtomicLong(0);
        RateMeter m = new RateMeter(fromZero::get);

        assertThat(m.lastSecond()).isZero();
        assertThat(m.lastMinute()).isZero();
        fromZero.set(500);
        m.mark(4);
        fromZero.set(1_000);
        assertThat(m.lastSecond()).isEqualTo(4);
        assertThat(m.lastMinute()).isEqualTo(4 / 60.0);
    }

    private static long sum(int fromSecond, int toSecondExclusive) {
        long total = 0;
        for (int s = fromSecond; s < toSecondExclusive; s++) {
            total += s + 1;
        }
        return total;
    }
}
