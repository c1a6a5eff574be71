package io.eventpipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final long T0 = 1_714_566_600_000L;

    private final AtomicLong clock = new AtomicLong(T0);
    private final Metrics metrics = new Metrics(clock::get);

    @Test
    void an_ingest_outcome_counts_each_part_and_their_sum_as_received_and_feeds_the_received_rate() {
        metrics.ingested(new IngestOutcome(3, 1, 0, 0));
        metrics.ingested(new IngestOutcome(0, 2, 4, 5));

        assertThat(metrics.received.sum()).isEqualTo(15);
        assertThat(metrics.accepted.sum()).isEqualTo(3);
        assertThat(metrics.rejected.sum()).isEqualTo(3);
        assertThat(metrics.throttled.sum()).isEqualTo(4);
        assertThat(metrics.rateLimited.sum()).isEqualTo(5);
        clock.addAndGet(1000);
        assertThat(metrics.receivedRate.lastSecond()).isEqualTo(15);
        assertThat(metrics.processedRate.lastSecond()).isZero();
    }

    @Test
    void every_counter_has_its_own_json_key_and_prometheus_name_and_a_help_that_names_its_unit() {
        List<Counter> counters = metrics.counters();

        assertThat(counters).extracting(Counter::key).doesNotHaveDuplicates().allMatch(k -> k.matches("[a-z_]+"));
        assertThat(counters).extracting(Counter::prometheusName).doesNotHaveDuplicates()
                .allMatch(n -> n.matches("pipeline_[a-z_]+_total"));
        assertThat(counters).allSatisfy(c -> assertThat(c.help().toLowerCase(Locale.ROOT)).as(c.key())
                .contains(c.unit()));
        assertThat(counters).contains(metrics.received, metrics.accepted, metrics.rejected, metrics.throttled,
                metrics.rateLimited, metrics.processed, metrics.duplicates, metrics.failed, metrics.retries,
                metrics.replayed, metrics.journalCorruptions);
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
