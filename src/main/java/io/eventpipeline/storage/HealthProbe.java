package io.eventpipeline.storage;

import io.eventpipeline.errors.Messages;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the database every interval on its own connection, so that /health answers at once and tells the truth
 * even while every pooled connection is busy or the database is away.
 */
public final class HealthProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HealthProbe.class);

    /** How long {@link #close()} waits for a check in progress. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final Duration interval;
    private volatile boolean up;
    private volatile String lastError = "";
    private volatile boolean running = true;
    private Thread thread;

    public HealthProbe(DataSource dataSource, Duration interval) {
        this.dataSource = dataSource;
        this.interval = interval;
    }

    public void start() {
        check();
        thread = Thread.ofVirtual().name("health-probe").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            check();
        }
    }

    void check() {
        boolean ok;
        String error = "";
        try (Connection c = dataSource.getConnection()) {
            ok = c.isValid(2);
            if (!ok) {
                error = "the connection did not validate within 2s";
            }
        } catch (Exception e) {
            ok = false;
            error = Messages.rootMessage(e);
        }
        if (ok != up) {
            if (ok) {
                log.info("event=database_up");
            } else {
                log.warn("event=database_down error=\"{}\"", error);
            }
        }
        lastError = error;
        up = ok;
    }

    public boolean up() {
        return up;
    }

    public String lastError() {
        return lastError;
    }

    /** Stops the probe, waiting up to {@code within} for a check in progress to give up its connection. */
    public void close(Duration within) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(within);
        }
    }

    @Override
    public void close() throws InterruptedException {
        close(CLOSE_WAIT);
    }
}
