package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.eventpipeline.mqtt.MosquittoBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench still runs end to end: one second per phase on the embedded H2 only (no MariaDB needed), real child
 * processes, and a results.json that a tool could read, with the SDK-shaped row (Segment's /v1/batch), the
 * OTLP row (/v1/logs), the Kafka rows on one broker and on three (whose start takes about half a minute of the
 * run) and each durability tier's latency matrix (one second a phase) stored in full. It checks
 * shape and sanity, not speed. The table and the progress lines are kept, not printed: a one-second run misses
 * goals by design, and its table of MISS lines
 * belongs to {@code make bench}, not to a green build; they are shown when the run fails.
 */
class BenchSmokeIT {
    @TempDir
    Path out;

    @Test
    @Timeout(value = 7, unit = TimeUnit.MINUTES)
    void a_one_second_run_on_h2_writes_valid_results_json_with_positive_rates() throws Exception {
        String jar = System.getProperty("pipeline.jar", "target/event-pipeline.jar");

        ByteArrayOutputStream table = new ByteArrayOutputStream();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int exit = Bench.run(new PrintStream(table, true, StandardCharsets.UTF_8),
                new PrintStream(progress, true, StandardCharsets.UTF_8),
                "--seconds", "1", "--latency-seconds", "1", "--targets", "h2", "--out", out.toString(), "--jar", jar);

        assertThat(exit).as("bench exit code; its output:%n%s%n%s", progress, table).isZero();
        assertThat(table.toString(StandardCharsets.UTF_8)).contains("h2: H2").contains("goals (the service")
                .contains("POST /v1/batch").contains("/v1/batch over /events/batch")
                .contains("--queue kafka, a single broker").contains("kafka / journal")
                .contains("--queue kafka, three brokers").contains("kafka-3 / kafka (three brokers over one)")
                .contains("latency of single events by durability tier").contains("fsync probe: write");
        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertThat(r.path("schema_version").asInt()).isEqualTo(Results.SCHEMA_VERSION);
        assertThat(r.at("/machine/cores").asInt()).isPositive();
        assertThat(r.at("/machine/java_version").asText()).isNotBlank();
        assertThat(r.path("load_generator").asText()).contains("HttpClient");
        assertThat(r.at("/http_ceiling/single/accepted_per_second").asDouble()).isPositive();

        JsonNode h2 = r.at("/targets/h2");
        assertThat(h2.at("/db_ceiling/events_per_second").asDouble()).isPositive();
        assertThat(h2.at("/db_ceiling/counted_rows").asLong()).isEqualTo(h2.at("/db_ceiling/rows").asLong());
        assertThat(h2.at("/seed_design/events_per_second").asDouble()).isPositive();
        for (String durability : new String[] {"journal", "journal-async", "memory", "kafka", "kafka-3"}) {
            JsonNode s = h2.at("/service/" + durability);
            assertThat(s.isObject()).as(durability + " row").isTrue();
            assertThat(s.at("/single/end_to_end_per_second").asDouble()).as(durability).isPositive();
            assertThat(s.at("/single/stored_events").asLong()).isEqualTo(s.at("/single/accepted_events").asLong());
            assertThat(s.at("/batch/end_to_end_per_second").asDouble()).as(durability).isPositive();
            assertThat(s.at("/latency/answered").asInt()).isPositive();
            assertThat(s.at("/latency/p99_ms").asDouble()).isPositive();
            assertThat(s.path("startup_ms").asLong()).isPositive();
            assertThat(s.path("peak_rss_mib").asDouble()).isPositive();
        }
        // The latency matrix of each durability tier (not of Kafka): closed 4/16/64, open 10/25/50% of (a); the
        // fsync probe beside the memory tier's 4-connection phase.
        for (String tier : BenchOptions.TIERS) {
            JsonNode m = h2.at("/service/" + tier + "/latency_matrix");
            assertThat(m.path("closed")).as(tier).hasSize(3);
            assertThat(m.path("open")).as(tier).hasSize(3);
            for (JsonNode c : m.path("closed")) {
                assertThat(c.path("accepted_per_second").asDouble()).as(tier).isPositive();
                assertThat(c.path("p99_ms").asDouble()).as(tier).isPositive();
                assertThat(c.path("failed").asLong()).as(tier).isZero();
            }
            for (JsonNode o : m.path("open")) {
                assertThat(o.at("/latency/achieved_requests_per_second").asDouble()).as(tier).isPositive();
                assertThat(o.at("/latency/answered").asInt()).as(tier).isPositive();
                assertThat(o.at("/latency/p999_ms").asDouble()).as(tier).isPositive();
            }
            assertThat(m.path("fsync_probe").isObject()).as(tier).isEqualTo(tier.equals(ServiceBench.FSYNC_PROBE_TIER));
        }
        assertThat(h2.at("/service/memory/latency_matrix/fsync_probe/writes").asLong()).isPositive();
        assertThat(h2.at("/service/memory/latency_matrix/fsync_probe/mean_ms").asDouble()).isPositive();
        // The SDK-shaped row, with default flags only: every Segment message stored, and the ratio measured.
        JsonNode sdk = h2.at("/service/journal/sdk_batches");
        assertThat(sdk.path("library").asText()).startsWith("@segment/analytics-node ");
        for (String phase : new String[] {"v1_batch", "events_batch"}) {
            JsonNode p = sdk.path(phase);
            assertThat(p.path("events_per_request").asInt()).as(phase).isEqualTo(ServiceBench.BATCH_EVENTS);
            assertThat(p.path("failed").asLong()).as(phase + " requests not answered 2xx or 503").isZero();
            assertThat(p.path("accepted_events").asLong()).as(phase).isPositive();
            assertThat(p.path("stored_events").asLong()).as(phase).isEqualTo(p.path("accepted_events").asLong());
            assertThat(p.path("end_to_end_per_second").asDouble()).as(phase).isPositive();
        }
        assertThat(sdk.at("/v1_over_events_batch/same_events_end_to_end").asDouble()).isPositive();
        assertThat(sdk.at("/v1_over_events_batch/small_events_end_to_end").asDouble()).isPositive();
        assertThat(sdk.at("/v1_over_events_batch/same_events_server_cpu_per_event").asDouble()).isPositive();
        assertThat(sdk.path("v1_request_bytes").asInt()).isBetween(50_000, 100_000);
        assertThat(h2.at("/service/journal/service_metrics_at_end/rejected").asLong()).as("refused").isZero();
        assertThat(h2.at("/service/journal/service_metrics_at_end/failed").asLong()).as("dead-lettered").isZero();
        // The Kafka rows went through the brokers, one and three: every accepted event produced, acknowledged and
        // consumed.
        for (String row : new String[] {ServiceBench.KAFKA, ServiceBench.KAFKA_3}) {
            JsonNode kafka = h2.at("/service/" + row);
            assertThat(kafka.path("durability_reported").asText()).as(row).isEqualTo("kafka");
            assertThat(kafka.path("latency_matrix").isNull()).as(row).isTrue();
            assertThat(kafka.at("/service_metrics_at_end/kafka_produced").asLong()).as(row)
                    .isEqualTo(kafka.at("/service_metrics_at_end/accepted").asLong()).isPositive();
            assertThat(kafka.at("/service_metrics_at_end/kafka_consumed").asLong()).as(row)
                    .isGreaterThanOrEqualTo(kafka.at("/service_metrics_at_end/kafka_produced").asLong());
        }
        assertThat(h2.path("kafka_cluster_startup_ms").asLong()).isPositive();
        JsonNode threeOverOne = h2.path("three_brokers_over_one");
        assertThat(threeOverOne.fieldNames()).toIterable().containsExactly("single_accepted", "single_end_to_end",
                "batch_accepted", "batch_end_to_end", "p99_latency");
        threeOverOne.forEach(v -> assertThat(v.asDouble()).isPositive());
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("three Kafka brokers (KRaft")
                .contains("three Kafka brokers stopped in");
        assertThat(h2.at("/service/memory/sdk_batches").isNull()).isTrue();
        // The OTLP row: every log record a 200 took is a row, and no answer's partial_success refused any.
        assertThat(table.toString(StandardCharsets.UTF_8)).contains("/v1/logs over /events/batch");
        JsonNode otlp = h2.path("otlp");
        assertThat(otlp.path("records_per_request").asInt()).isEqualTo(OtlpBench.RECORDS);
        assertThat(otlp.at("/logs/events_per_request").asInt()).isEqualTo(OtlpBench.RECORDS);
        assertThat(otlp.at("/logs/connections").asInt()).isEqualTo(ServiceBench.BATCH_CONNECTIONS);
        assertThat(otlp.at("/logs/failed").asLong()).as("requests not answered 2xx or 503").isZero();
        assertThat(otlp.at("/logs/accepted_events").asLong()).isPositive();
        assertThat(otlp.at("/logs/stored_events").asLong()).isEqualTo(otlp.at("/logs/accepted_events").asLong());
        assertThat(otlp.at("/logs/end_to_end_per_second").asDouble()).isPositive();
        assertThat(otlp.path("rejected_log_records").isIntegralNumber()).isTrue();
        assertThat(otlp.path("rejected_log_records").asLong()).as("refused in partial_success").isZero();
        assertThat(otlp.path("over_events_batch_end_to_end").asDouble()).isPositive();
        assertThat(otlp.path("server_cpu_per_record_over_events_batch").asDouble()).isPositive();
        assertThat(otlp.at("/service_metrics_at_end/rejected").asLong()).as("refused").isZero();
        assertThat(otlp.at("/service_metrics_at_end/failed").asLong()).as("dead-lettered").isZero();
        // The MQTT row, where a mosquitto binary is (in CI it is): every message the broker acknowledged to the
        // publisher is a row, none dead-lettered.
        MosquittoBroker.require("the bench's MQTT row");
        assertThat(table.toString(StandardCharsets.UTF_8)).contains("MQTT over /events/batch");
        JsonNode mqtt = h2.path("mqtt");
        assertThat(mqtt.path("broker").asText()).startsWith("mosquitto version");
        assertThat(mqtt.at("/qos1/accepted_events").asLong()).isPositive();
        assertThat(mqtt.at("/qos1/stored_events").asLong()).isEqualTo(mqtt.at("/qos1/accepted_events").asLong());
        assertThat(mqtt.at("/qos1/end_to_end_per_second").asDouble()).isPositive();
        assertThat(mqtt.path("over_events_batch_end_to_end").asDouble()).isPositive();
        assertThat(mqtt.at("/service_metrics_at_end/mqtt_dead_lettered").asLong()).isZero();
        assertThat(mqtt.at("/service_metrics_at_end/mqtt_acknowledged").asLong())
                .isGreaterThanOrEqualTo(mqtt.at("/qos1/accepted_events").asLong());

        boolean aot = Runtime.version().feature() >= 25; // the bench's children run on this JVM's java
        assertThat(h2.at("/service/journal/startup_aot_cache_ms").isNumber()).isEqualTo(aot);
        if (aot) {
            assertThat(h2.at("/service/journal/startup_aot_cache_ms").asLong()).isPositive();
        }
        assertThat(h2.path("goals")).hasSize((aot ? 7 : 6) + 7); // the default flags' goals, then the tiers'
        for (JsonNode goal : h2.path("goals")) {
            assertThat(goal.path("name").asText()).isNotBlank();
            assertThat(goal.path("pass").isBoolean()).isTrue();
        }

        var svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(out.resolve("throughput.svg").toFile());
        assertThat(svg.getDocumentElement().getNodeName()).isEqualTo("svg");
    }
}
