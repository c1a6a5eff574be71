package io.eventpipeline.kafka;

import io.eventpipeline.Eventually;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

/**
 * Three real Kafka brokers for the tests, each in its own JVM ({@link KafkaBroker}'s process, {@code -Xmx512m}):
 * KRaft in combined mode, every node both broker and controller, with a static controller quorum of the three
 * ({@code controller.quorum.voters}). Three brokers in one JVM fail in the raft layer; processes also let a test
 * {@code kill -9} one node, or two, and start them again on the same ports and log directories.
 *
 * <p>Every topic has {@value #REPLICATION_FACTOR} replicas by default, {@code __consumer_offsets} included, and an
 * {@code acks=all} write needs {@value #MIN_INSYNC_REPLICAS} in-sync replicas: one node may be down and writes go
 * on; with two down they stop. The broker session ({@code broker.session.timeout.ms}, how long the controller waits
 * before it fences a broker that stopped heartbeating and moves its partition leaderships away) is Kafka's default,
 * {@value #BROKER_SESSION_TIMEOUT_MS} ms, so that what a test measures of a broker's death is what a cluster with
 * default settings shows; the other settings are {@link KafkaBroker#settings}' (consumer groups notice a dead
 * member after {@value KafkaBroker#CONSUMER_GROUP_SESSION_TIMEOUT_MS} ms).
 *
 * <p>{@link #start} formats three fresh log directories with one cluster id, starts the three processes at once
 * and waits until the cluster is {@linkplain #awaitReady ready}; {@link #restart} does the same for nodes that were
 * killed. Each node's output goes to {@code node-<id>/broker.log}.
 */
public final class KafkaCluster implements AutoCloseable {
    /** The number of nodes, each broker and controller. */
    public static final int SIZE = 3;
    /** Replicas of every topic, the internal ones included. */
    public static final short REPLICATION_FACTOR = 3;
    /** In-sync replicas an {@code acks=all} write needs. */
    public static final int MIN_INSYNC_REPLICAS = 2;
    /** How long the controller waits for a silent broker before fencing it: Kafka's default. */
    public static final int BROKER_SESSION_TIMEOUT_MS = 9000;
    /** How long a start or a restart may take until the cluster is ready. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final List<KafkaBroker> nodes;

    private KafkaCluster(List<KafkaBroker> nodes) {
        this.nodes = nodes;
    }

    /**
     * Starts three nodes in fresh log directories under {@code dir} and waits until the cluster is ready.
     *
     * @throws IllegalStateException when a node exits or the cluster is not ready within {@link #START_TIMEOUT};
     *     the message has the tail of every node's log, and no process is left running
     */
    public static KafkaCluster start(Path dir) throws IOException, InterruptedException {
        Set<Integer> taken = new HashSet<>();
        int[] ports = new int[SIZE];
        int[] controllerPorts = new int[SIZE];
        for (int i = 0; i < SIZE; i++) {
            ports[i] = KafkaBroker.freePort(taken);
            taken.add(ports[i]);
            controllerPorts[i] = KafkaBroker.freePort(taken);
            taken.add(controllerPorts[i]);
        }
        List<String> voters = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
        }
        Map<String, String> overrides = new LinkedHashMap<>(KafkaBroker.replication(REPLICATION_FACTOR,
                MIN_INSYNC_REPLICAS));
        overrides.put("broker.session.timeout.ms", Integer.toString(BROKER_SESSION_TIMEOUT_MS));
        overrides.put("broker.heartbeat.interval.ms", "2000"); // Kafka's default too
        List<KafkaBroker> nodes = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            nodes.add(KafkaBroker.prepare(dir.resolve("node-" + (i + 1)), i + 1, ports[i], controllerPorts[i],
                    String.join(",", voters), overrides));
        }
        KafkaCluster cluster = new KafkaCluster(nodes);
        String clusterId = Uuid.randomUuid().toString();
        cluster.launch(nodes, clusterId);
        return cluster;
    }

    /** Starts the given nodes' processes together, then waits until the cluster is ready; kills all on failure. */
    private void launch(List<KafkaBroker> which, String formatWithClusterId) throws IOException,
            InterruptedException {
        for (KafkaBroker node : which) {
            if (node.isAlive()) {
                throw new IllegalStateException("node " + node.nodeId() + " is still running: kill9() it first");
            }
        }
        try {
            for (KafkaBroker node : which) {
                node.spawn(formatWithClusterId);
            }
            awaitReady(which);
        } catch (AssertionError | RuntimeException | IOException e) {
            String tails = logTails();
            for (KafkaBroker node : nodes) {
                node.close();
            }
            throw new IllegalStateException("the Kafka cluster " + bootstrap() + " did not get ready: "
                    + e.getMessage() + "\n" + tails, e);
        }
    }

    /**
     * Waits until the {@code started} nodes accept connections (each does only once the controller has unfenced it)
     * and then until the cluster is ready: its metadata names all three brokers, a topic of three replicas exists
     * ({@value KafkaBroker#READY_PROBE_TOPIC}), a record to it is acknowledged with {@code acks=all}, the group
     * coordinator answers an offset fetch, and every partition of every topic, internal ones included, has all its
     * replicas in sync again (so that the next node to fail leaves two in-sync replicas behind).
     */
    private void awaitReady(List<KafkaBroker> started) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        for (KafkaBroker node : started) {
            node.awaitListening(remaining(deadline));
        }
        Set<Integer> all = nodes.stream().map(KafkaBroker::nodeId).collect(Collectors.toSet());
        try (Admin admin = KafkaBroker.admin(bootstrap())) {
            Eventually.await(remaining(deadline), "the cluster names its " + SIZE + " brokers, creates a topic of "
                    + REPLICATION_FACTOR + " replicas, acknowledges a record, fetches a group's offsets and has every "
                    + "replica in sync", () -> {
                        nodes.forEach(KafkaBroker::checkAlive);
                        return KafkaBroker.probe(admin, bootstrap(), all, REPLICATION_FACTOR)
                                && outOfSync(admin).isEmpty();
                    });
        }
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
    }

    /** The partitions, of every topic, whose in-sync replicas are fewer than their replicas, as topic-partition. */
    private static List<String> outOfSync(Admin admin) throws ExecutionException, InterruptedException {
        Set<String> topics = KafkaBroker.get(admin.listTopics(new ListTopicsOptions().listInternal(true)).names());
        List<String> out = new ArrayList<>();
        for (TopicDescription t : KafkaBroker.get(admin.describeTopics(topics).allTopicNames()).values()) {
            for (TopicPartitionInfo p : t.partitions()) {
                if (p.isr().size() < p.replicas().size()) {
                    out.add(t.name() + "-" + p.partition());
                }
            }
        }
        return out;
    }

    /** Every node's client address, for {@code bootstrap.servers}: the same across restarts. */
    public String bootstrap() {
        return nodes.stream().map(KafkaBroker::bootstrap).collect(Collectors.joining(","));
    }

    /** Node {@code id}, 1 to {@value #SIZE}. */
    public KafkaBroker node(int id) {
        return nodes.get(id - 1);
    }

    /** The ids of the nodes whose process is running. */
    public List<Integer> running() {
        return nodes.stream().filter(KafkaBroker::isAlive).map(KafkaBroker::nodeId).toList();
    }

    /** The node that is the active controller now (the leader of the controller quorum). */
    public int activeController() throws ExecutionException, InterruptedException {
        try (Admin admin = KafkaBroker.admin(bootstrap())) {
            return KafkaBroker.get(admin.describeMetadataQuorum().quorumInfo()).leaderId();
        }
    }

    /** The node that leads partition {@code partition} of {@code topic} now, e.g. the group coordinator's. */
    public int leaderOf(String topic, int partition) throws ExecutionException, InterruptedException {
        try (Admin admin = KafkaBroker.admin(bootstrap())) {
            return KafkaBroker.get(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic).partitions()
                    .get(partition).leader().id();
        }
    }

    /**
     * Creates a topic of {@value #REPLICATION_FACTOR} replicas with {@code min.insync.replicas} =
     * {@value #MIN_INSYNC_REPLICAS}, and waits until every partition has a leader and all its replicas in sync.
     *
     * @throws ExecutionException with the broker's error, such as {@code TopicExistsException}
     */
    public void createTopic(String name, int partitions) throws ExecutionException, InterruptedException {
        try (Admin admin = KafkaBroker.admin(bootstrap())) {
            KafkaBroker.get(admin.createTopics(List.of(new NewTopic(name, partitions, REPLICATION_FACTOR)
                    .configs(Map.of("min.insync.replicas", Integer.toString(MIN_INSYNC_REPLICAS))))).all());
            Eventually.await(START_TIMEOUT, "every partition of " + name + " has a leader and " + REPLICATION_FACTOR
                    + " in-sync replicas", () -> {
                        TopicDescription topic = KafkaBroker.get(admin.describeTopics(List.of(name))
                                .allTopicNames()).get(name);
                        return topic.partitions().size() == partitions && topic.partitions().stream()
                                .allMatch(p -> p.leader() != null && p.isr().size() == REPLICATION_FACTOR);
                    });
        }
    }

    /** {@code kill -9} of the given nodes, one after the other without a pause (see {@link KafkaBroker#kill9}). */
    public void kill9(int... ids) throws InterruptedException {
        for (int id : ids) {
            node(id).kill9();
        }
    }

    /**
     * Starts the given nodes again, together, on their ports and log directories, and waits until the cluster is
     * ready (every replica in sync again).
     *
     * @throws IllegalStateException when one of them is running, or the cluster does not get ready (then every node
     *     is stopped)
     */
    public void restart(int... ids) throws IOException, InterruptedException {
        List<KafkaBroker> which = new ArrayList<>();
        for (int id : ids) {
            which.add(node(id));
        }
        launch(which, null);
    }

    /** Starts every node that is not running, and waits until the cluster is ready with all three. */
    public void restoreAll() throws IOException, InterruptedException {
        List<KafkaBroker> dead = nodes.stream().filter(n -> !n.isAlive()).toList();
        launch(dead, null);
    }

    /** The tail of each node's log of its current (or last) run. */
    public String logTails() {
        StringBuilder b = new StringBuilder();
        for (KafkaBroker node : nodes) {
            b.append("---- node ").append(node.nodeId()).append(" (").append(node.bootstrap()).append(", the tail of ")
                    .append(node.logFile()).append(")\n").append(node.logTail()).append('\n');
        }
        return b.toString();
    }

    /** Stops the three nodes together (a clean shutdown each, else SIGKILL after {@link KafkaBroker#STOP_TIMEOUT}). */
    @Override
    public void close() throws InterruptedException {
        List<Thread> stops = new ArrayList<>();
        for (KafkaBroker node : nodes) {
            stops.add(Thread.ofVirtual().start(() -> {
                try {
                    node.close();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        for (Thread t : stops) {
            t.join();
        }
    }

    @Override
    public String toString() {
        return "KafkaCluster[" + bootstrap() + "]";
    }
}
