package io.eventpipeline.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.JarProcess;
import io.eventpipeline.ServiceLogsOnFailure;
import io.eventpipeline.TcpProxy;
import io.eventpipeline.TestDb;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT source end to end, as an operator runs it: a Mosquitto broker of the test's own, the real jar in a
 * child process subscribed to it (persistent session, {@code --mqtt-id-field id}), devices played by a separate
 * Paho client publishing unique QoS 1 readings, and the database reached through a {@link TcpProxy} so that it can
 * be cut. Every assertion is on what the database holds, read with plain JDBC, and on what the query API answers.
 * Subclasses name the database.
 */
@NeedsMosquitto
abstract class MqttSourceScenarios {
    static final int MESSAGES = 10_000;
    static final String TOPIC = "plant/line-1/reading";
    static final String FILTER = "plant/+/reading";
    static final String CLIENT_ID = "pipeline-it";
    static final int QUEUE_CAPACITY = 2_000;
    static final int BATCH_SIZE = 200;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(180);
    static final Duration NOTICE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    MosquittoBroker broker;
    TcpProxy proxy;
    TestDb db;
    private final List<JarProcess> services = new ArrayList<>();
    private Path logDir;

    /** The database under test, empty, read directly (not through the proxy). */
    abstract TestDb openDatabase(Path dir) throws Exception;

    /** Host and port the proxy forwards to. */
    abstract String databaseHost();

    abstract int databasePort();

    /** The URL the service is given: the same database through the proxy on {@code proxyPort}. */
    abstract String databaseUrlVia(int proxyPort);

    /** Stops what {@link #openDatabase} started, if anything. */
    void closeDatabase() throws Exception {
    }

    @RegisterExtension
    final ServiceLogsOnFailure logsOnFailure = new ServiceLogsOnFailure(services, () -> logDir);

    @RegisterExtension
    final TestWatcher brokerLogOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (broker != null) {
                String out = broker.output();
                System.err.println("---- broker log (last 4000 chars)\n"
                        + out.substring(Math.max(0, out.length() - 4000)));
            }
        }
    };

    @BeforeAll
    static void requireBroker() {
        MosquittoBroker.require("the MQTT source tests");
    }

    @BeforeEach
    void start(TestInfo test) throws Exception {
        logDir = Path.of("target", "mqtt-logs", getClass().getSimpleName(),
                test.getTestMethod().map(m -> m.getName()).orElse("test"));
        if (Files.exists(logDir)) {
            try (var old = Files.walk(logDir)) {
                old.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(logDir);
        db = openDatabase(dir);
        proxy = new TcpProxy(databaseHost(), databasePort());
        // Under target/, so that the broker's log outlives the test for a look after a failure.
        broker = MosquittoBroker.start(logDir.resolve("mosquitto"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (JarProcess s : services) {
                s.close();
            }
            if (broker != null) {
                broker.close();
            }
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            closeDatabase();
        }
    }

    /**
     * 10,000 unique QoS 1 readings from a device client are each stored once, mapped by the documented rule (source
     * from the topic's levels, type from its last, the topic kept in data), and every message is acknowledged;
     * payloads that are no JSON object land in the dead letter with their topic, and the subscription goes on.
     */
    @Test
    void ten_thousand_qos1_messages_are_stored_exactly_once_and_malformed_ones_are_dead_lettered_with_their_topic()
            throws Exception {
        JarProcess service = startService();
        HttpTestClient http = new HttpTestClient(service.port());
        List<byte[]> malformed = List.of("not json".getBytes(StandardCharsets.UTF_8),
                "[1,2,3]".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff, 0, (byte) 0xfe});
        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-1")) {
            publisher.publishAll(TOPIC, MqttPublisher.readings("r", MESSAGES / 2));
            publisher.publishBytes("plant/line-9/reading", malformed);
            publisher.publishAll(TOPIC, MqttPublisher.readings("r", MESSAGES).subList(MESSAGES / 2, MESSAGES));
            assertThat(publisher.acknowledged()).isEqualTo(MESSAGES + malformed.size());
        }

        db.awaitStored(ids("r", MESSAGES), STORE_TIMEOUT);
        assertThat(db.countEvents()).as("each reading once").isEqualTo(MESSAGES);
        assertThat(db.strings("SELECT DISTINCT source FROM events")).containsExactly("plant/line-1");
        assertThat(db.strings("SELECT DISTINCT type FROM events")).containsExactly("reading");
        awaitCounter(http, "mqtt_acknowledged", MESSAGES + malformed.size());

        JsonNode stored = http.get("/events/" + MqttPublisher.id("r", 4321)).json();
        assertThat(stored.get("source").asText()).isEqualTo("plant/line-1");
        assertThat(stored.get("type").asText()).isEqualTo("reading");
        assertThat(stored.get("data").get("mqtt_topic").asText()).isEqualTo(TOPIC);
        assertThat(stored.get("data").get("seq").asInt()).isEqualTo(4321);
        assertThat(stored.get("data").get("id").asText()).as("the payload is kept whole").isEqualTo("r-4321");

        Eventually.await(STORE_TIMEOUT, "the malformed messages in the dead letter",
                () -> db.count("SELECT COUNT(*) FROM events_dead_letter"), n -> n == malformed.size());
        List<String> reasons = db.strings("SELECT error FROM events_dead_letter ORDER BY seq");
        assertThat(reasons).allSatisfy(r -> assertThat(r).startsWith("MQTT message on topic 'plant/line-9/reading': "));
        assertThat(reasons.get(0)).contains("not valid JSON");
        assertThat(reasons.get(1)).contains("JSON object");
        List<String> kept = db.strings("SELECT event FROM events_dead_letter ORDER BY seq");
        assertThat(kept).allSatisfy(e -> assertThat(e).contains("\"mqtt_topic\":\"plant/line-9/reading\""));
        assertThat(kept.get(0)).contains("\"payload\":\"not json\"").contains("\"payload_encoding\":\"utf-8\"");
        assertThat(kept.get(2)).as("bytes that are not UTF-8 are kept in base64")
                .contains("\"payload\":\"/wD+\"").contains("\"payload_encoding\":\"base64\"");

        JsonNode m = metrics(http);
        assertThat(m.get("mqtt_dead_lettered").asLong()).isEqualTo(malformed.size());
        assertThat(m.get("mqtt_received").asLong()).isGreaterThanOrEqualTo(MESSAGES + malformed.size());
        assertThat(http.get("/health").json().get("mqtt").asText()).isEqualTo("UP");
    }

    /**
     * kill -9 of the service in the middle of the stream, more messages published while it is down, and a restart
     * with the same client id and data directory: every message the broker took is stored exactly once. What was
     * acknowledged before the kill comes back from the journal, what was delivered and not yet acknowledged is
     * redelivered by the broker, and what arrived meanwhile was kept in the persistent session.
     */
    @Test
    void kill_minus_9_mid_stream_and_a_restart_store_every_message_exactly_once() throws Exception {
        JarProcess first = startService();
        HttpTestClient http = new HttpTestClient(first.port());
        List<String> readings = MqttPublisher.readings("k", MESSAGES);
        long storedAtKill;
        long acknowledgedBeforeKill;
        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-2")) {
            CompletableFuture<Void> firstHalf = publishInBackground(publisher, readings.subList(0, MESSAGES / 2));
            Eventually.await(STORE_TIMEOUT, "some readings are stored before the kill",
                    () -> db.countEvents() >= 1_000);
            acknowledgedBeforeKill = metrics(http).get("mqtt_acknowledged").asLong();
            first.kill();
            storedAtKill = db.countEvents();
            firstHalf.get(2, TimeUnit.MINUTES);
            // Published while no subscriber is connected: the broker keeps them for the persistent session.
            publisher.publishAll(TOPIC, readings.subList(MESSAGES / 2, MESSAGES));
            assertThat(publisher.acknowledged()).isEqualTo(MESSAGES);
        }
        assertThat(storedAtKill).as("the kill landed mid-stream, before the first half was stored")
                .isLessThan(MESSAGES / 2);

        JarProcess second = startService();
        db.awaitStored(ids("k", MESSAGES), STORE_TIMEOUT);
        assertThat(db.countEvents()).as("each reading once").isEqualTo(MESSAGES);
        HttpTestClient after = new HttpTestClient(second.port());
        JsonNode m = metrics(after);
        System.out.printf("MQTT kill -9: %d acknowledged before the kill, %d stored at the kill; after the restart "
                        + "%d replayed from the journal, %d received (%d redelivered), %d acknowledged%n",
                acknowledgedBeforeKill, storedAtKill, m.get("replayed").asLong(), m.get("mqtt_received").asLong(),
                m.get("mqtt_redelivered").asLong(), m.get("mqtt_acknowledged").asLong());
        assertThat(m.get("replayed").asLong() + m.get("mqtt_received").asLong())
                .as("what was not stored at the kill came back from the journal or from the broker")
                .isGreaterThanOrEqualTo(MESSAGES - storedAtKill);
    }

    /**
     * The database goes away while devices publish: the service takes messages until its queue is full, then
     * stops acknowledging, so the broker holds the rest (the publisher still gets every PUBACK from the broker);
     * when the database comes back, every message is stored exactly once.
     */
    @Test
    void a_database_outage_loses_nothing_and_the_broker_holds_what_the_service_did_not_take() throws Exception {
        JarProcess service = startService();
        HttpTestClient http = new HttpTestClient(service.port());
        proxy.cut();
        Eventually.await(NOTICE, "/health says the database is DOWN", () -> http.get("/health").json(),
                h -> "DOWN".equals(h.path("database").asText()));

        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-3")) {
            publisher.publishAll(TOPIC, MqttPublisher.readings("o", MESSAGES));
            assertThat(publisher.acknowledged()).as("the broker took every message").isEqualTo(MESSAGES);
        }
        Eventually.await(NOTICE, "the service's queue fills up and it holds messages back", () -> metrics(http),
                m -> m.get("queue").get("depth").asInt() > QUEUE_CAPACITY - BATCH_SIZE
                        && m.get("mqtt_received").asLong() > m.get("mqtt_acknowledged").asLong());
        JsonNode during = metrics(http);
        assertThat(during.get("mqtt_acknowledged").asLong())
                .as("acknowledged no more than the queue and the workers' batches hold")
                .isLessThanOrEqualTo(QUEUE_CAPACITY + 2L * BATCH_SIZE);
        assertThat(db.countEvents()).as("nothing reached the database").isZero();
        assertThat(http.get("/health").json().get("mqtt").asText()).as("the subscription stays up").isEqualTo("UP");
        assertThat(service.isAlive()).isTrue();

        proxy.restore();
        db.awaitStored(ids("o", MESSAGES), STORE_TIMEOUT);
        assertThat(db.countEvents()).as("each reading once").isEqualTo(MESSAGES);
        awaitCounter(http, "mqtt_acknowledged", MESSAGES);
        System.out.printf("MQTT database outage: %d of %d acknowledged while the database was away; the broker "
                + "held the rest%n", during.get("mqtt_acknowledged").asLong(), MESSAGES);
    }

    /**
     * A --batch-size above what the queue can take at once (--queue-capacity and --max-batch-events of 50, batches
     * of 500): the source hands the ingest batches the queue can always take whole, so every message is stored.
     */
    @Test
    void a_batch_size_above_the_queues_capacity_still_takes_every_message() throws Exception {
        JarProcess service = startService(50, 500, List.of("--max-batch-events", "50"));
        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-4")) {
            publisher.publishAll(TOPIC, MqttPublisher.readings("q", 2_000));
        }
        db.awaitStored(ids("q", 2_000), STORE_TIMEOUT);
        assertThat(db.countEvents()).isEqualTo(2_000);
        awaitCounter(new HttpTestClient(service.port()), "mqtt_acknowledged", 2_000);
    }

    // ---- helpers

    private JarProcess startService() throws Exception {
        return startService(QUEUE_CAPACITY, BATCH_SIZE, List.of());
    }

    private JarProcess startService(int queueCapacity, int batchSize, List<String> more) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--db-url", databaseUrlVia(proxy.port()),
                "--data-dir", dir.resolve("data").toString(),
                "--workers", "2",
                "--queue-capacity", Integer.toString(queueCapacity),
                "--batch-size", Integer.toString(batchSize),
                "--shutdown-timeout", "5s",
                "--mqtt-url", broker.url(),
                "--mqtt-topics", FILTER,
                "--mqtt-client-id", CLIENT_ID,
                "--mqtt-id-field", "id"));
        args.addAll(more);
        JarProcess service = JarProcess.start(logDir.resolve("service-" + services.size() + ".log"),
                List.of("-Xmx256m"), args);
        services.add(service);
        service.awaitHealthy(START_TIMEOUT);
        HttpTestClient http = new HttpTestClient(service.port());
        Eventually.await(NOTICE, "the MQTT subscription is up", () -> http.get("/health").json(),
                h -> "UP".equals(h.path("mqtt").asText()));
        return service;
    }

    private CompletableFuture<Void> publishInBackground(MqttPublisher publisher, List<String> payloads) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().name("mqtt-publisher").start(() -> {
            try {
                publisher.publishAll(TOPIC, payloads);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    static Set<String> ids(String prefix, int n) {
        Set<String> ids = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(MqttPublisher.id(prefix, i));
        }
        return ids;
    }

    static JsonNode metrics(HttpTestClient http) throws IOException, InterruptedException {
        return http.get("/metrics").json();
    }

    static void awaitCounter(HttpTestClient http, String name, long n) throws InterruptedException {
        // At least: a message redelivered after a reconnect (a keep-alive missed on a loaded machine) is
        // acknowledged again.
        Eventually.await(NOTICE, name + " reaches " + n, () -> metrics(http).get(name).asLong(), v -> v >= n);
    }
}
