package io.eventpipeline.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.JarProcess;
import io.eventpipeline.NeedsTestDatabase;
import io.eventpipeline.TestDb;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Kafka cluster tests share: one real broker per test class ({@link KafkaBroker}), or three for a class
 * marked {@link ThreeBrokers} ({@link KafkaCluster}: every topic of three replicas), the MariaDB of
 * {@code PIPELINE_TEST_DB_URL} (skipped without it, failed in CI), and per test a fresh topic of
 * {@value #PARTITIONS} partitions, a fresh consumer group (its {@code group.id} in a {@code --kafka-config} file) and
 * empty tables. Nodes are the real jar in child processes ({@link JarProcess}, a 256 MiB heap each): ingest nodes
 * ({@code --role ingest}, no database) and writer nodes ({@code --role writer}). The broker's admin client reads the
 * group's committed offsets and the topic's log end offsets, for the lag, and moves committed offsets.
 *
 * <p>Nodes are killed when a test ends; when it fails, the tail of each node's log and of the brokers' is printed
 * (all of them stay under {@code target/kafka-it-logs/}, the brokers' once the class is done).
 */
@NeedsTestDatabase
abstract class KafkaClusterSupport {
    static final int PARTITIONS = 6;
    /** Start of a node: JVM, database pool and schema (writers), topic check. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** Until every acknowledged event is stored and every offset committed: generous for a busy 2-core machine. */
    static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);
    /** The service nodes' JVM: small heap, serial GC and C1 only, which suit short runs on two cores. */
    static final List<String> NODE_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError");
    private static final Duration ADMIN_CALL = Duration.ofSeconds(15);

    static TestDb db;
    /** The broker of a class with one, else null. */
    static KafkaBroker broker;
    /** The brokers of a class marked {@link ThreeBrokers}, else null. */
    static KafkaCluster cluster;

    @TempDir
    static Path brokerDir;

    String topic;
    String group;
    Path logDir;
    private Path kafkaConfig;
    private final List<Node> nodes = new ArrayList<>();

    @RegisterExtension
    final TestWatcher logsOnFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            for (Node n : nodes) {
                try {
                    String log = n.process().output();
                    System.err.println("---- node " + n.name() + " of " + context.getDisplayName()
                            + " (last 6000 chars; all of it in " + logDir + ")");
                    System.err.println(log.substring(Math.max(0, log.length() - 6000)));
                } catch (IOException e) {
                    System.err.println("cannot read the log of " + n.name() + ": " + e);
                }
            }
            if (broker != null) {
                System.err.println("---- broker " + broker.bootstrap() + " (the tail of " + broker.logFile() + ")");
                System.err.println(broker.logTail());
            }
            if (cluster != null) {
                System.err.println(cluster.logTails());
            }
        }
    };

    /** Marks a test class whose brokers are a {@link KafkaCluster} of three nodes rather than one broker. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @interface ThreeBrokers {
    }

    @BeforeAll
    static void startBroker(TestInfo test) throws Exception {
        db = TestDb.requireFromEnvironment("the Kafka cluster tests");
        if (test.getTestClass().orElseThrow().isAnnotationPresent(ThreeBrokers.class)) {
            long t0 = System.nanoTime();
            cluster = KafkaCluster.start(brokerDir.resolve("cluster"));
            System.out.println("cluster-measure: cluster_start_ms=" + (System.nanoTime() - t0) / 1_000_000
                    + " (three brokers, until every replica is in sync)");
        } else {
            broker = KafkaBroker.start(brokerDir.resolve("broker"));
        }
    }

    /** Stops the brokers and keeps their logs beside the nodes', as {@code broker[-node-<id>].log}. */
    @AfterAll
    static void stopBroker(TestInfo test) throws InterruptedException, IOException {
        Path logs = Files.createDirectories(Path.of("target", "kafka-it-logs",
                test.getTestClass().orElseThrow().getSimpleName()));
        if (broker != null) {
            broker.close();
            Files.copy(broker.logFile(), logs.resolve("broker.log"), StandardCopyOption.REPLACE_EXISTING);
            broker = null;
        }
        if (cluster != null) {
            cluster.close();
            for (int id = 1; id <= KafkaCluster.SIZE; id++) {
                Files.copy(cluster.node(id).logFile(), logs.resolve("broker-node-" + id + ".log"),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            cluster = null;
        }
    }

    /** {@code bootstrap.servers} for this class's broker or brokers. */
    static String bootstrap() {
        return cluster != null ? cluster.bootstrap() : broker.bootstrap();
    }

    @BeforeEach
    void freshTopicGroupAndTables(TestInfo test) throws Exception {
        String method = test.getTestMethod().map(m -> m.getName()).orElse("test");
        logDir = Path.of("target", "kafka-it-logs", getClass().getSimpleName(),
                method.substring(0, Math.min(method.length(), 80)));
        Files.createDirectories(logDir);
        try (var old = Files.list(logDir)) {
            for (Path p : old.toList()) {
                Files.deleteIfExists(p);
            }
        }
        String suffix = Long.toString(System.currentTimeMillis(), 36);
        String shortName = method.substring(0, Math.min(method.length(), 40));
        topic = "t-" + shortName + "-" + suffix;
        group = "g-" + shortName + "-" + suffix;
        kafkaConfig = logDir.resolve("kafka.properties");
        Files.writeString(kafkaConfig, "group.id=" + group + "\n");
        if (cluster != null) {
            cluster.createTopic(topic, PARTITIONS);
        } else {
            broker.createTopic(topic, PARTITIONS);
        }
        db.reset();
    }

    @AfterEach
    void killNodes() throws InterruptedException {
        for (Node n : nodes) {
            n.process().close();
        }
    }

    /** A running node: its process and an HTTP client to it. */
    record Node(String name, JarProcess process, HttpTestClient http) {
        /** The node's /metrics as JSON. */
        JsonNode metrics() throws IOException, InterruptedException {
            HttpTestClient.Response r = http.get("/metrics");
            if (r.status() != 200) {
                throw new IOException(name + ": GET /metrics answered " + r.status() + ": " + r.body());
            }
            return r.json();
        }

        /** One counter of /metrics, such as {@code processed} or {@code duplicates}. */
        long metric(String key) throws IOException, InterruptedException {
            JsonNode value = metrics().get(key);
            if (value == null) {
                throw new AssertionError(name + ": /metrics has no " + key);
            }
            return value.asLong();
        }

        /** Events this writer has settled: new rows, duplicates and dead-lettered ones. */
        long settled() throws IOException, InterruptedException {
            JsonNode m = metrics();
            return m.get("processed").asLong() + m.get("duplicates").asLong() + m.get("failed").asLong();
        }

        @Override
        public String toString() {
            return name + "@" + process.port();
        }
    }

    /** Starts an ingest node ({@code --role ingest}, no database) on this test's topic; not yet awaited. */
    Node startIngest(String name, String... extra) throws IOException {
        List<String> args = new ArrayList<>(kafkaArgs("ingest"));
        args.addAll(List.of(extra));
        return start(name, args);
    }

    /**
     * Starts a writer node ({@code --role writer}) of this test's group with {@code consumers} group members; not
     * yet awaited.
     */
    Node startWriter(String name, int consumers, int batchSize) throws IOException {
        List<String> args = new ArrayList<>(kafkaArgs("writer"));
        args.addAll(List.of("--db-url", db.url(), "--workers", Integer.toString(consumers), "--batch-size",
                Integer.toString(batchSize), "--db-pool-size", Integer.toString(consumers + 1),
                "--shutdown-timeout", "20s"));
        return start(name, args);
    }

    private List<String> kafkaArgs(String role) {
        return List.of("--queue", "kafka", "--role", role, "--kafka-bootstrap", bootstrap(), "--kafka-topic",
                topic, "--kafka-config", kafkaConfig.toString());
    }

    private Node start(String name, List<String> args) throws IOException {
        JarProcess p = JarProcess.start(logDir.resolve(name + ".log"), NODE_JVM, args);
        Node n = new Node(name, p, new HttpTestClient(p.port()));
        nodes.add(n);
        return n;
    }

    /** Waits until every node answers GET /health with 200 (fails with a node's log if it exits). */
    static void awaitHealthy(Node... started) throws Exception {
        for (Node n : started) {
            n.process().awaitHealthy(START_TIMEOUT);
        }
    }

    Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_CALL.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000));
    }

    static <T> T get(KafkaFuture<T> future) throws Exception {
        return future.get(ADMIN_CALL.toMillis(), TimeUnit.MILLISECONDS);
    }

    List<TopicPartition> partitions() {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    }

    /** The log end offset of each partition of the topic: the offset the next record will get. */
    Map<TopicPartition, Long> logEndOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = partitions().stream()
                .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
        return get(admin.listOffsets(latest).all()).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** The group's committed offset of each partition of the topic, 0 for one with none yet. */
    Map<TopicPartition, Long> committedOffsets(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = get(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<TopicPartition, Long> out = new HashMap<>();
        for (TopicPartition tp : partitions()) {
            OffsetAndMetadata o = committed.get(tp);
            out.put(tp, o == null ? 0L : o.offset());
        }
        return out;
    }

    /** Per partition, log end offset minus the group's committed offset: what the writers have yet to commit. */
    Map<Integer, Long> lag(Admin admin) throws Exception {
        Map<TopicPartition, Long> end = logEndOffsets(admin);
        Map<TopicPartition, Long> committed = committedOffsets(admin);
        Map<Integer, Long> lag = new TreeMap<>();
        for (TopicPartition tp : partitions()) {
            lag.put(tp.partition(), end.get(tp) - committed.get(tp));
        }
        return lag;
    }

    /** Waits until the group's committed offsets reach the log end offsets of every partition. */
    void awaitNoLag(Admin admin) throws InterruptedException {
        Eventually.await(SETTLE_TIMEOUT, "the group " + group + " has committed every partition to its log end "
                + "offset (lag per partition)", () -> lag(admin), lag -> lag.values().stream().allMatch(l -> l == 0));
    }

    /** The members of the group now (each consumer of each writer node is one). */
    int groupMembers(Admin admin) throws Exception {
        ConsumerGroupDescription d = get(admin.describeConsumerGroups(List.of(group)).all()).get(group);
        return d.members().size();
    }

    /** Waits until the group has exactly {@code members} members, each of them with partitions assigned. */
    void awaitGroupMembers(Admin admin, int members) throws InterruptedException {
        Eventually.await(SETTLE_TIMEOUT, "the group " + group + " has " + members + " members with partitions",
                () -> get(admin.describeConsumerGroups(List.of(group)).all()).get(group).members().stream()
                        .map(m -> m.assignment().topicPartitions().size()).sorted(Comparator.reverseOrder())
                        .toList(),
                sizes -> sizes.size() == members && sizes.stream().allMatch(s -> s > 0)
                        && sizes.stream().mapToInt(Integer::intValue).sum() == PARTITIONS);
    }

    /** Sum of one counter over some nodes. */
    static long sum(List<Node> of, String key) throws IOException, InterruptedException {
        long total = 0;
        for (Node n : of) {
            total += n.metric(key);
        }
        return total;
    }

    /** Sum of {@link Node#settled()} over some nodes, or -1 while one of them does not answer. */
    static long settled(List<Node> writers) {
        long total = 0;
        try {
            for (Node n : writers) {
                total += n.settled();
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
        return total;
    }

    /** Ids that occur in more than one row of {@code table}'s {@code column}, with their counts. */
    static List<String> doubled(String table, String column) throws Exception {
        return db.strings("SELECT CONCAT(" + column + ", ' x', COUNT(*)) FROM " + table + " GROUP BY " + column
                + " HAVING COUNT(*) > 1");
    }

    static String ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos) + " ms";
    }
}
