package io.eventpipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.pipeline.Ingest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusFormatTest {
    static final PrometheusFormat.Gauges GAUGES =
            new PrometheusFormat.Gauges(7, 50_000, 1234, 64L << 20, 4, true, false, 42);

    @Test
    void every_line_is_a_help_a_type_or_a_sample_and_counters_end_in_total() {
        Metrics m = new Metrics();
        m.received.add(5);
        m.accepted.add(4);
        m.rejected.increment();
        m.throttled.add(2);
        m.rateLimited.add(6);
        m.stored(3, 1);
        m.latency.record(2_000_000, 4);
        m.httpRequests.record("POST", "/events", 202);

        PrometheusText text = PrometheusText.parse(PrometheusFormat.render(m, GAUGES));

        text.assertWellFormed();
        assertThat(text.types).containsEntry("pipeline_events_received_total", "counter")
                .containsEntry("pipeline_queue_depth", "gauge")
                .containsEntry("pipeline_event_latency_seconds", "histogram")
                .containsEntry("pipeline_batch_size_events", "histogram")
                .containsEntry("pipeline_http_requests_total", "counter");
        assertThat(text.value("pipeline_events_received_total")).isEqualTo(5);
        assertThat(text.value("pipeline_events_accepted_total")).isEqualTo(4);
        assertThat(text.value("pipeline_events_rejected_total")).isEqualTo(1);
        assertThat(text.value("pipeline_events_throttled_total")).isEqualTo(2);
        assertThat(text.value("pipeline_events_rate_limited_total")).isEqualTo(6);
        assertThat(text.types).containsEntry("pipeline_events_rate_limited_total", "counter");
        assertThat(text.value("pipeline_events_processed_total")).isEqualTo(3);
        assertThat(text.value("pipeline_events_duplicates_total")).isEqualTo(1);
        assertThat(text.value("pipeline_queue_depth")).isEqualTo(7);
        assertThat(text.value("pipeline_queue_capacity")).isEqualTo(50_000);
        assertThat(text.value("pipeline_queue_capacity_bytes")).isEqualTo(64 << 20);
        assertThat(text.value("pipeline_database_up")).isEqualTo(1);
        assertThat(text.value("pipeline_draining")).isEqualTo(0);
        assertThat(text.value("pipeline_http_requests_total", "method", "POST", "route", "/events", "status", "202"))
                .isEqualTo(1);
        assertThat(text.value("pipeline_batch_size_events_count")).isEqualTo(1);
        assertThat(text.value("pipeline_batch_size_events_sum")).isEqualTo(4);
        assertThat(text.value("pipeline_batch_size_events_bucket", "le", "2")).isZero();
        assertThat(text.value("pipeline_batch_size_events_bucket", "le", "5")).isEqualTo(1);
    }

    @Test
    void the_kafka_metrics_render_with_their_labels_units_and_histograms() {
        Metrics m = new Metrics();
        m.refusals.increment("broker_unavailable");
        m.refusals.add("awaiting_broker", 3);
        m.kafkaProducerErrors.add("not_enough_replicas", 4);
        m.kafkaProducerErrors.increment("timeout");
        m.kafkaRecordsInFlight.set(12);
        m.kafkaAckLatency.record(3_000_000, 5); // 3 ms
        m.kafkaCommitLatency.record(40_000_000); // 40 ms
        m.kafkaBatchSize.record(7);
        m.kafkaBatchSize.record(50);
        m.kafkaLag.set(0, 2, 17);
        m.kafkaLag.set(1, 0, 0);
        m.kafkaPartitionsAssigned.add(3);

        PrometheusText text = PrometheusText.parse(PrometheusFormat.render(m, GAUGES));

        text.assertWellFormed();
        assertThat(text.types).containsEntry("pipeline_ingest_refusals_total", "counter")
                .containsEntry("pipeline_kafka_producer_errors_total", "counter")
                .containsEntry("pipeline_kafka_partitions_assigned_total", "counter")
                .containsEntry("pipeline_kafka_records_in_flight", "gauge")
                .containsEntry("pipeline_kafka_consumer_lag_records", "gauge")
                .containsEntry("pipeline_kafka_ack_latency_seconds", "histogram")
                .containsEntry("pipeline_kafka_offset_commit_latency_seconds", "histogram")
                .containsEntry("pipeline_kafka_batch_size_records", "histogram");
        assertThat(text.value("pipeline_ingest_refusals_total", "reason", "broker_unavailable")).isEqualTo(1);
        assertThat(text.value("pipeline_ingest_refusals_total", "reason", "awaiting_broker")).isEqualTo(3);
        for (Ingest.Refusal r : Ingest.Refusal.values()) { // every reason from the start, at 0 if never
            assertThat(text.value("pipeline_ingest_refusals_total", "reason", Metrics.refusalName(r))).isNotNegative();
        }
        assertThat(text.value("pipeline_kafka_producer_errors_total", "kind", "not_enough_replicas")).isEqualTo(4);
        assertThat(text.value("pipeline_kafka_producer_errors_total", "kind", "timeout")).isEqualTo(1);
        assertThat(text.value("pipeline_kafka_producer_errors_total", "kind", "other")).isZero();
        assertThat(text.value("pipeline_kafka_partitions_assigned_total")).isEqualTo(3);
        assertThat(text.value("pipeline_kafka_records_in_flight")).isEqualTo(12);
        assertThat(text.value("pipeline_kafka_consumer_lag_records", "partition", "2")).isEqualTo(17);
        assertThat(text.value("pipeline_kafka_consumer_lag_records", "partition", "0")).isZero();
        assertThat(text.samples.stream().filter(s -> s.name().equals("pipeline_kafka_consumer_lag_records")))
                .as("one series per partition held").hasSize(2);
        assertThat(text.value("pipeline_kafka_ack_latency_seconds_count")).isEqualTo(5);
        assertThat(text.value("pipeline_kafka_ack_latency_seconds_sum")).isEqualTo(0.015);
        assertThat(text.value("pipeline_kafka_ack_latency_seconds_bucket", "le", "0.0016")).isZero();
        assertThat(text.value("pipeline_kafka_ack_latency_seconds_bucket", "le", "0.0032")).isEqualTo(5);
        assertThat(text.value("pipeline_kafka_offset_commit_latency_seconds_count")).isEqualTo(1);
        assertThat(text.value("pipeline_kafka_offset_commit_latency_seconds_sum")).isEqualTo(0.04);
        assertThat(text.value("pipeline_kafka_batch_size_records_count")).isEqualTo(2);
        assertThat(text.value("pipeline_kafka_batch_size_records_sum")).isEqualTo(57);
        assertThat(text.value("pipeline_kafka_batch_size_records_bucket", "le", "10")).isEqualTo(1);
        assertThat(text.value("pipeline_kafka_batch_size_records_bucket", "le", "50")).isEqualTo(2);
    }

    @Test
    void a_partition_given_up_by_one_consumer_keeps_the_lag_its_new_owner_set() {
        PartitionLag lag = new PartitionLag();
        lag.set(0, 4, 10);
        lag.set(1, 4, 3); // consumer 1 took partition 4 over before consumer 0's revocation ran
        lag.remove(0, 4);
        assertThat(lag.snapshot()).containsExactly(Map.entry(4, 3L));
        lag.remove(1, 4);
        assertThat(lag.snapshot()).isEmpty();
        lag.set(2, 1, -5); // a log end offset older than the position: never below 0
        assertThat(lag.snapshot()).containsExactly(Map.entry(1, 0L));
    }

    @Test
    void a_labelled_counter_refuses_a_value_it_was_not_given() {
        Metrics m = new Metrics();
        assertThatThrownBy(() -> m.kafkaProducerErrors.increment("disk_full"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not_enough_replicas");
        assertThat(m.kafkaProducerErrors.snapshot()).containsOnlyKeys(Metrics.PRODUCER_ERROR_KINDS);
    }

    @Test
    void an_empty_registry_renders_zeros_and_well_formed_histograms() {
        PrometheusText text = PrometheusText.parse(PrometheusFormat.render(new Metrics(), GAUGES));

        text.assertWellFormed();
        assertThat(text.value("pipeline_event_latency_seconds_count")).isZero();
        assertThat(text.value("pipeline_event_latency_seconds_sum")).isZero();
        assertThat(text.value("pipeline_event_latency_seconds_bucket", "le", "+Inf")).isZero();
    }

    @Test
    void latency_buckets_double_in_seconds_and_count_exactly_the_samples_at_or_below_each_bound() {
        Metrics m = new Metrics();
        List<Long> samples = new ArrayList<>();
        long v = 1_000;
        while (v < 2_000_000_000_000L) { // 1 µs to over half an hour, about 9% apart: hits many fine buckets
            samples.add(v);
            m.latency.record(v);
            v = v * 109 / 100 + 1;
        }
        m.latency.record(100_000, 3); // exactly on a reported bound: counted in it (le is "at or below")
        for (int i = 0; i < 3; i++) {
            samples.add(100_000L);
        }

        PrometheusText text = PrometheusText.parse(PrometheusFormat.render(m, GAUGES));

        text.assertWellFormed();
        Map<String, Double> buckets = text.buckets("pipeline_event_latency_seconds");
        assertThat(buckets.keySet()).startsWith("0.00005", "0.0001", "0.0002", "0.0004", "0.0008", "0.0016")
                .contains("1.6384", "838.8608").endsWith("+Inf").hasSize(26);
        buckets.forEach((le, cumulative) -> {
            long expected = le.equals("+Inf") ? samples.size()
                    : samples.stream().filter(s -> s <= Math.round(Double.parseDouble(le) * 1e9)).count();
            assertThat(cumulative).as("le=%s", le).isEqualTo((double) expected);
        });
        assertThat(text.value("pipeline_event_latency_seconds_count")).isEqualTo(samples.size());
        double sumSeconds = samples.stream().mapToLong(Long::longValue).sum() / 1e9;
        assertThat(text.value("pipeline_event_latency_seconds_sum")).isCloseTo(sumSeconds,
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void label_values_and_help_text_are_escaped() {
        assertThat(PrometheusFormat.escapeLabel("a\"b\\c\nd")).isEqualTo("a\\\"b\\\\c\\nd");
        assertThat(PrometheusFormat.escapeHelp("a\"b\\c\nd")).isEqualTo("a\"b\\\\c\\nd");

        Metrics m = new Metrics();
        m.httpRequests.record("GET", "/odd\"route\\\n", 404);
        PrometheusText text = PrometheusText.parse(PrometheusFormat.render(m, GAUGES));
        assertThat(text.value("pipeline_http_requests_total", "method", "GET", "route", "/odd\"route\\\n",
                "status", "404")).isEqualTo(1);
        m.httpRequests.record("GET", "/a\\nb", 404); // a backslash then n: not a line feed
        text = PrometheusText.parse(PrometheusFormat.render(m, GAUGES));
        assertThat(text.value("pipeline_http_requests_total", "method", "GET", "route", "/a\\nb", "status", "404"))
                .isEqualTo(1);
    }

    @Test
    void seconds_are_exact_decimals_without_an_exponent() {
        assertThat(PrometheusFormat.seconds(0)).isEqualTo("0");
        assertThat(PrometheusFormat.seconds(50_000)).isEqualTo("0.00005");
        assertThat(PrometheusFormat.seconds(1)).isEqualTo("0.000000001");
        assertThat(PrometheusFormat.seconds(3_000_000_000L)).isEqualTo("3");
    }

    @Test
    void a_prometheus_scrape_gets_text_and_anything_else_gets_json() {
        // What Prometheus 2.x/3.x sends.
        assertThat(PrometheusFormat.requestedBy("application/openmetrics-text;version=1.0.0,"
                + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"))
                .isTrue();
        assertThat(PrometheusFormat.requestedBy("text/plain")).isTrue();
        assertThat(PrometheusFormat.requestedBy("Text/Plain; charset=utf-8")).isTrue();
        assertThat(PrometheusFormat.requestedBy("application/json, text/plain;q=0.5")).isFalse();
        assertThat(PrometheusFormat.requestedBy("text/plain;q=0")).isFalse();
        assertThat(PrometheusFormat.requestedBy("*/*")).isFalse(); // curl
        assertThat(PrometheusFormat.requestedBy("text/html,application/xhtml+xml,*/*;q=0.8")).isFalse(); // a browser
        assertThat(PrometheusFormat.requestedBy(null)).isFalse();
        assertThat(PrometheusFormat.requestedBy("")).isFalse();
    }

    @Test
    void the_test_reader_refuses_what_prometheus_would_refuse() {
        assertThatThrownBy(() -> PrometheusText.parse("pipeline_x 1\n")).hasMessageContaining("before the TYPE");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE pipeline_x gauge\npipeline_x one\n"))
                .hasMessageContaining("not a number");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE pipeline_x gauge\npipeline_x{a=\"1} 1\n"))
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> PrometheusText.parse("# TYPE pipeline_x counter\n# HELP pipeline_x h\npipeline_x 1\n")
                .assertWellFormed()).hasMessageContaining("_total");
    }
}
