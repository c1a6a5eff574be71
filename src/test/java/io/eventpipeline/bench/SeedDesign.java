package io.eventpipeline.bench;

import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.JdbcEventRepository;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The naive design (c): one INSERT per event, each its own autocommitted transaction, over as many connections as
 * the ceiling uses (4, the default worker count), so that only batching differs between (b) and (c).
 */
final class SeedDesign {
    static final int CONNECTIONS = JdbcCeiling.CONNECTIONS;

    private SeedDesign() {
    }

    static JdbcPhase.Result run(String url, Path scratch, EventFactory events, WarmUp.Plan warmUp, Duration duration)
            throws Exception {
        // The service's own repository and statement, on a connection of the phase's pool.
        JdbcEventRepository repository = new JdbcEventRepository(null, Dialect.of(url));
        return JdbcPhase.run(url, scratch, CONNECTIONS, 1, warmUp, duration, c -> {
            repository.insert(c, events.events(1));
            return 1;
        });
    }
}
