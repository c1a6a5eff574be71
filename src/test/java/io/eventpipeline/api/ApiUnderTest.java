package io.eventpipeline.api;

import io.eventpipeline.HttpTestClient;
import io.eventpipeline.config.Config;
import io.eventpipeline.storage.HealthProbe;
import io.javalin.Javalin;
import java.time.Duration;
import java.util.function.Function;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The HTTP API alone on a free loopback port, over the parts a test hands it, with a health probe on a database the
 * test chooses; {@link #close} stops both. For tests of routes that need no workers and no journal.
 */
public final class ApiUnderTest implements AutoCloseable {
    private final HealthProbe probe;
    private final Javalin app;
    private final HttpTestClient http;

    private ApiUnderTest(HealthProbe probe, Javalin app) {
        this.probe = probe;
        this.app = app;
        this.http = new HttpTestClient(app.port());
    }

    /**
     * A database for the health probe: an in-memory H2 named {@code name} that every check finds when {@code up},
     * else a file that is not there, opened with IFEXISTS, so that every connection fails.
     */
    public static DataSource healthDatabase(String name, boolean up) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(up ? "jdbc:h2:mem:" + name : "jdbc:h2:file:/nonexistent/" + name + ";IFEXISTS=TRUE");
        return ds;
    }

    /** Starts the probe on {@code health} (checking once a minute after its first check) and the API on port 0. */
    public static ApiUnderTest start(Config config, DataSource health, Function<HealthProbe, HttpApi.Parts> parts) {
        HealthProbe probe = new HealthProbe(health, Duration.ofSeconds(60));
        probe.start();
        return new ApiUnderTest(probe, HttpApi.create(config, "127.0.0.1", parts.apply(probe)).start());
    }

    public Javalin app() {
        return app;
    }

    public HttpTestClient http() {
        return http;
    }

    @Override
    public void close() throws InterruptedException {
        app.stop();
        probe.close();
    }
}
