package io.eventpipeline;

import io.eventpipeline.bench.TempDirs;
import io.eventpipeline.config.Config;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A service for a test, built the way {@code main} builds it ({@link Main#build}) on port 0 with a data directory of
 * its own, with a client for it. Registered with {@code @RegisterExtension} on an instance field, a fresh one runs
 * for each test; on a static field, one runs for the whole class (JUnit calls the all-callbacks only for static
 * fields). A test database given to it is emptied before the service starts. It is stopped, and its data directory
 * removed, after the test or the class.
 */
public final class RunningService implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    private final Supplier<TestDb> database;
    private final UnaryOperator<Config.Builder> options;
    private boolean perClass;
    private Path dataDir;
    private Service service;
    private HttpTestClient http;

    private RunningService(Supplier<TestDb> database, UnaryOperator<Config.Builder> options) {
        this.database = database;
        this.options = options;
    }

    /**
     * On a test database, asked for only when the service starts: after {@code @BeforeAll} methods and the class's
     * other extensions (a container, a temp dir) have made it.
     */
    public static RunningService on(Supplier<TestDb> database) {
        return new RunningService(database, UnaryOperator.identity());
    }

    /** On the embedded database the service keeps in its data directory. */
    public static RunningService embedded() {
        return new RunningService(() -> null, UnaryOperator.identity());
    }

    /** The same service with more settings, e.g. {@code c -> c.durability(Durability.MEMORY)}. */
    public RunningService with(UnaryOperator<Config.Builder> more) {
        return new RunningService(database, c -> more.apply(options.apply(c)));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        stop();
    }

    /** What the service runs on: port 0, the test database if any, its data directory and the added settings. */
    public Config.Builder config() {
        if (dataDir == null) {
            throw new IllegalStateException("the service's data directory exists only while a test runs");
        }
        Config.Builder c = Config.builder().port(0).dataDir(dataDir);
        TestDb db = database.get();
        return options.apply(db == null ? c : c.dbUrl(db.url()));
    }

    public Service service() {
        return service;
    }

    /** A client of the running service; a new one after {@link #restart()}. */
    public HttpTestClient http() {
        return http;
    }

    /** Stops the service and starts a new one on the same database and data directory, as an operator would. */
    public void restart() throws Exception {
        service.stop();
        startService();
    }

    private void start() throws Exception {
        dataDir = TempDirs.create("event-pipeline-test-");
        TestDb db = database.get();
        if (db != null) {
            db.reset();
        }
        startService();
    }

    private void startService() throws Exception {
        service = Main.build(config().build());
        service.start();
        http = new HttpTestClient(service.port());
    }

    private void stop() throws Exception {
        try {
            if (service != null) {
                service.stop();
            }
        } finally {
            service = null;
            http = null;
            if (dataDir != null) {
                TempDirs.delete(dataDir);
                dataDir = null;
            }
        }
    }
}
