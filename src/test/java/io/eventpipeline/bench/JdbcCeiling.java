package io.eventpipeline.bench;

import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.JdbcEventRepository;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The database ceiling (b): the service's multi-row INSERT of the same events, 4 connections, 500 rows a statement,
 * autocommit (one statement, as the service sends a batch of 500), and nothing else: no HTTP, no queue.
 */
final class JdbcCeiling {
    static final int CONNECTIONS = 4;
    static final int ROWS_PER_STATEMENT = 500;

    private JdbcCeiling() {
    }

    static JdbcPhase.Result run(String url, Path scratch, EventFactory events, WarmUp.Plan warmUp, Duration duration)
            throws Exception {
        // The service's own repository and statement, on a connection of the phase's pool.
        JdbcEventRepository repository = new JdbcEventRepository(null, Dialect.of(url));
        return JdbcPhase.run(url, scratch, CONNECTIONS, ROWS_PER_STATEMENT, warmUp, duration, c -> {
            repository.insert(c, events.events(ROWS_PER_STATEMENT));
            return ROWS_PER_STATEMENT;
        });
    }
}
