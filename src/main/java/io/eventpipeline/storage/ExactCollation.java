package io.eventpipeline.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes MySQL and MariaDB compare the events tables' text exactly, as H2 does. Their {@code utf8mb4_bin} is a PAD
 * SPACE collation: trailing spaces do not count in a comparison, so {@code user_id = 'u1'} also finds {@code 'u1 '}
 * and the unique key takes the id {@code 'a '} for a duplicate of {@code 'a'}. The NO PAD binary collations compare
 * code point by code point: {@code utf8mb4_nopad_bin} on MariaDB (10.2.2 and later) and {@code utf8mb4_0900_bin} on
 * MySQL (8.0.17 and later). schema.sql gives new tables the right one through executable comments; tables created
 * before are converted here, once, at start-up.
 */
final class ExactCollation {
    static final String MARIADB = "utf8mb4_nopad_bin";
    static final String MYSQL = "utf8mb4_0900_bin";
    private static final Logger log = LoggerFactory.getLogger(ExactCollation.class);
    /** The character columns: every one is compared (filters, the unique id, the dead letter's id look-up). */
    private static final String WRONG_COLUMNS = "SELECT DISTINCT TABLE_NAME FROM information_schema.COLUMNS"
            + " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN ('events', 'events_dead_letter')"
            + " AND DATA_TYPE IN ('char', 'varchar') AND COLLATION_NAME <> ? ORDER BY TABLE_NAME";

    private ExactCollation() {
    }

    /** The NO PAD binary utf8mb4 collation of the server {@code c} is connected to. */
    static String of(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            // The driver's metadata calls MariaDB "5.5.5-10.x" (its handshake's disguise); VERSION() names it.
            return rs.next() && rs.getString(1).contains("MariaDB") ? MARIADB : MYSQL;
        }
    }

    /**
     * Converts each events table whose character columns have another collation. Rows are kept: a NO PAD key can
     * only tell more values apart than the PAD SPACE one it replaces, so no two rows collide. The conversion
     * rebuilds the table, which takes a while on a large one; it happens on the first start only.
     */
    static void migrate(Connection c) throws SQLException {
        String collation = of(c);
        Set<String> tables = new LinkedHashSet<>();
        try (PreparedStatement ps = c.prepareStatement(WRONG_COLUMNS)) {
            ps.setString(1, collation);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        if (tables.isEmpty()) {
            return;
        }
        withoutNetworkTimeout(c, () -> {
            try (Statement s = c.createStatement()) {
                for (String table : tables) {
                    long t0 = System.nanoTime();
                    log.info("event=collation_convert table={} collation={} note=\"so that ids and filters compare "
                            + "exactly, trailing spaces included; this rebuilds the table once\"", table, collation);
                    s.execute("ALTER TABLE " + table + " CONVERT TO CHARACTER SET utf8mb4 COLLATE " + collation);
                    log.info("event=collation_converted table={} ms={}", table,
                            (System.nanoTime() - t0) / 1_000_000);
                }
            }
        });
    }

    /** SQL work on a connection; may throw what JDBC throws. */
    interface SqlWork {
        void run() throws SQLException;
    }

    /**
     * Runs {@code work} with no network timeout on {@code c}. The rebuild of a large table outlasts the driver's
     * socketTimeout, which would end the start half-way and leave the next start waiting for the table.
     */
    static void withoutNetworkTimeout(Connection c, SqlWork work) throws SQLException {
        int networkTimeout = c.getNetworkTimeout();
        c.setNetworkTimeout(Runnable::run, 0);
        try {
            work.run();
        } finally {
            c.setNetworkTimeout(Runnable::run, networkTimeout);
        }
    }
}
