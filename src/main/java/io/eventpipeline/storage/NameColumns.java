package io.eventpipeline.storage;

import io.eventpipeline.event.EventRules;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Widens the type and source columns of events tables created when they held 64 characters of a token set, so that
 * they hold names of {@value EventRules#NAME_MAX_CHARS} characters ({@link EventRules#nameError}). MySQL and MariaDB
 * count a utf8mb4 {@code VARCHAR(n)} in code points; H2 counts UTF-16 units, so its columns take twice as many, for
 * names of characters outside the BMP. The (type, created_at) index stays: 255 utf8mb4 characters are at most 1020
 * bytes, well inside InnoDB's 3072-byte key limit.
 */
final class NameColumns {
    private static final Logger log = LoggerFactory.getLogger(NameColumns.class);
    private static final String[] COLUMNS = {"type", "source"};

    private NameColumns() {
    }

    /** The width, in the database's own units, that holds {@value EventRules#NAME_MAX_CHARS} characters. */
    static int width(Dialect dialect) {
        return dialect == Dialect.H2 ? 2 * EventRules.NAME_MAX_CHARS : EventRules.NAME_MAX_CHARS;
    }

    /**
     * Widens the columns that are narrower than {@link #width}; does nothing on a table that has them already. On
     * MySQL/MariaDB the change rebuilds the table once (a utf8mb4 VARCHAR over 63 characters takes a two-byte length)
     * and keeps the NO PAD collation ({@link ExactCollation}), which must have run before.
     */
    static void widen(Connection c, Dialect dialect) throws SQLException {
        int width = width(dialect);
        List<String> narrow = new ArrayList<>();
        for (String column : COLUMNS) {
            if (size(c, column) < width) {
                narrow.add(column);
            }
        }
        if (narrow.isEmpty()) {
            return;
        }
        List<String> statements = new ArrayList<>();
        if (dialect == Dialect.H2) {
            // H2 keeps NOT NULL and the index through SET DATA TYPE, and has no collation to keep.
            for (String column : narrow) {
                statements.add("ALTER TABLE events ALTER COLUMN " + column + " SET DATA TYPE VARCHAR(" + width + ")");
            }
        } else {
            String collation = ExactCollation.of(c);
            statements.add("ALTER TABLE events " + String.join(", ", narrow.stream().map(column -> "MODIFY COLUMN "
                    + column + " VARCHAR(" + width + ") NOT NULL COLLATE " + collation).toList()));
        }
        long t0 = System.nanoTime();
        log.info("event=columns_widen table=events columns={} chars={} note=\"so that event names may be "
                + "written as users write them; this rebuilds the table once\"", String.join(",", narrow),
                EventRules.NAME_MAX_CHARS);
        ExactCollation.withoutNetworkTimeout(c, () -> {
            try (Statement s = c.createStatement()) {
                for (String sql : statements) {
                    s.execute(sql);
                }
            }
        });
        log.info("event=columns_widened table=events ms={}", (System.nanoTime() - t0) / 1_000_000);
    }

    private static int size(Connection c, String column) throws SQLException {
        try (ResultSet rs = c.getMetaData().getColumns(c.getCatalog(), null, "events", column)) {
            if (!rs.next()) {
                throw new SQLException("the events table has no column " + column);
            }
            return rs.getInt("COLUMN_SIZE");
        }
    }
}
