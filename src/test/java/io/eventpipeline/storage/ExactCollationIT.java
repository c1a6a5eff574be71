package io.eventpipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.NeedsTestDatabase;
import io.eventpipeline.TestDb;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The one-time collation change on MariaDB outlasts the connection's network timeout: a large table's rebuild
 * takes longer than the driver's socketTimeout, and must not end the start half-way.
 */
class ExactCollationIT {
    private static final String PAD_SPACE_EVENTS = "CREATE TABLE events (seq BIGINT NOT NULL AUTO_INCREMENT,"
            + " id VARCHAR(64) NOT NULL, user_id VARCHAR(128) NULL, PRIMARY KEY (seq), UNIQUE KEY uk_events_id (id))"
            + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

    @Test
    @NeedsTestDatabase
    void the_conversion_waits_past_the_network_timeout_and_restores_it_after() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("ExactCollationIT on MariaDB");
        db.execute("DROP TABLE IF EXISTS events, events_dead_letter");
        db.execute(PAD_SPACE_EVENTS);
        ExecutorService locker = Executors.newSingleThreadExecutor();
        CountDownLatch locked = new CountDownLatch(1);
        try (Connection c = db.connect()) {
            // Another session holds the table, so the ALTER waits for it: longer than the network timeout below.
            Future<?> holder = locker.submit(() -> {
                try (Connection other = db.connect(); Statement s = other.createStatement()) {
                    s.execute("LOCK TABLES events WRITE");
                    locked.countDown();
                    Thread.sleep(Duration.ofMillis(1500)); // the lock's holder, not a wait for a condition
                    s.execute("UNLOCK TABLES");
                }
                return null;
            });
            assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
            c.setNetworkTimeout(Runnable::run, 500);

            ExactCollation.migrate(c);

            holder.get();
            assertThat(c.getNetworkTimeout()).as("restored").isEqualTo(500);
        } finally {
            locker.shutdownNow();
        }
        assertThat(db.strings("SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                + " AND TABLE_NAME = 'events' AND COLUMN_NAME = 'id'")).containsExactly("utf8mb4_nopad_bin");
        db.execute("DROP TABLE events"); // the next start creates it from schema.sql
    }
}
