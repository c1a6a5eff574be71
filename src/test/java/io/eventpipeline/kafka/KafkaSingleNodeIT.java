package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.InProcessService;
import io.eventpipeline.NeedsTestDatabase;
import io.eventpipeline.Service;
import io.eventpipeline.TcpProxy;
import io.eventpipeline.TestDb;
import io.eventpipeline.config.Config;
import io.eventpipeline.config.QueueMode;
import io.eventpipeline.config.Role;
import io.eventpipeline.metrics.PrometheusText;
import io.eventpipeline.mqtt.MosquittoBroker;
import io.eventpipeline.mqtt.MqttPublisher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * One node with {@code --queue kafka} on a real broker ({@link KafkaBroker}, one per class) and the MariaDB of
 * PIPELINE_TEST_DB_URL, reached through a {@link TcpProxy} so that a test can take the database away. Each test
 * has a topic of {@value #PARTITIONS} partitions and a consumer group of its own, and starts its nodes in this JVM.
 * What is checked is what a client and an operator see: ids stored once and read back through GET /events, rows of
 * {@code events_dead_letter}, the counters of /metrics, the routes each role serves.
 */
@NeedsTestDatabase
class KafkaSingleNodeIT {
    static final int PARTITIONS = 3;
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);
    /** Longer than the broker's consumer session (3 s): an outage that outlasts it must not cost the membership. */
    static final Duration OUTAGE = Duration.ofSeconds(6);
    /** Refuses every id that starts with "poison-", as {@code FaultInjectionPoisonIT} does. */
    static final String TRIGGER = "CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW BEGIN "
            + "IF NEW.id LIKE 'poison-%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison event'; END IF; END";
    /** As Segment's SDKs send it: three good messages and one track without its "event", which is refused. */
    static final String SEGMENT_BATCH = "{\"batch\":["
            + "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u-1\",\"messageId\":\"seg-1\","
            + "\"properties\":{\"revenue\":9.99}},"
            + "{\"type\":\"identify\",\"userId\":\"u-1\",\"messageId\":\"seg-2\",\"traits\":{\"plan\":\"pro\"}},"
            + "{\"type\":\"track\",\"userId\":\"u-1\",\"messageId\":\"seg-bad\"},"
            + "{\"type\":\"page\",\"userId\":\"u-1\",\"messageId\":\"seg-3\",\"name\":\"Home\"}],"
            + "\"sentAt\":\"2024-05-01T12:30:01.000Z\"}";
    private static final AtomicInteger TESTS = new AtomicInteger();

    static {
        // The clients' configuration dumps, thousands of lines a node, only if this JVM has not logged Kafka yet.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }

    static TestDb db;
    static KafkaBroker broker;

    @TempDir
    static Path brokerDir;

    @TempDir
    Path dir;

    TcpProxy proxy;
    String topic;
    String group;
    Path kafkaConfig;
    private final List<Service> nodes = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        db = TestDb.requireFromEnvironment("KafkaSingleNodeIT");
        broker = KafkaBroker.start(brokerDir.resolve("broker"));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void freshTopicGroupAndTables(TestInfo test) throws Exception {
        int n = TESTS.incrementAndGet();
        String name = test.getTestMethod().orElseThrow().getName();
        topic = "node-" + n + "-" + name.substring(0, Math.min(name.length(), 40));
        group = "group-" + n;
        broker.createTopic(topic, PARTITIONS);
        kafkaConfig = Files.writeString(dir.resolve("kafka.properties"), "group.id=" + group + "\n");
        db.execute("DROP TRIGGER IF EXISTS poison");
        db.reset();
        proxy = new TcpProxy(db.host(), db.port());
    }

    @AfterEach
    void stopNodes() throws Exception {
        for (Service node : nodes) {
            node.stop();
        }
        if (proxy != null) {
            proxy.close();
        }
        db.execute("DROP TRIGGER IF EXISTS poison");
    }

    @Test
    void events_of_every_door_are_stored_once_and_read_back() throws Exception {
        Service node = start(node(Role.BOTH));
        HttpTestClient http = new HttpTestClient(node.port());
        Set<String> expected = new HashSet<>();

        for (int i = 0; i < 5; i++) {
            var r = http.post("/events", HttpTestClient.event("door-single-" + i, "door", "{\"i\":" + i + "}"));
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            expected.add("door-single-" + i);
        }
        List<String> batch = ids("door-batch-", 20);
        expected.addAll(batch);
        for (int attempt = 0; attempt < 2; attempt++) { // the second is a client's retry: stored once
            var r = http.post("/events/batch", batchBody(batch));
            assertThat(r.status()).as(r.body()).isEqualTo(202);
            var segment = http.post("/v1/batch", SEGMENT_BATCH);
            assertThat(segment.status()).as(segment.body()).isEqualTo(200);
            assertThat(segment.json().get("accepted").asInt()).isEqualTo(3);
            assertThat(segment.json().get("dead_lettered").asInt()).isEqualTo(1);
        }
        expected.addAll(List.of("seg-1", "seg-2", "seg-3"));

        db.awaitStored(expected, STORE_TIMEOUT);
        awaitCounter(http, "duplicates", 20 + 3 + 1);
        awaitCounter(http, "failed", 1);
        assertThat(db.strings("SELECT id FROM events")).as("each id once").hasSize(expected.size())
                .doesNotHaveDuplicates();
        assertThat(db.strings("SELECT event_id FROM events_dead_letter")).containsExactly("seg-bad");
        assertThat(db.strings("SELECT error FROM events_dead_letter")).singleElement().asString()
                .startsWith("event: is required");

        var page = http.get("/events?limit=100");
        assertThat(page.status()).isEqualTo(200);
        List<String> read = new ArrayList<>();
        page.json().get("events").forEach(e -> read.add(e.get("id").asText()));
        assertThat(read).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(page.json().get("next_cursor").isNull()).isTrue();
        JsonNode seg1 = http.get("/events/seg-1").json();
        assertThat(seg1.get("source").asText()).isEqualTo("segment.track");
        assertThat(seg1.at("/data/properties/revenue").decimalValue()).isEqualByComparingTo("9.99");

        JsonNode m = metrics(http);
        assertThat(m.get("processed").asLong()).isEqualTo(expected.size());
        assertThat(m.get("kafka_produced").asLong()).as("every event of every 202 or 200, the refused one too")
                .isEqualTo(5 + 2 * 20 + 2 * 4);
        assertThat(m.get("kafka_produce_failed").asLong()).isZero();
        assertThat(m.get("kafka_consumed").asLong()).isGreaterThanOrEqualTo(53);
        assertThat(m.get("kafka_offset_commits").asLong()).isPositive();
        assertThat(m.get("kafka_offset_commits_failed").asLong()).isZero();
        assertThat(m.at("/queue/kind").asText()).isEqualTo("kafka");
        assertThat(m.at("/queue/topic").asText()).isEqualTo(topic);
        assertThat(m.at("/queue/partitions").asInt()).isEqualTo(PARTITIONS);
        assertThat(m.at("/queue/awaiting_ack").asLong()).isZero();
    }

    @Test
    void a_poison_event_goes_to_the_dead_letter_once_however_often_its_record_is_delivered() throws Exception {
        Service node = start(node(Role.BOTH));
        db.execute(TRIGGER); // the node created the tables at start
        HttpTestClient http = new HttpTestClient(node.port());
        List<String> sent = new ArrayList<>(ids("good-", 10));
        sent.add(3, "poison-a");
        sent.add("poison-b");
        Set<String> good = new HashSet<>(ids("good-", 10));

        assertThat(http.post("/events/batch", batchBody(sent)).status()).isEqualTo(202);
        db.awaitStored(good, STORE_TIMEOUT);
        awaitCounter(http, "failed", 2);
        assertThat(db.strings("SELECT event_id FROM events_dead_letter"))
                .containsExactlyInAnyOrder("poison-a", "poison-b");

        // Every record delivered again, to a new node of the same group: the stored ones and the poison ones.
        HttpTestClient again = new HttpTestClient(replayFromTheStart(node).port());
        awaitCounter(again, "duplicates", sent.size());

        assertThat(db.strings("SELECT event_id FROM events_dead_letter")).as("once each")
                .containsExactlyInAnyOrder("poison-a", "poison-b");
        assertThat(db.strings("SELECT error FROM events_dead_letter")).allMatch(e -> e.contains("poison event"));
        assertThat(db.strings("SELECT id FROM events")).containsExactlyInAnyOrderElementsOf(good);
        JsonNode m = metrics(again);
        assertThat(m.get("failed").asLong()).as("dead-lettered by this node").isZero();
        assertThat(m.get("processed").asLong()).as("new rows by this node").isZero();
        assertThat(m.get("kafka_consumed").asLong()).isGreaterThanOrEqualTo(sent.size());
    }

    @Test
    void a_database_outage_dead_letters_nothing_and_costs_the_writers_no_membership() throws Exception {
        Service node = start(node(Role.BOTH));
        HttpTestClient http = new HttpTestClient(node.port());
        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicBoolean posting = new AtomicBoolean(true);
        List<Throwable> posterFailures = new ArrayList<>();
        Thread poster = Thread.ofPlatform().name("poster").start(() -> {
            try {
                for (int r = 0; posting.get(); r++) {
                    List<String> ids = ids("flow-" + r + "-", 10);
                    var response = http.post("/events/batch", batchBody(ids));
                    if (response.status() != 202) {
                        throw new AssertionError("a POST while the broker is up: " + response.status() + " "
                                + response.body());
                    }
                    accepted.addAll(ids);
                    Thread.sleep(20); // a steady flow, not a flood
                }
            } catch (Throwable t) {
                synchronized (posterFailures) {
                    posterFailures.add(t);
                }
            }
        });
        try {
            Eventually.await(STORE_TIMEOUT, "events flow into the database", () -> db.countEvents() >= 100);
            Map<String, Set<TopicPartition>> members = awaitGroupStable(2);
            JsonNode before = metrics(http);

            proxy.cut();
            Eventually.await(Duration.ofSeconds(15), "the writers meet the outage",
                    () -> metrics(http).get("retries").asLong() > before.get("retries").asLong());
            long cutAt = System.nanoTime();
            // A fixed length, longer than the broker's consumer session: the outage is the test's input, not a state
            // to wait for.
            Thread.sleep(OUTAGE.toMillis());
            JsonNode during = metrics(http);
            assertThat(awaitGroupStable(2)).as("the members and their partitions at the end of the outage")
                    .isEqualTo(members);
            proxy.restore();
            long outageMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);

            posting.set(false);
            poster.join(10_000);
            assertThat(posterFailures).isEmpty();
            long t0 = System.nanoTime();
            db.awaitStored(accepted, STORE_TIMEOUT);
            long catchUpMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

            JsonNode after = metrics(http);
            assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).as("dead-lettered").isZero();
            assertThat(db.countEvents()).as("each accepted id once").isEqualTo(accepted.size());
            assertThat(after.get("failed").asLong()).isZero();
            assertThat(during.get("kafka_partitions_revoked").asLong()).as("partitions revoked during the outage")
                    .isEqualTo(before.get("kafka_partitions_revoked").asLong());
            assertThat(after.get("kafka_partitions_revoked").asLong()).as("partitions revoked by the end")
                    .isEqualTo(before.get("kafka_partitions_revoked").asLong());
            assertThat(after.get("kafka_batches_abandoned").asLong()).as("batches abandoned")
                    .isEqualTo(before.get("kafka_batches_abandoned").asLong());
            assertThat(after.get("retries").asLong()).isGreaterThan(before.get("retries").asLong());
            System.out.printf("kafka single node: %d events, a %d ms database outage, stored all %d ms after it; "
                    + "%d retries%n", accepted.size(), outageMs, catchUpMs,
                    after.get("retries").asLong() - before.get("retries").asLong());
        } finally {
            posting.set(false);
            poster.join(10_000);
        }
    }

    @Test
    void an_ingest_node_and_a_writer_node_serve_only_their_routes() throws Exception {
        Path ingestData = dir.resolve("ingest-data");
        Service ingest = start(node(Role.INGEST).dataDir(ingestData));
        Service writer = start(node(Role.WRITER));
        HttpTestClient in = new HttpTestClient(ingest.port());
        HttpTestClient out = new HttpTestClient(writer.port());

        List<String> ids = ids("split-", 10);
        assertThat(in.post("/events/batch", batchBody(ids)).status()).isEqualTo(202);
        db.awaitStored(new HashSet<>(ids), STORE_TIMEOUT);

        var health = in.get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
        assertThat(health.json().get("database").asText()).isEqualTo("NONE");
        assertNotAllowed(in.get("/events"), "GET /events on an ingest node without --db-url", "POST");
        assertNotFound(in.get("/events/split-1"), "GET /events/{id} on an ingest node without --db-url");
        assertThat(ingestData).as("an ingest node without --db-url touches no data directory").doesNotExist();

        assertNotAllowed(out.post("/events", HttpTestClient.event("w-1", "t", "{}")), "POST /events on a writer",
                "GET, HEAD");
        // /events/batch is also the GET route /events/{id}.
        assertNotAllowed(out.post("/events/batch", batchBody(List.of("w-2"))), "POST /events/batch on a writer",
                "GET, HEAD");
        assertNotFound(out.post("/v1/batch", SEGMENT_BATCH), "POST /v1/batch on a writer");
        assertThat(out.get("/health").json().get("database").asText()).isEqualTo("UP");
        var page = out.get("/events?limit=100");
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.json().get("events")).hasSize(ids.size());

        for (HttpTestClient node : List.of(in, out)) {
            JsonNode m = metrics(node);
            for (String counter : List.of("kafka_produced", "kafka_produce_failed", "kafka_consumed",
                    "kafka_offset_commits", "kafka_offset_commits_failed", "kafka_partitions_revoked",
                    "kafka_batches_abandoned")) {
                assertThat(m.get(counter)).as(counter).isNotNull();
                assertThat(m.get(counter).isIntegralNumber()).as(counter).isTrue();
            }
            assertThat(m.at("/queue/kind").asText()).isEqualTo("kafka");
            assertThat(m.at("/queue/topic").asText()).isEqualTo(topic);
        }
        assertThat(metrics(in).get("kafka_produced").asLong()).isEqualTo(ids.size());
        assertThat(metrics(in).get("kafka_consumed").asLong()).isZero();
        assertThat(metrics(out).get("kafka_produced").asLong()).isZero();
        assertThat(metrics(out).get("processed").asLong()).isEqualTo(ids.size());
        assertThat(metrics(in).at("/queue/awaiting_ack").isNumber()).isTrue();
        assertThat(metrics(out).at("/queue/awaiting_ack").isMissingNode()).as("a writer produces nothing").isTrue();
    }

    /**
     * The per-role metrics move with real traffic: on the ingest node every record's acknowledgement is timed and
     * none stays in flight; the writer node's lag per partition falls to 0 once it has stored everything, and its
     * commits and batches are counted. Each node reports the readiness of its role: the ingest node its topic's
     * in-sync replicas, the writer node its group. (One broker cannot have a partition short of in-sync replicas:
     * the broker asks for at most as many as a partition has, so that check is proved with three brokers.)
     */
    @Test
    void the_per_role_metrics_follow_real_traffic() throws Exception {
        Service ingest = start(node(Role.INGEST));
        Service writer = start(node(Role.WRITER));
        HttpTestClient in = new HttpTestClient(ingest.port());
        HttpTestClient out = new HttpTestClient(writer.port());
        Set<String> sent = new HashSet<>();
        for (int r = 0; r < 20; r++) {
            List<String> batch = ids("m-" + r + "-", 10);
            var posted = in.post("/events/batch", batchBody(batch));
            assertThat(posted.status()).as(posted.body()).isEqualTo(202);
            sent.addAll(batch);
        }
        db.awaitStored(sent, STORE_TIMEOUT);

        JsonNode m = metrics(in);
        assertThat(m.get("kafka_records_in_flight").asLong()).as("records in flight after every 202").isZero();
        assertThat(m.at("/kafka_ack_latency_ms/count").asLong()).as("acknowledgements timed")
                .isEqualTo(m.get("kafka_produced").asLong()).isEqualTo(sent.size());
        assertThat(m.at("/kafka_ack_latency_ms/max").asDouble()).isPositive();
        assertThat(m.get("refusals")).allSatisfy(n -> assertThat(n.asLong()).isZero());
        assertThat(m.get("kafka_producer_errors")).allSatisfy(n -> assertThat(n.asLong()).isZero());
        JsonNode lag = Eventually.await(STORE_TIMEOUT, "the writer's lag is 0 on all " + PARTITIONS + " partitions",
                () -> metrics(out), w -> w.get("kafka_lag").size() == PARTITIONS
                        && java.util.stream.StreamSupport.stream(w.get("kafka_lag").spliterator(), false)
                                .allMatch(l -> l.asLong() == 0)).get("kafka_lag");
        assertThat(lag.fieldNames()).toIterable().containsExactly("0", "1", "2");
        JsonNode w = metrics(out);
        assertThat(w.at("/kafka_commit_latency_ms/count").asLong()).as("commits timed")
                .isEqualTo(w.get("kafka_offset_commits").asLong() + w.get("kafka_offset_commits_failed").asLong())
                .isPositive();
        assertThat(w.at("/kafka_batch_size/sum").asLong()).as("records of the batches")
                .isEqualTo(w.get("kafka_consumed").asLong()).isGreaterThanOrEqualTo(sent.size());
        assertThat(w.at("/kafka_batch_size/max").asLong()).isBetween(1L, 50L); // --batch-size 50
        assertThat(w.get("kafka_partitions_assigned").asLong()).isGreaterThanOrEqualTo(PARTITIONS);
        PrometheusText text = PrometheusText.parse(out.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + writer.port() + "/metrics")).header("Accept", "text/plain")
                .GET()).body());
        text.assertWellFormed();
        for (int p = 0; p < PARTITIONS; p++) {
            assertThat(text.value("pipeline_kafka_consumer_lag_records", "partition", Integer.toString(p))).isZero();
        }
        assertThat(text.value("pipeline_kafka_offset_commit_latency_seconds_count"))
                .isEqualTo(w.at("/kafka_commit_latency_ms/count").asLong());
        var writerHealth = out.get("/health/ready");
        assertThat(writerHealth.status()).as(writerHealth.body()).isEqualTo(200);
        assertThat(writerHealth.json().get("group").asText()).isEqualTo("UP");
        assertThat(writerHealth.json().has("replicas")).as("a writer does not produce").isFalse();
        assertThat(in.get("/health/ready").json().get("replicas").asText()).isEqualTo("UP");

        var ingestReady = in.get("/health/ready");
        assertThat(ingestReady.status()).as(ingestReady.body()).isEqualTo(200);
        assertThat(ingestReady.json().get("replicas").asText()).isEqualTo("UP");
        assertThat(ingestReady.json().has("group")).as("an ingest node has no consumers").isFalse();
    }

    /** With --db-url an ingest node also serves the queries: it reads back what a writer node stored. */
    @Test
    void an_ingest_node_given_a_database_serves_get_events_of_what_the_writer_stored() throws Exception {
        Service ingest = start(node(Role.INGEST).dbUrl(db.urlVia(proxy.port())));
        Service writer = start(node(Role.WRITER));
        HttpTestClient in = new HttpTestClient(ingest.port());

        var posted = in.post("/events", HttpTestClient.event("read-back-1", "read.back", "{\"n\":7}"));
        assertThat(posted.status()).as(posted.body()).isEqualTo(202);
        db.awaitStored(Set.of("read-back-1"), STORE_TIMEOUT);

        var page = in.get("/events?limit=100");
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<String> read = new ArrayList<>();
        page.json().get("events").forEach(e -> read.add(e.get("id").asText()));
        assertThat(read).containsExactly("read-back-1");
        var one = in.get("/events/read-back-1");
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().get("type").asText()).isEqualTo("read.back");
        assertThat(one.json().at("/data/n").asInt()).isEqualTo(7);
        var health = in.get("/health/ready");
        assertThat(health.status()).as(health.body()).isEqualTo(200);
        assertThat(health.json().get("database").asText()).isEqualTo("UP");
        assertThat(metrics(in).get("processed").asLong()).as("the ingest node stores nothing itself").isZero();
        assertThat(metrics(new HttpTestClient(writer.port())).get("processed").asLong()).isEqualTo(1);
    }

    @Test
    void a_record_that_is_not_an_event_goes_to_the_dead_letter_once_and_the_writer_goes_on() throws Exception {
        Service node = start(node(Role.BOTH));
        HttpTestClient http = new HttpTestClient(node.port());
        Map<String, Long> junk = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(), ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            RecordMetadata text = producer.send(new ProducerRecord<>(topic, 1, "junk".getBytes(StandardCharsets.UTF_8),
                    "{\"id\":\"not-this-codec\"}".getBytes(StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
            RecordMetadata tombstone = producer.send(new ProducerRecord<>(topic, 2,
                    "gone".getBytes(StandardCharsets.UTF_8), (byte[]) null)).get(10, TimeUnit.SECONDS);
            junk.put(KafkaWriters.undecodableId(topic, 1, text.offset()), 1L);
            junk.put(KafkaWriters.undecodableId(topic, 2, tombstone.offset()), 2L);
        }

        Eventually.await(STORE_TIMEOUT, "the dead letter holds both records",
                () -> db.count("SELECT COUNT(*) FROM events_dead_letter") >= 2);
        assertThat(db.strings("SELECT event_id FROM events_dead_letter"))
                .containsExactlyInAnyOrderElementsOf(junk.keySet());
        String first = junk.entrySet().stream().filter(e -> e.getValue() == 1L).findFirst().orElseThrow().getKey();
        JsonNode kept = HttpTestClient.JSON.readTree(db.strings(
                "SELECT event FROM events_dead_letter WHERE event_id = ?", first).getFirst());
        assertThat(kept.at("/data/value_base64").asText()).isEqualTo(java.util.Base64.getEncoder()
                .encodeToString("{\"id\":\"not-this-codec\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(kept.at("/data/topic").asText()).isEqualTo(topic);
        assertThat(db.strings("SELECT error FROM events_dead_letter WHERE event_id = ?", first)).singleElement()
                .asString().startsWith("not an event record of this version");

        assertThat(http.post("/events", HttpTestClient.event("after-junk", "t", "{}")).status()).isEqualTo(202);
        db.awaitStored(Set.of("after-junk"), STORE_TIMEOUT);
        awaitCounter(http, "failed", 2);

        HttpTestClient again = new HttpTestClient(replayFromTheStart(node).port());
        awaitCounter(again, "duplicates", 3);
        assertThat(db.strings("SELECT event_id FROM events_dead_letter")).as("once each")
                .containsExactlyInAnyOrderElementsOf(junk.keySet());
        assertThat(db.strings("SELECT id FROM events")).containsExactly("after-junk");
    }

    /**
     * The MQTT source on an ingest node hands its messages to the topic like HTTP: a writer node stores them once,
     * the malformed one in the dead letter with its topic, and every message the service acknowledged to the MQTT
     * broker was produced to Kafka. Needs a mosquitto binary (skipped without, failed in CI).
     */
    @Test
    void an_ingest_nodes_mqtt_messages_go_through_the_topic_and_are_stored_once() throws Exception {
        MosquittoBroker.require("the Kafka mode's MQTT test");
        try (MosquittoBroker mqtt = MosquittoBroker.start(dir.resolve("mosquitto"))) {
            Service ingest = start(node(Role.INGEST).mqttUrl(mqtt.url()).mqttTopics("plant/+/reading")
                    .mqttClientId("kafka-ingest-1").mqttIdField("id"));
            start(node(Role.WRITER));
            HttpTestClient in = new HttpTestClient(ingest.port());
            Eventually.await(Duration.ofSeconds(15), "the ingest node's MQTT subscription is up",
                    () -> in.get("/health").json(), h -> "UP".equals(h.path("mqtt").asText()));

            List<String> readings = MqttPublisher.readings("kmqtt", 300);
            try (MqttPublisher publisher = MqttPublisher.connect(mqtt.url(), "kafka-mqtt-publisher")) {
                publisher.publishAll("plant/line-2/reading", readings);
                publisher.publishAll("plant/line-2/reading", List.of("not json"));
            }
            Set<String> expected = new HashSet<>();
            for (int i = 0; i < readings.size(); i++) {
                expected.add(MqttPublisher.id("kmqtt", i));
            }
            db.awaitStored(expected, STORE_TIMEOUT);
            awaitCounter(in, "mqtt_acknowledged", readings.size() + 1);
            assertThat(db.strings("SELECT id FROM events")).as("each reading once").hasSize(readings.size())
                    .doesNotHaveDuplicates();
            assertThat(db.strings("SELECT DISTINCT source FROM events")).containsExactly("plant/line-2");
            assertThat(db.strings("SELECT DISTINCT type FROM events")).containsExactly("reading");
            Eventually.await(STORE_TIMEOUT, "the malformed message in the dead letter",
                    () -> db.strings("SELECT error FROM events_dead_letter"), rows -> rows.size() == 1);
            assertThat(db.strings("SELECT error FROM events_dead_letter")).singleElement().asString()
                    .startsWith("MQTT message on topic 'plant/line-2/reading': the payload is not valid JSON");
            assertThat(db.strings("SELECT event FROM events_dead_letter")).singleElement().asString()
                    .contains("\"mqtt_topic\":\"plant/line-2/reading\"").contains("\"payload\":\"not json\"");
            JsonNode m = metrics(in);
            assertThat(m.get("kafka_produced").asLong()).as("every message, the refused one too")
                    .isEqualTo(readings.size() + 1);
            assertThat(m.get("mqtt_received").asLong()).isGreaterThanOrEqualTo(readings.size() + 1);
            assertThat(m.get("mqtt_dead_lettered").asLong()).isEqualTo(1);
        }
    }

    // ---- nodes, the group, requests

    /** A node of this test's topic and group, with small batches, 2 writers and a short stop. */
    private Config.Builder node(Role role) {
        Config.Builder c = Config.builder().port(0).dataDir(dir.resolve("data-" + nodes.size()))
                .queue(QueueMode.KAFKA).role(role).kafkaBootstrap(broker.bootstrap()).kafkaTopic(topic)
                .kafkaConfig(kafkaConfig).workers(2).batchSize(50).maxRetries(1)
                .shutdownTimeout(Duration.ofSeconds(5));
        return role.writes() ? c.dbUrl(db.urlVia(proxy.port())) : c;
    }

    private Service start(Config.Builder config) throws Exception {
        Service node = InProcessService.start(config.build());
        nodes.add(node);
        return node;
    }

    /**
     * Stops {@code node}, sets its group's offsets back to the start of every partition (once the group is empty,
     * as the broker requires) and starts a node on the same settings: every record is delivered again.
     */
    private Service replayFromTheStart(Service node) throws Exception {
        node.stop();
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            start.put(new TopicPartition(topic, p), new OffsetAndMetadata(0));
        }
        try (Admin admin = admin()) {
            Eventually.await(Duration.ofSeconds(15), "the offsets of " + group + " are back at 0", () -> {
                try {
                    admin.alterConsumerGroupOffsets(group, start).all().get(5, TimeUnit.SECONDS);
                    return true;
                } catch (java.util.concurrent.ExecutionException e) {
                    return false; // the group still has members (GroupNotEmptyException)
                }
            });
        }
        return start(node(Role.BOTH));
    }

    /**
     * Waits, at most 15 s, until the group is stable with {@code members} members, each owning the partitions the
     * coordinator means it to have (at least one) and all partitions owned; returns each member's id and its
     * partitions.
     */
    private Map<String, Set<TopicPartition>> awaitGroupStable(int members) throws Exception {
        try (Admin admin = admin()) {
            return Eventually.await(Duration.ofSeconds(15), "the group " + group + " is stable with " + members
                    + " members owning all " + PARTITIONS + " partitions", () -> {
                        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                                .get(5, TimeUnit.SECONDS).get(group);
                        Map<String, Set<TopicPartition>> owned = new HashMap<>();
                        int partitions = 0;
                        for (MemberDescription m : d.members()) {
                            Set<TopicPartition> tps = m.assignment().topicPartitions();
                            boolean reconciled = !tps.isEmpty() && m.targetAssignment()
                                    .map(t -> t.topicPartitions().equals(tps)).orElse(true)
                                    && m.memberEpoch().equals(d.targetAssignmentEpoch());
                            if (!reconciled) {
                                return null;
                            }
                            owned.put(m.consumerId(), Set.copyOf(tps));
                            partitions += tps.size();
                        }
                        return d.groupState() == GroupState.STABLE && partitions == PARTITIONS ? owned : null;
                    }, owned -> owned != null && owned.size() == members);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    private static void awaitCounter(HttpTestClient http, String counter, long value) throws InterruptedException {
        Eventually.await(STORE_TIMEOUT, counter + " reaches " + value, () -> metrics(http).get(counter).asLong(),
                n -> {
                    if (n > value) {
                        throw new AssertionError(counter + " is " + n + ", more than " + value);
                    }
                    return n == value;
                });
    }

    /** A path the node's role serves no route on: 404, as for any unknown path. */
    private static void assertNotFound(HttpTestClient.Response r, String what) {
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(404);
    }

    /**
     * A method the node's role does not serve on a path it serves with others: 405 with those in Allow, as the
     * service answers everywhere (RFC 9110 §15.5.6), where a node of the other role would serve it.
     */
    private static void assertNotAllowed(HttpTestClient.Response r, String what, String allow) {
        assertThat(r.status()).as(what + ": " + r.body()).isEqualTo(405);
        assertThat(r.raw().headers().firstValue("Allow")).as(what).hasValue(allow);
    }

    static JsonNode metrics(HttpTestClient http) throws IOException, InterruptedException {
        var r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    static List<String> ids(String prefix, int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(prefix + i);
        }
        return ids;
    }

    static String batchBody(List<String> ids) {
        StringBuilder sb = new StringBuilder("{\"events\":[");
        for (int i = 0; i < ids.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(HttpTestClient.event(ids.get(i), "kafka", "{\"n\":" + i + "}"));
        }
        return sb.append("]}").toString();
    }
}
