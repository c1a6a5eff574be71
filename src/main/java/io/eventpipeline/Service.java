package io.eventpipeline;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.api.Dependency;
import io.eventpipeline.api.HttpApi;
import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import io.eventpipeline.config.QueueMode;
import io.eventpipeline.config.Role;
import io.eventpipeline.config.Units;
import io.eventpipeline.errors.IoReason;
import io.eventpipeline.journal.Journal;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.kafka.BrokerProbe;
import io.eventpipeline.kafka.KafkaIngest;
import io.eventpipeline.kafka.KafkaSettings;
import io.eventpipeline.kafka.KafkaTopic;
import io.eventpipeline.kafka.KafkaWriters;
import io.eventpipeline.lifecycle.Budget;
import io.eventpipeline.lifecycle.Resources;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.mqtt.MqttSource;
import io.eventpipeline.pipeline.AcceptLog;
import io.eventpipeline.pipeline.Backoff;
import io.eventpipeline.pipeline.BatchWriter;
import io.eventpipeline.pipeline.Envelope;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.WorkerPool;
import io.eventpipeline.security.Access;
import io.eventpipeline.source.mqtt.MqttMapping;

import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.EventReader;
import io.eventpipeline.storage.HealthProbe;
import io.eventpipeline.storage.JdbcEventRepository;
import io.javalin.Javalin;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The running service: owns every component and their order of start and stop. Start checks what can refuse it
 * (keys, data directory, port, database), then opens the accept log, the workers, replays what an earlier run
 * left, and only then opens HTTP; each resource goes onto one {@link Resources} stack as it is opened. Stop closes
 * that stack in reverse within one budget, --shutdown-timeout: it refuses new events, drains the queue to the
 * database while HTTP still answers (503 to ingest and to /health/ready), keeps on disk whatever it could not store,
 * and only then closes HTTP, the probe, the journal, the pools and the lock. A start that fails closes the same
 * stack, holding just what it had opened.
 *
 * <p>With {@code --queue kafka} the journal and the queue give way to the topic, and {@code --role} decides the
 * rest: an ingest node opens a producer ({@code KafkaIngest}) and no database unless it has a {@code --db-url} for
 * queries; a writer opens its consumers ({@code KafkaWriters}); both open a broker probe for /health. The stop
 * closes the intake, then lets the writers finish or abandon their batches (the drain), then the rest as above.
 *
 * <p>With {@code --mqtt-url} an {@link MqttSource} hands the broker's messages to the same ingest as HTTP; it starts
 * last, once HTTP answers, and stops first, before the intake closes.
 */
public final class Service {
    private static final Logger log = LoggerFactory.getLogger(Service.class);
    /**
     * How long a writer's consumer may be out of its group (joining, or fenced and joining again) before the node is
     * not ready: longer than a rebalance takes, shorter than the broker's default consumer session (45 s).
     */
    private static final Duration GROUP_BOUND = Duration.ofSeconds(15);
    static final Duration START_DB_WAIT = Duration.ofSeconds(20);
    static final int READ_POOL_SIZE = 2;
    /**
     * What the steps after the drain (keeping the unstored events, closing HTTP, the probe, the journal, the pools)
     * have of the shutdown budget at least: the drain leaves them this much, or a quarter of a short budget.
     */
    static final Duration AFTER_DRAIN = Duration.ofSeconds(2);
    /**
     * The most a stop waits for the disk to confirm the unstored events it keeps (memory mode): the only copy of
     * them, so worth a wait past the budget, but not forever on a disk that hangs.
     */
    static final Duration KEEP_WAIT = Duration.ofSeconds(5);

    private final Config config;
    private final AcceptLogFactory acceptLogFactory;
    private final Metrics metrics = new Metrics();
    private final EventQueue queue;
    private final Resources resources = new Resources();

    private volatile Javalin http;
    private final AtomicBoolean stopped = new AtomicBoolean();
    /** When the stop began, for the ms= of its log lines. */
    private volatile long stopNanos;

    /** Opens the accept log in the given directory; failing, says why. */
    interface AcceptLogFactory {
        AcceptLog open(Path dir) throws IOException;
    }

    Service(Config config, AcceptLogFactory acceptLogFactory) {
        this.config = config;
        this.acceptLogFactory = acceptLogFactory;
        this.queue = new EventQueue(config.queueCapacity(), config.queueMaxBytes());
    }

    /**
     * Starts every component, or closes what it opened and says why.
     *
     * @throws StartupException with the one line to print when something refuses the start
     */
    public void start() throws StartupException {
        try {
            startComponents();
        } catch (StartupException | RuntimeException e) {
            // Quietly, but for warnings: a failed start prints its one line.
            stopped.set(true);
            resources.closeAll(Budget.of(config.shutdownTimeout()), Level.DEBUG);
            throw e;
        }
    }

    /**
     * A {@code --queue kafka} start on a data directory whose journal still holds events that a {@code --queue local}
     * run accepted: Kafka mode never reads the journal, so they would be left unstored. The operator moving an
     * instance to Kafka mode starts it once more in local mode (with its database) to store them first.
     *
     * @throws StartupException exit code 2, naming the directory, the count and what to do
     */
    private static void refuseALocalJournalLeftBehind(Path journal) throws StartupException {
        long left;
        try {
            left = Journal.recordsLeft(journal);
        } catch (IOException e) {
            throw new StartupException("cannot read the journal " + journal + " left by --queue local: "
                    + IoReason.of(e));
        }
        if (left > 0) {
            throw StartupException.badValue("--queue kafka: " + journal + " holds " + left + " event"
                    + (left == 1 ? "" : "s") + " accepted with --queue local and not stored yet (Kafka mode never "
                    + "reads the journal); start once more with --queue local and the database to store them, "
                    + "stop it (SIGTERM), then start with --queue kafka");
        }
    }

    /**
     * Every check that can refuse the start (keys, data directory, port, database, schema, Kafka topic) comes before
     * anything is logged or started, so that a refused start prints its one error line and nothing else.
     */
    private void startComponents() throws StartupException {
        long t0 = System.nanoTime();
        Access access = Access.decide(config);
        boolean kafka = config.queue() == QueueMode.KAFKA;
        if (kafka) {
            refuseALocalJournalLeftBehind(config.dataDir().resolve("journal"));
        }
        Role role = config.role();
        // A node has a database when it stores, or serves the query API from the --db-url it was given.
        boolean hasDatabase = role.writes() || config.dbUrl() != null;
        // The data directory holds the journal (--queue local) and the embedded database.
        if (!kafka || (hasDatabase && config.dbUrl() == null)) {
            openDataDir(config.dataDir());
        }
        ServerSocketChannel listener = bind(access.host());
        resources.push("listener", allowed -> listener.close()); // Jetty closes it too once started

        String url = config.effectiveDbUrl();
        Dialect dialect = Dialect.of(url);
        HikariDataSource pool = null;
        if (hasDatabase) {
            FirstConnection.await(config, START_DB_WAIT);
            pool = pushPool(Database.pool(config, "pipeline-db", role.writes() ? config.dbPoolSize() : 1,
                    Duration.ofSeconds(5)));
            try {
                Database.applySchema(pool, dialect);
            } catch (StartupException e) {
                throw new StartupException(e.getMessage() + " (" + FirstConnection.describe(config) + ")");
            }
        }
        KafkaSettings kafkaSettings = null;
        int partitions = 0;
        if (kafka) {
            kafkaSettings = KafkaSettings.of(config);
            partitions = KafkaTopic.ensure(kafkaSettings, config.kafkaTopic(), config.kafkaPartitions(),
                    START_DB_WAIT);
        }

        AcceptLog acceptLog = null;
        if (!kafka) {
            try {
                acceptLog = acceptLogFactory.open(config.dataDir().resolve("journal"));
            } catch (IOException e) {
                throw new StartupException(e.getMessage()); // already names the directory and the cause
            }
            resources.push("journal", acceptLog::close);
        }
        access.logDecision(config);
        if (hasDatabase) {
            log.info("event=database_ready db={} dialect={}", Config.redactUrl(url),
                    dialect.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (kafka) {
            log.info("event=kafka_ready bootstrap={} topic={} partitions={} role={} group={}",
                    kafkaSettings.bootstrap(), config.kafkaTopic(), partitions, role.name().toLowerCase(
                            java.util.Locale.ROOT), role.writes() ? kafkaSettings.group() : "-");
        }

        HealthProbe health = null;
        if (hasDatabase) {
            health = new HealthProbe(pushPool(Database.pool(config, "pipeline-health", 1, Duration.ofSeconds(2))),
                    Duration.ofSeconds(1));
            health.start();
            resources.push("health-probe", health::close);
        }

        WorkerPool workers = null;
        KafkaWriters kafkaWriters = null;
        Ingest ingest;
        String mode;
        if (!kafka) {
            BatchWriter writer = new BatchWriter(new JdbcEventRepository(pool, dialect), acceptLog, metrics,
                    config.maxRetries(), transientBackoff(), permanentBackoff());
            workers = new WorkerPool(queue, writer, config.workers(), config.batchSize(), config.batchLinger());
            workers.start();
            // After a drain this finds them stopped; after a failed start it stops them at once, as what they hold
            // was replayed from the journal and is still there.
            resources.push("workers", workers::stop);
            log.info("event=workers_started workers={} batch_size={} batch_linger={}", config.workers(),
                    config.batchSize(), Units.formatDuration(config.batchLinger()));
            replay(acceptLog);
            ingest = new LocalIngest(queue, acceptLog);
            mode = acceptLog.describe();
        } else {
            KafkaSettings settings = kafkaSettings;
            if (role.ingests()) {
                KafkaProducer<byte[], byte[]> producer = kafkaClient("producer",
                        () -> new KafkaProducer<>(settings.producer()));
                resources.push("kafka-producer", producer::close);
                ingest = new KafkaIngest(producer, config.kafkaTopic(), config.kafkaAckTimeout(),
                        config.queueMaxBytes(), metrics);
            } else {
                ingest = new Ingest.Closed();
            }
            if (role.writes()) {
                JdbcEventRepository repository = new JdbcEventRepository(pool, dialect);
                kafkaWriters = kafkaClient("consumer", () -> new KafkaWriters(settings, config.kafkaTopic(),
                        config.workers(), metrics, wait -> new BatchWriter(repository, (segment, n) -> { },
                                metrics, config.maxRetries(), transientBackoff(), permanentBackoff(), wait)));
                kafkaWriters.start();
                resources.push("kafka-writers", kafkaWriters::stop);
                log.info("event=kafka_writers_started consumers={} batch_size={}", config.workers(),
                        config.batchSize());
            }
            mode = "kafka";
        }

        // Reads get a small pool of their own: however many GET requests arrive, they queue for these
        // connections and never take one a worker is waiting for.
        EventReader reader = null;
        if (hasDatabase) {
            HikariDataSource readPool = pushPool(Database.pool(config, "pipeline-read", READ_POOL_SIZE,
                    Duration.ofSeconds(5)));
            reader = new EventReader(readPool, dialect);
        }

        List<Dependency> dependencies = new java.util.ArrayList<>();
        if (!kafka && config.durability() == Durability.JOURNAL_ASYNC) {
            // The one tier whose journal can refuse every event until a restart: after a failed force.
            dependencies.add(Dependency.journal(acceptLog));
        }
        if (kafka) {
            BrokerProbe broker = new BrokerProbe(kafkaSettings, config.kafkaTopic(), Duration.ofSeconds(1),
                    role.ingests());
            resources.push("broker-probe", allowed -> broker.close());
            broker.start();
            dependencies.add(new Dependency("broker", broker::up, broker::lastError, true));
            if (role.ingests()) {
                dependencies.add(new Dependency("replicas", () -> broker.replicasShort() == null,
                        broker::replicasShort, true));
            }
            if (kafkaWriters != null) {
                KafkaWriters writers = kafkaWriters;
                dependencies.add(new Dependency("writers", () -> writers.running() == writers.consumers(),
                        () -> writers.running() + " of " + writers.consumers()
                                + " consumers are running; see the log's kafka_writer_failed", true));
                dependencies.add(new Dependency("group", () -> writers.groupLost(GROUP_BOUND) == null,
                        () -> writers.groupLost(GROUP_BOUND), true));
            }
        }
        MqttSource mqtt = null;
        if (config.mqtt() != null) {
            mqtt = new MqttSource(config.mqtt(), new MqttMapping(config.mqtt().idField(), config.maxEventBytes()),
                    // A batch the queue can always take whole (--queue-capacity >= --max-batch-events).
                    ingest, metrics, Math.min(config.batchSize(), config.maxBatchEvents()), handoffBytes());
            MqttSource source = mqtt;
            dependencies.add(new Dependency("mqtt", source::up, source::lastError, config.mqtt().required()));
        }
        Javalin app = HttpApi.create(config, access.host(), listener, new HttpApi.Parts(ingest, role.ingests(),
                queue, metrics, health, reader, mode, access.keys(), access.rateLimiter(),
                kafka ? kafkaState(ingest, partitions) : null, role.writes(), dependencies,
                access.browserRateLimiter()));
        try {
            app.start();
        } catch (RuntimeException e) {
            throw new StartupException("cannot listen on " + access.host() + ":" + config.port() + ": "
                    + Messages.rootMessage(e));
        }
        http = app;
        pushStopSteps(app, ingest, workers, kafkaWriters, acceptLog);
        if (mqtt != null) {
            // Popped first: the source stops taking messages before the intake closes under it.
            resources.pushLeaving("mqtt", afterDrain(config.shutdownTimeout()), mqtt::stop);
            mqtt.start();
        }
        // The flush interval only where it bounds what a power loss may lose.
        String flush = !kafka && config.durability() == Durability.JOURNAL_ASYNC
                ? " journal_flush_interval=" + Units.formatDuration(config.journalFlushInterval()) : "";
        log.info("event=started host={} port={} db={} queue={} role={} durability={}{} workers={} start_ms={}",
                access.host(), app.port(), hasDatabase ? Config.redactUrl(url) : "none",
                config.queue().name().toLowerCase(java.util.Locale.ROOT),
                role.name().toLowerCase(java.util.Locale.ROOT),
                mode, flush, config.workers(), (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * What the MQTT source may hold between the broker's socket and the ingest: a quarter of --queue-max-bytes, as
     * requests waiting for room may, and never less than two of the largest event (a refused message's data is cut
     * to --max-event-bytes, plus its fields).
     */
    private long handoffBytes() {
        return Math.max(config.queueMaxBytes() / 4, 2 * (config.maxEventBytes() + 64 * 1024));
    }

    private static Backoff transientBackoff() {
        return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    }

    private static Backoff permanentBackoff() {
        return new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
    }

    /** What /health and /metrics show of the queue in Kafka mode, read when asked. */
    private java.util.function.Supplier<java.util.Map<String, Object>> kafkaState(Ingest ingest, int partitions) {
        return () -> {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("kind", "kafka");
            m.put("topic", config.kafkaTopic());
            m.put("partitions", partitions);
            if (ingest instanceof KafkaIngest k) {
                m.put("awaiting_ack", k.inFlight());
            }
            return m;
        };
    }

    /** A Kafka client, or the start refused with the setting that the client refused. */
    private static <T> T kafkaClient(String what, java.util.function.Supplier<T> create) throws StartupException {
        try {
            return create.get();
        } catch (org.apache.kafka.common.KafkaException e) {
            throw StartupException.badValue("cannot create the Kafka " + what + " (--kafka-config): "
                    + Messages.rootMessage(e));
        }
    }

    private void openDataDir(Path dataDir) throws StartupException {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StartupException("cannot create the data directory " + dataDir.toAbsolutePath()
                    + " (--data-dir): " + IoReason.of(e));
        }
        lockDataDir(dataDir);
    }

    /**
     * The steps a stop takes first, pushed last: HTTP stays open through the drain, so that ingest answers 503 with
     * Retry-After and /health/ready 503 and a load balancer takes the instance out by its health check instead of
     * meeting a refused connection. Popped in the order intake, drain, http. In Kafka mode the drain is the
     * writers' stop: each finishes and commits its batch, or leaves it uncommitted for the next owner.
     */
    private void pushStopSteps(Javalin app, Ingest ingest, WorkerPool workers, KafkaWriters kafkaWriters,
            AcceptLog acceptLog) {
        Duration afterDrain = afterDrain(config.shutdownTimeout());
        resources.push("http", allowed -> {
            HttpApi.stop(app, allowed);
            log.info("event=http_stopped ms={}", msSinceStop());
        });
        if (workers != null) {
            resources.pushUncut("drain", afterDrain, allowed -> drainAndKeep(workers, acceptLog, allowed));
        } else if (kafkaWriters != null) {
            resources.pushLeaving("drain", afterDrain, allowed -> {
                kafkaWriters.stop(allowed);
                log.info("event=kafka_writers_stopped ms={}", msSinceStop());
            });
        }
        resources.pushLeaving("intake", afterDrain, allowed -> {
            ingest.close(allowed);
            log.info("event=intake_closed ms={}", msSinceStop());
        });
    }

    /**
     * The part of the budget the drain leaves to the steps after it: {@link #AFTER_DRAIN}, or a quarter of a budget
     * shorter than four times that.
     */
    static Duration afterDrain(Duration budget) {
        Duration quarter = budget.dividedBy(4);
        return quarter.compareTo(AFTER_DRAIN) < 0 ? quarter : AFTER_DRAIN;
    }

    /**
     * Cut by the stack, not waited for: with the database away, HikariCP's close waits out its pending connection
     * attempts, up to the connection timeout, for nothing, as whatever is unstored is on disk by now and the exit
     * closes the sockets anyway.
     */
    private HikariDataSource pushPool(HikariDataSource pool) {
        resources.push(pool.getPoolName(), allowed -> pool.close());
        return pool;
    }

    /**
     * Uncut, as it holds the only copy of the unstored events in memory mode: the drain returns within what it is
     * allowed plus the workers' hand-back (at most {@link WorkerPool#HAND_BACK}, taken from the steps after it), and
     * keeping them is a write to the local disk, bounded by {@link #KEEP_WAIT} in case the disk hangs.
     */
    private void drainAndKeep(WorkerPool workers, AcceptLog acceptLog, Duration allowed)
            throws InterruptedException {
        List<Envelope> unstored = workers.drain(allowed);
        log.info("event=queue_drained ms={} unstored={}", msSinceStop(), unstored.size());
        if (!unstored.isEmpty()) {
            log.warn("event=drain_timeout unstored={} timeout={} kept_in={} note=\"stored at the next start\"",
                    unstored.size(), Units.formatDuration(config.shutdownTimeout()), config.dataDir().toAbsolutePath());
            try {
                acceptLog.keep(unstored, KEEP_WAIT);
            } catch (IOException e) {
                log.error("event=keep_failed error=\"{}\"", e.getMessage());
            }
        }
    }

    private long msSinceStop() {
        return (System.nanoTime() - stopNanos) / 1_000_000;
    }

    /**
     * Binds the HTTP port before the database is opened or a worker started: a port in use ends the start at once,
     * and nothing else can take the port while the rest starts.
     */
    private ServerSocketChannel bind(String host) throws StartupException {
        try {
            return HttpApi.bind(host, config.port());
        } catch (IOException e) {
            throw new StartupException("cannot listen on " + host + ":" + config.port() + " (--host, --port): "
                    + IoReason.of(e));
        } catch (UnresolvedAddressException e) {
            throw new StartupException("cannot listen on " + host + ":" + config.port() + " (--host): unknown host");
        }
    }

    /**
     * Two running instances on one data directory would write the same journal segments and replay each other's
     * events: the lock makes the second one refuse to start. The OS releases it if the process dies.
     */
    private void lockDataDir(Path dataDir) throws StartupException {
        Path file = dataDir.resolve("instance.lock");
        try {
            FileChannel dataDirLock = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            resources.push("data-dir-lock", allowed -> dataDirLock.close()); // releases the lock
            FileLock lock;
            try {
                lock = dataDirLock.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by this very process
            }
            if (lock == null) {
                throw new StartupException("the data directory " + dataDir.toAbsolutePath() + " (--data-dir) is in "
                        + "use by another running instance: give each instance its own --data-dir");
            }
        } catch (IOException e) {
            throw new StartupException("cannot lock the data directory " + dataDir.toAbsolutePath() + " (--data-dir): "
                    + file.getFileName() + ": " + IoReason.of(e));
        }
    }

    /** Puts back what an earlier run accepted and did not store, before ingest opens. */
    private void replay(AcceptLog acceptLog) throws StartupException {
        metrics.journalCorruptions.add(acceptLog.corruptions());
        List<Envelope> recovered;
        try {
            recovered = acceptLog.recover();
        } catch (IOException e) {
            throw new StartupException("cannot read the journal under " + config.dataDir().toAbsolutePath()
                    + " (--data-dir): " + IoReason.of(e));
        }
        if (recovered.isEmpty()) {
            return;
        }
        log.info("event=replay events={} note=\"accepted before the last stop, not yet stored\"", recovered.size());
        try {
            for (Envelope e : recovered) {
                queue.putBlocking(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while replaying the journal");
        }
        metrics.replayed.add(recovered.size());
    }

    public int port() {
        return http.port();
    }

    public Metrics metrics() {
        return metrics;
    }

    /**
     * Graceful stop within --shutdown-timeout, the whole budget (see {@link Resources} for the margin); safe to
     * call twice. Returns once everything is stored or kept on disk.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        Budget budget = Budget.of(config.shutdownTimeout());
        stopNanos = System.nanoTime();
        log.info("event=stopping queued={} budget={} note=\"refusing new events, draining the queue\"",
                queue.depth(), Units.formatDuration(config.shutdownTimeout()));
        resources.closeAll(budget, Level.INFO);
        log.info("event=stopped stored={} failed={} stop_ms={}", metrics.processed.sum(), metrics.failed.sum(),
                budget.spent().toMillis());
    }
}
