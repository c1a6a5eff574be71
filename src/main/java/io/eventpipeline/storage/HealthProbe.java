package io.eventpipeline.storage;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.lifecycle.PeriodicCheck;
import java.sql.Connection;
import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Checks the database every interval on its own connection, so that /health answers at once and tells the truth
 * even while every pooled connection is busy or the database is away.
 */
public final class HealthProbe extends PeriodicCheck {
    /** How long {@link #close()} waits for a check in progress. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final DataSource dataSource;

    /**
     * @param dataSource the pool of its own (one connection) the probe checks with
     * @param interval   the pause between two checks
     */
    public HealthProbe(DataSource dataSource, Duration interval) {
        super("database", interval, false, LoggerFactory.getLogger(HealthProbe.class));
        this.dataSource = dataSource;
    }

    @Override
    protected String probe() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(2) ? null : "the connection did not validate within 2s";
        }
    }

    @Override
    protected String reason(Exception e) {
        return Messages.rootMessage(e);
    }

    /** Stops checking, waiting up to {@link #CLOSE_WAIT} for a check in progress. */
    @Override
    public void close() throws InterruptedException {
        close(CLOSE_WAIT);
    }
}
