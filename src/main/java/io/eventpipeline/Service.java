package io.eventpipeline;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.api.HttpApi;
import io.eventpipeline.config.Config;
import io.eventpipeline.errors.IoReason;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.AcceptLog;
import io.eventpipeline.pipeline.Backoff;
import io.eventpipeline.pipeline.BatchWriter;
import io.eventpipeline.pipeline.Envelope;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.WorkerPool;
import io.eventpipeline.security.Access;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: owns every component and their order of start and stop. Start checks what can refuse it
 * (keys, data directory, port, database), then opens the accept log, the workers, replays what an earlier run
 * left, and only then opens HTTP; stop refuses new events, drains the queue to the database within the shutdown
 * timeout while HTTP still answers (503 to ingest and to /health/ready), keeps on disk whatever it could not
 * store, and only then closes HTTP.
 */
public final class Service {
    private static final Logger log = LoggerFactory.getLogger(Service.class);
    static final Duration START_DB_WAIT = Duration.ofSeconds(20);
    static final int READ_POOL_SIZE = 2;
    static final Duration POOL_CLOSE_WAIT = Duration.ofSeconds(2);

    private final Config config;
    private final AcceptLogFactory acceptLogFactory;
    private final Metrics metrics = new Metrics();
    private final EventQueue queue;

    private FileChannel dataDirLock;
    private ServerSocketChannel listener;
    private AcceptLog acceptLog;
    private HikariDataSource pool;
    private HikariDataSource healthPool;
    private HikariDataSource readPool;
    private HealthProbe health;
    private WorkerPool workers;
    private Ingest ingest;
    private Javalin http;
    private final AtomicBoolean stopped = new AtomicBoolean();

    /** Opens the accept log in the given directory; failing, says why. */
    interface AcceptLogFactory {
        AcceptLog open(Path dir) throws IOException;
    }

    Service(Config config, AcceptLogFactory acceptLogFactory) {
        this.config = config;
        this.acceptLogFactory = acceptLogFactory;
        this.queue = new EventQueue(config.queueCapacity(), config.queueMaxBytes());
    }

    public void start() throws StartupException {
        try {
            startComponents();
        } catch (StartupException | RuntimeException e) {
            if (http == null && listener != null) {
                try {
                    listener.close(); // Jetty owns it only once started
                } catch (IOException ignored) {
                    // the exit closes it anyway
                }
            }
            stop();
            throw e;
        }
    }

    /**
     * Every check that can refuse the start (keys, data directory, port, database, schema) comes before anything
     * is logged or started, so that a refused start prints its one error line and nothing else.
     */
    private void startComponents() throws StartupException {
        long t0 = System.nanoTime();
        Access access = Access.decide(config);
        Path dataDir = config.dataDir();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new StartupException("cannot create the data directory " + dataDir.toAbsolutePath()
                    + " (--data-dir): " + IoReason.of(e));
        }
        lockDataDir(dataDir);
        listener = bind(access.host());

        String url = config.effectiveDbUrl();
        FirstConnection.await(config, START_DB_WAIT);
        pool = Database.pool(config, "pipeline-db", config.dbPoolSize(), Duration.ofSeconds(5));
        Dialect dialect = Dialect.of(url);
        try {
            Database.applySchema(pool, dialect);
        } catch (StartupException e) {
            throw new StartupException(e.getMessage() + " (" + FirstConnection.describe(config) + ")");
        }

        Path journalDir = dataDir.resolve("journal");
        try {
            acceptLog = acceptLogFactory.open(journalDir);
        } catch (IOException e) {
            throw new StartupException(e.getMessage()); // already names the directory and the cause
        }
        access.logDecision(config);
        log.info("event=database_ready db={} dialect={}", Config.redactUrl(url),
                dialect.name().toLowerCase(java.util.Locale.ROOT));

        healthPool = Database.pool(config, "pipeline-health", 1, Duration.ofSeconds(2));
        health = new HealthProbe(healthPool, Duration.ofSeconds(1));
        health.start();

        BatchWriter writer = new BatchWriter(new JdbcEventRepository(pool, dialect), acceptLog, metrics,
                config.maxRetries(), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5)),
                new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1)));
        workers = new WorkerPool(queue, writer, config.workers(), config.batchSize(), config.batchLinger());
        workers.start();
        log.info("event=workers_started workers={} batch_size={} batch_linger={}", config.workers(), config.batchSize(),
                config.batchLinger());
        replay();

        // Reads get a small pool of their own: however many GET requests arrive, they queue for these
        // connections and never take one a worker is waiting for.
        readPool = Database.pool(config, "pipeline-read", READ_POOL_SIZE, Duration.ofSeconds(5));
        EventReader reader = new EventReader(readPool, dialect);

        ingest = new Ingest(queue, acceptLog);
        http = HttpApi.create(config, access.host(), listener, new HttpApi.Parts(ingest, queue, metrics, health,
                reader, acceptLog.describe(), access.keys(), access.rateLimiter()));
        try {
            http.start();
        } catch (RuntimeException e) {
            http = null;
            throw new StartupException("cannot listen on " + access.host() + ":" + config.port() + ": "
                    + Messages.rootMessage(e));
        }
        log.info("event=started host={} port={} db={} durability={} workers={} queue_capacity={} start_ms={}",
                access.host(), http.port(), Config.redactUrl(url), acceptLog.describe(), config.workers(),
                config.queueCapacity(), (System.nanoTime() - t0) / 1_000_000);
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
            dataDirLock = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
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
    private void replay() throws StartupException {
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

    /** Graceful stop; safe to call twice. Returns once everything is stored or kept on disk. */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (http == null) {
            // Start failed: nothing was accepted. Replayed events not yet stored are still in the journal.
            if (workers != null) {
                try {
                    workers.drain(Duration.ZERO);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            closeQuietly();
            return;
        }
        long t0 = System.nanoTime();
        log.info("event=stopping queued={} note=\"refusing new events, draining the queue\"", queue.depth());
        // HTTP stays open through the drain: ingest answers 503 with Retry-After and /health/ready 503, so that a
        // load balancer takes the instance out by its health check instead of meeting a refused connection.
        try {
            ingest.close(Duration.ofSeconds(10));
            log.info("event=intake_closed ms={}", (System.nanoTime() - t0) / 1_000_000);
            List<Envelope> unstored = workers.drain(config.shutdownTimeout());
            log.info("event=queue_drained ms={} unstored={}", (System.nanoTime() - t0) / 1_000_000, unstored.size());
            if (!unstored.isEmpty()) {
                log.warn("event=drain_timeout unstored={} timeout={} kept_in={} note=\"stored at the next start\"",
                        unstored.size(), config.shutdownTimeout(), config.dataDir().toAbsolutePath());
                acceptLog.keep(unstored);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.error("event=keep_failed error=\"{}\"", e.getMessage());
        } finally {
            stopHttp(t0); // whatever came of the drain
            closeQuietly();
        }
        log.info("event=stopped stored={} failed={} stop_ms={}", metrics.processed.sum(), metrics.failed.sum(),
                (System.nanoTime() - t0) / 1_000_000);
    }

    /** Closes the listener once the requests in flight are answered (Jetty's graceful stop, bounded). */
    private void stopHttp(long t0) {
        try {
            http.stop();
            log.info("event=http_stopped ms={}", (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("event=http_stop_failed error=\"{}\"", e.getMessage());
        }
    }

    private void closeQuietly() {
        try {
            if (health != null) {
                health.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (acceptLog != null) {
                acceptLog.close();
            }
        } catch (IOException e) {
            log.warn("event=journal_close_failed error=\"{}\"", e.getMessage());
        }
        closePools();
        try {
            if (dataDirLock != null) {
                dataDirLock.close(); // releases the lock
            }
        } catch (IOException e) {
            log.warn("event=data_dir_unlock_failed error=\"{}\"", e.getMessage());
        }
    }

    /**
     * Closes the pools at once, waiting at most {@link #POOL_CLOSE_WAIT}. With the database away, HikariCP's close
     * waits out its pending connection attempts, up to the connection timeout per pool, one pool after the other:
     * that held the exit seconds past --shutdown-timeout for nothing, since whatever is unstored is on disk by now
     * and the exit closes the sockets anyway.
     */
    private void closePools() {
        List<Thread> closing = new ArrayList<>(3);
        for (HikariDataSource p : Arrays.asList(healthPool, readPool, pool)) {
            if (p != null) {
                closing.add(Thread.ofVirtual().name("close-" + p.getPoolName()).start(p::close));
            }
        }
        long deadline = System.nanoTime() + POOL_CLOSE_WAIT.toNanos();
        try {
            for (Thread t : closing) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    log.warn("event=pool_close_timeout wait={} note=\"the database does not answer; its connections "
                            + "close with the process\"", POOL_CLOSE_WAIT);
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
