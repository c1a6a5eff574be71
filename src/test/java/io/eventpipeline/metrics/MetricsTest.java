package io.eventpipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final long T0 = 1_714_566_600_000L;

    private final AtomicLong clock = new AtomicLong(T0);
    private final Metrics metrics = new Metrics(clock::get);

    @Test
    void received_counts_events_and_feeds_the_received_rate() {
        metrics.received(3);
        metrics.received(4);

        assertThat(metrics.received.sum()).isEqualTo(7);
        clock.addAndGet(1000);
        assertThat(metrics.receivedRate.lastSecond()).isEqualTo(7);
        assertThat(metrics.processedRate.lastSecond()).isZero();
    }

    @Test
    void stored_counts_new_rows_and_duplicates_and_both_are_processed_throughput() {
        metrics.stored(10, 2);
        metrics.stored(5, 0);

        assertThat(metrics.processed.sum()).isEqualTo(15);
        assertThat(metrics.duplicates.sum()).isEqualTo(2);
        clock.addAndGet(1000);
        assertThat(metrics.processedRate.lastSecond()).isEqualTo(17);
    }

    @Test
    void uptime_counts_whole_seconds_since_construction() {
        assertThat(metrics.uptimeSeconds()).isZero();
        clock.addAndGet(1_999);
        assertThat(metrics.uptimeSeconds()).isEqualTo(1);
        clock.addAndGet(3_600_000);
        assertThat(metrics.uptimeSeconds()).isEqualTo(3_601);
    }
}
