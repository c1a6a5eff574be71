package io.eventpipeline.kafka;

import io.eventpipeline.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * One real Kafka broker for the tests: KRaft, a node that is both broker and controller, in its own JVM
 * ({@code java -Xmx512m ... KafkaBrokerMain server.properties}, which runs {@code kafka.Kafka} from the
 * {@code kafka_2.13} jars of the test class path), so that a test can {@code kill -9} it and start it again on the
 * same ports and the same log directory.
 *
 * <p>{@link #start} picks two free ports (clients, controller), formats a fresh log directory and waits until the
 * broker is ready: its metadata names this node, a topic can be created, a record is acknowledged with
 * {@code acks=all}, and the group coordinator answers an offset fetch. Clients cannot connect before the broker has
 * reached its RUNNING state (it opens its client listener only once the controller has unfenced it), and the
 * produce and the offset fetch prove that partitions have a leader and that {@code __consumer_offsets} is loaded.
 * Readiness leaves one topic behind, {@value #READY_PROBE_TOPIC}, with a record from every start (the offset fetch
 * is for a group of that name, which it does not create).
 *
 * <p>The broker's output goes to {@code broker.log} in the given directory, every start appending to it; a start
 * that fails throws with the tail of that log. No broker outlives the test JVM: a shutdown hook kills every broker
 * still running, and the broker exits by itself when the test JVM dies without running its hooks (see
 * {@link KafkaBrokerMain}).
 *
 * <p>{@link #start} starts a broker alone, its own controller quorum; {@link KafkaCluster} starts three nodes of one
 * quorum with {@link #prepare} and {@link #spawn} and waits for them together.
 *
 * <p>The broker settings (see {@link #settings}) of a broker alone suit one node under test: every internal topic
 * has one replica and one partition, and consumer groups (KIP-848, {@code group.protocol=consumer}) notice a dead
 * member after {@value #CONSUMER_GROUP_SESSION_TIMEOUT_MS} ms.
 */
public final class KafkaBroker implements AutoCloseable {
    /** The topic through which readiness is proved (and the group whose offsets it fetches). */
    public static final String READY_PROBE_TOPIC = "ready-probe";
    /**
     * A consumer-group member's session in ms (KIP-848: the broker sets it): a member that stops heartbeating, such
     * as a killed process, loses its partitions after this long.
     */
    public static final int CONSUMER_GROUP_SESSION_TIMEOUT_MS = 3000;
    /** How long a start or a restart may take until the broker is ready. */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    /** How long {@link #stop} waits for a clean exit before it kills the process. */
    public static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private static final int SINGLE_NODE_ID = 1;
    private static final String LOG_FILE = "broker.log";
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static Path workDir;
    /** Every broker process not yet stopped or killed, for the shutdown hook. */
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "kafka-broker-reaper"));
    }

    private final Path dir;
    private final int nodeId;
    /** {@code controller.quorum.voters}: this node alone, or every node of a {@link KafkaCluster}. */
    private final String voters;
    private final Path logDir;
    private final Path properties;
    private final Path logFile;
    private final int port;
    private final int controllerPort;
    private Process process;
    /** Where this run's output starts in the log file, for the tail of a failed start. */
    private long logStart;
    /** The class-data archive this run writes when it exits, and where it goes if that exit is clean. */
    private Path archivePart;
    private Path archive;

    private KafkaBroker(Path dir, int nodeId, int port, int controllerPort, String voters) {
        this.dir = dir;
        this.nodeId = nodeId;
        this.voters = voters;
        this.logDir = dir.resolve("kafka-logs");
        this.properties = dir.resolve("server.properties");
        this.logFile = dir.resolve(LOG_FILE);
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts a broker with the test {@link #settings}; see {@link #start(Path, Map)}. */
    public static KafkaBroker start(Path dir) throws IOException, InterruptedException {
        return start(dir, Map.of());
    }

    /**
     * Starts a broker in a fresh log directory {@code dir/kafka-logs}, with the test {@link #settings} and then
     * {@code overrides} (broker properties, as in {@code server.properties}), and waits until it is ready.
     *
     * @param dir where the log directory, {@code server.properties} and {@code broker.log} go; created if missing
     * @throws IOException when {@code dir/kafka-logs} already exists, or the files cannot be written
     * @throws IllegalStateException when the broker exits or is not ready within {@link #START_TIMEOUT}; the message
     *     ends with the tail of the broker's log, and no process is left running
     */
    public static KafkaBroker start(Path dir, Map<String, String> overrides) throws IOException, InterruptedException {
        int port = freePort(Set.of());
        int controllerPort = freePort(Set.of(port));
        Map<String, String> settings = new LinkedHashMap<>(singleNodeReplication());
        settings.putAll(overrides);
        KafkaBroker broker = prepare(dir, SINGLE_NODE_ID, port, controllerPort,
                SINGLE_NODE_ID + "@127.0.0.1:" + controllerPort, settings);
        broker.launch(Uuid.randomUuid().toString());
        return broker;
    }

    /**
     * A broker not yet started (for {@link KafkaCluster}): creates {@code dir} and a fresh log directory in it, and
     * writes {@code server.properties}, the test {@link #settings} of node {@code nodeId} with the controller quorum
     * {@code voters} and then {@code overrides}.
     *
     * @throws IOException when {@code dir/kafka-logs} already exists, or the files cannot be written
     */
    static KafkaBroker prepare(Path dir, int nodeId, int port, int controllerPort, String voters,
            Map<String, String> overrides) throws IOException {
        Files.createDirectories(dir);
        KafkaBroker broker = new KafkaBroker(dir, nodeId, port, controllerPort, voters);
        Files.createDirectory(broker.logDir); // fails if not fresh
        Map<String, String> settings = broker.settings();
        settings.putAll(overrides);
        Files.writeString(broker.properties, settings.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("\n", "", "\n")));
        return broker;
    }

    /**
     * The broker properties before any override: a combined broker and controller on 127.0.0.1, with one partition
     * for every internal topic (their replication is the caller's: {@link #singleNodeReplication} for a broker alone,
     * {@link KafkaCluster}'s for three); short consumer-group timings (KIP-848: a dead member is gone after
     * 3 s, members heartbeat every 0.5 s; the group may ask for 1 s to 60 s sessions and heartbeats from 0.1 s); no
     * first-rebalance delay for classic groups, which may ask for sessions from 1 s; a broker session of 2 s, which is
     * how long a restart after {@code kill -9} waits for the previous incarnation to be fenced; no topic created
     * by a client's metadata request (tests create theirs); few threads for a 2-core machine.
     */
    Map<String, String> settings() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("offsets.topic.num.partitions", "1"); // 50 by default: created and loaded at every first group use
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        // Consumer groups (KIP-848). GroupCoordinatorConfig: each at least 1 ms, min <= value <= max, and the
        // heartbeat interval below the session timeout.
        p.put("group.consumer.session.timeout.ms", Integer.toString(CONSUMER_GROUP_SESSION_TIMEOUT_MS));
        p.put("group.consumer.min.session.timeout.ms", "1000");
        p.put("group.consumer.max.session.timeout.ms", "60000");
        p.put("group.consumer.heartbeat.interval.ms", "500");
        p.put("group.consumer.min.heartbeat.interval.ms", "100");
        p.put("group.consumer.max.heartbeat.interval.ms", "15000");
        // Classic groups: the first rebalance at once, and the client's session.timeout.ms may be as short as 1 s.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", "1000");
        // After kill -9 the controller keeps the dead incarnation registered until this session expires, and refuses
        // the new one (DUPLICATE_BROKER_REGISTRATION) until then: 9 s by default.
        p.put("broker.session.timeout.ms", "2000");
        p.put("broker.heartbeat.interval.ms", "200");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        p.put("group.coordinator.threads", "1");
        return p;
    }

    /**
     * The replication settings of a cluster of {@code replicas} nodes: every topic, internal or not, has that many
     * replicas by default, and an {@code acks=all} write needs {@code minInsync} of them.
     */
    static Map<String, String> replication(int replicas, int minInsync) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("default.replication.factor", Integer.toString(replicas));
        p.put("min.insync.replicas", Integer.toString(minInsync));
        p.put("offsets.topic.replication.factor", Integer.toString(replicas));
        p.put("transaction.state.log.replication.factor", Integer.toString(replicas));
        p.put("transaction.state.log.min.isr", Integer.toString(minInsync));
        p.put("share.coordinator.state.topic.replication.factor", Integer.toString(replicas));
        p.put("share.coordinator.state.topic.min.isr", Integer.toString(minInsync));
        return p;
    }

    /** One node: every topic, internal or not, can only have one replica. */
    private static Map<String, String> singleNodeReplication() {
        return replication(1, 1);
    }

    /** The address for {@code bootstrap.servers}: {@code 127.0.0.1:<port>}, the same across restarts. */
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The node's id ({@code node.id}), 1 for a broker alone. */
    public int nodeId() {
        return nodeId;
    }

    /** The broker process's id, for measurements; it changes at every restart. */
    public long pid() {
        return process.pid();
    }

    /** Whether the broker process is running (false before its first start). */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The broker's output, every start appended. */
    public Path logFile() {
        return logFile;
    }

    /**
     * Creates a topic with one replica per partition and waits until the broker's metadata has a leader for every
     * partition.
     *
     * @throws ExecutionException with the broker's error, such as {@code TopicExistsException}
     */
    public void createTopic(String name, int partitions) throws ExecutionException, InterruptedException {
        try (Admin admin = admin(bootstrap())) {
            get(admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all());
            Eventually.await(CALL_TIMEOUT, "every partition of " + name + " has a leader", () -> {
                TopicDescription topic = get(admin.describeTopics(List.of(name)).allTopicNames()).get(name);
                return topic.partitions().size() == partitions
                        && topic.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null);
            });
        }
    }

    /**
     * SIGKILL: the broker gets no chance to flush or to shut down, as in a crash of its host process. Records it
     * acknowledged are in the operating system's page cache and survive this (not a power cut).
     */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("broker pid " + process.pid() + " still runs 30 s after SIGKILL");
        }
        RUNNING.remove(process);
        settleArchive(false);
    }

    /**
     * SIGTERM, and waits up to {@link #STOP_TIMEOUT} for the broker's controlled shutdown, then kills it.
     *
     * @return whether it stopped by itself in time
     */
    public boolean stop() throws InterruptedException {
        process.destroy();
        boolean clean = process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!clean) {
            kill9();
        }
        RUNNING.remove(process);
        settleArchive(clean);
        return clean;
    }

    /**
     * Keeps the class-data archive that this run wrote at a clean exit, which has every class a running broker
     * loaded; a broker that failed to start or was killed leaves none worth keeping.
     */
    private void settleArchive(boolean keep) {
        if (archivePart == null) {
            return;
        }
        try {
            if (keep && Files.isRegularFile(archivePart) && Files.size(archivePart) > 0) {
                Files.move(archivePart, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.deleteIfExists(archivePart);
            }
        } catch (IOException e) {
            System.err.println("the broker's class-data archive " + archivePart + " was not kept: " + e);
        }
        archivePart = null;
    }

    /**
     * Starts the broker again after {@link #kill9} or {@link #stop}: the same ports, the same log directory (with
     * whatever recovery the broker does there), and waits until it is ready, as {@link #start} does.
     *
     * @throws IllegalStateException when it is still running, or does not get ready (with the tail of its log)
     */
    public void restart() throws IOException, InterruptedException {
        launch(null);
    }

    /** Stops the broker: cleanly if it does within {@link #STOP_TIMEOUT}, else by SIGKILL. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    /** The last lines of this run's output. */
    public String logTail() {
        try {
            byte[] all = Files.readAllBytes(logFile);
            int from = (int) Math.max(logStart, all.length - 12_000L);
            String tail = new String(all, from, all.length - from, StandardCharsets.UTF_8);
            return from > logStart ? "..." + tail.substring(Math.max(0, tail.indexOf('\n'))) : tail;
        } catch (IOException e) {
            return "(the broker log " + logFile + " cannot be read: " + e + ")";
        }
    }

    /** Starts the process (formatting the log directory first when a cluster id is given) and waits until ready. */
    private void launch(String formatWithClusterId) throws IOException, InterruptedException {
        spawn(formatWithClusterId);
        try {
            awaitReady();
        } catch (AssertionError | RuntimeException e) {
            kill9();
            throw new IllegalStateException("the Kafka broker on " + bootstrap() + " did not get ready: "
                    + e.getMessage() + "\n---- the tail of " + logFile + " ----\n" + logTail(), e);
        }
    }

    /**
     * Starts the process, formatting the log directory first when a cluster id is given, and returns without waiting
     * ({@link KafkaCluster} starts its nodes together, then waits for all of them).
     *
     * @throws IllegalStateException when the process is still running
     */
    void spawn(String formatWithClusterId) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the broker is still running: kill9() or stop() it first");
        }
        logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
        Files.writeString(logFile, "==== " + Instant.now() + " starting the broker on " + bootstrap()
                        + (formatWithClusterId != null ? ", formatting " + logDir : "") + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        String classPath = brokerClassPath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions(classPath));
        command.addAll(List.of("-cp", classPath, KafkaBrokerMain.class.getName(), properties.toString()));
        if (formatWithClusterId != null) {
            command.add(formatWithClusterId);
        }
        // Standard input stays a pipe that is never written to: its end of file tells the broker this JVM is gone.
        process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        RUNNING.add(process);
    }

    /**
     * Waits until the client port accepts connections (no client is made before that: each would log every failed
     * attempt), then until {@link #probe} passes.
     */
    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        awaitListening(START_TIMEOUT);
        try (Admin admin = admin(bootstrap())) {
            Eventually.await(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)), "the broker answers "
                    + "metadata, creates a topic, acknowledges a record and fetches a group's offsets",
                    () -> {
                        checkAlive();
                        return probe(admin, bootstrap(), Set.of(nodeId), (short) 1);
                    });
        }
    }

    /**
     * Waits until the client port accepts connections, which it does only once the controller has unfenced this
     * broker; fails at once with an {@link AssertionError} when the process exits.
     */
    void awaitListening(Duration timeout) throws InterruptedException {
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        Eventually.await(timeout, "the broker accepts connections on " + bootstrap(), () -> {
            checkAlive();
            try (Socket socket = new Socket()) {
                socket.connect(address, 500);
                return true;
            }
        });
    }

    /** Throws an {@link AssertionError} when the process has exited. */
    void checkAlive() {
        if (!process.isAlive()) {
            throw new AssertionError("the broker process exited with code " + process.exitValue() + " (node "
                    + nodeId + ")");
        }
    }

    /**
     * One readiness check through {@code admin} (and a producer on {@code bootstrap}): the metadata names every one of
     * {@code nodes} (only brokers the controller has unfenced are named), {@link #READY_PROBE_TOPIC} exists with
     * {@code replicas} replicas (created if missing), a record to it is acknowledged with {@code acks=all}, and the
     * group coordinator answers an offset fetch. An exception is a "not yet".
     */
    static boolean probe(Admin admin, String bootstrap, Set<Integer> nodes, short replicas) throws Exception {
        Set<Integer> named = get(admin.describeCluster().nodes()).stream().map(Node::id).collect(Collectors.toSet());
        if (!named.containsAll(nodes)) {
            return false;
        }
        try {
            get(admin.createTopics(List.of(new NewTopic(READY_PROBE_TOPIC, 1, replicas))).all());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(READY_PROBE_TOPIC, "ready")).get(CALL_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        get(admin.listConsumerGroupOffsets(READY_PROBE_TOPIC).partitionsToOffsetAndMetadata());
        return true;
    }

    /** An admin client whose calls each take at most 10 s. */
    static Admin admin(String bootstrap) {
        return Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CALL_TIMEOUT.toMillis()));
    }

    static <T> T get(org.apache.kafka.common.KafkaFuture<T> future) throws ExecutionException,
            InterruptedException {
        try {
            return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ExecutionException("no answer within " + CALL_TIMEOUT, e);
        }
    }

    /**
     * The broker JVM's options: a 512 MiB heap; C1 only, which starts the broker about 0.5 s sooner and spares the
     * two cores the C2 compilations; and, when the class path has jars only, a dynamic class-data-sharing archive
     * of the broker's classes (JDK 13+; about 1.5 s less a start): the first broker that stops cleanly writes it
     * under {@code target/kafka-broker/}, and every later start, in this test run or the next, reads it. Log lines
     * (slf4j-simple, from the test class path) have the time and the thread, and the configuration dumps (thousands
     * of lines a start) are left out.
     */
    private List<String> jvmOptions(String classPath) throws IOException {
        List<String> options = new ArrayList<>(List.of("-Xmx512m", "-XX:TieredStopAtLevel=1",
                "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn"));
        boolean jarsOnly = Arrays.stream(classPath.split(File.pathSeparator)).allMatch(e -> e.endsWith(".jar"));
        if (jarsOnly) {
            // One archive per JDK and class path: an archive that does not match them is of no use to the JVM.
            String key = Integer.toHexString((System.getProperty("java.home") + Runtime.version() + classPath)
                    .hashCode());
            archive = workDir().resolve("broker-" + key + ".jsa");
            if (Files.isRegularFile(archive)) {
                options.add("-XX:SharedArchiveFile=" + archive);
            } else {
                archivePart = workDir().resolve("broker-" + key + "-" + ProcessHandle.current().pid() + "-"
                        + System.nanoTime() + ".jsa.part");
                options.add("-XX:ArchiveClassesAtExit=" + archivePart);
                options.add("-Xlog:cds=error"); // not a warning for every class it cannot archive
            }
        }
        return options;
    }

    /**
     * The broker's class path: {@link KafkaBrokerMain} in a jar of its own, and the jars of the test class path
     * (which has the broker's, test scope) but not the project's own classes or jar, which the broker does not
     * need. Jars only, so that the JVM can archive the classes it loads (class-data sharing refuses directories).
     * Surefire and failsafe may start the test JVM with a manifest-only jar as {@code java.class.path}; they put the
     * real class path in {@code surefire.test.class.path}. When neither names the broker's jar, the broker gets the
     * whole test class path as it is, without the archive.
     */
    static String brokerClassPath() throws IOException {
        String testClassPath = System.getProperty("surefire.test.class.path");
        if (testClassPath == null || testClassPath.isBlank()) {
            testClassPath = System.getProperty("java.class.path");
        }
        Path build = Path.of("target").toAbsolutePath().normalize();
        List<String> entries = new ArrayList<>();
        entries.add(launcherJar().toString());
        for (String entry : testClassPath.split(File.pathSeparator)) {
            Path path = Path.of(entry).toAbsolutePath().normalize();
            if (entry.endsWith(".jar") && !path.startsWith(build) && Files.isRegularFile(path)) {
                entries.add(path.toString());
            }
        }
        if (entries.stream().noneMatch(e -> Path.of(e).getFileName().toString().startsWith("kafka_2.13-"))) {
            return testClassPath;
        }
        return String.join(File.pathSeparator, entries);
    }

    /**
     * {@code target/kafka-broker/launcher.jar}: {@link KafkaBrokerMain} (one class, no nested ones), rewritten only
     * when its content changes, since a new file invalidates the class-data archive.
     */
    private static Path launcherJar() throws IOException {
        String entry = KafkaBrokerMain.class.getName().replace('.', '/') + ".class";
        byte[] main;
        try (InputStream in = KafkaBrokerMain.class.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) {
                throw new IOException(entry + " is not on the class path");
            }
            main = in.readAllBytes();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes)) {
            ZipEntry zip = new ZipEntry(entry);
            zip.setTime(0); // the same bytes for the same class
            jar.putNextEntry(zip);
            jar.write(main);
            jar.closeEntry();
        }
        Path file = workDir().resolve("launcher.jar");
        if (!Files.exists(file) || !Arrays.equals(Files.readAllBytes(file), bytes.toByteArray())) {
            Path fresh = Files.createTempFile(workDir(), "launcher", ".jar");
            Files.write(fresh, bytes.toByteArray());
            Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        return file;
    }

    /**
     * {@code target/kafka-broker}, kept across test runs (a temporary directory when there is no {@code target}),
     * without the unfinished archives of test JVMs that are gone.
     */
    private static synchronized Path workDir() throws IOException {
        if (workDir == null) {
            Path target = Path.of("target");
            workDir = Files.isDirectory(target)
                    ? Files.createDirectories(target.toAbsolutePath().resolve("kafka-broker"))
                    : Files.createTempDirectory("kafka-broker");
            try (var parts = Files.newDirectoryStream(workDir, "broker-*-*-*.jsa.part")) {
                for (Path part : parts) {
                    long owner = Long.parseLong(part.getFileName().toString().split("-")[2]);
                    if (ProcessHandle.of(owner).isEmpty()) {
                        Files.deleteIfExists(part);
                    }
                }
            }
        }
        return workDir;
    }

    /**
     * A port that is free now, below the ephemeral range ({@code /proc/sys/net/ipv4/ip_local_port_range}), so that no
     * client connection takes it as its local port while the broker is down between a kill and its restart.
     */
    static int freePort(Set<Integer> taken) throws IOException {
        int ephemeralLow = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) {
            ephemeralLow = Integer.parseInt(Files.readString(range).trim().split("\\s+")[0]);
        }
        int low = 10000;
        Set<Integer> tried = new HashSet<>(taken);
        for (int i = 0; i < 200 && ephemeralLow - low > 1000; i++) {
            int candidate = ThreadLocalRandom.current().nextInt(low, ephemeralLow);
            if (tried.add(candidate) && bindable(candidate)) {
                return candidate;
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort(); // no room below the ephemeral range
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrap() + ", " + logDir + "]";
    }
}
