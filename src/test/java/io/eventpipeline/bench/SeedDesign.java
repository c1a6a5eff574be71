package io.eventpipeline.bench;

import io.eventpipeline.storage.Dialect;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Duration;

/**
 * The seed's design (c): one INSERT per event, each its own autocommitted transaction, over as many connections as
 * the ceiling uses (4, the default worker count), so that only batching differs between (b) and (c).
 */
final class SeedDesign {
    static final int CONNECTIONS = JdbcCeiling.CONNECTIONS;

    private SeedDesign() {
    }

    static JdbcPhase.Result run(String url, Path scratch, EventFactory events, WarmUp.Plan warmUp, Duration duration)
            throws Exception {
        String sql = EventRows.insertSql(Dialect.of(url), 1);
        return JdbcPhase.run(url, scratch, CONNECTIONS, 1, warmUp, duration, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                EventRows.bind(ps, events.events(1));
                ps.executeUpdate();
                return 1;
            }
        });
    }
}
