package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.eventpipeline.config.Config;
import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables of earlier versions are brought up to date at start-up and keep their rows: an events table created before
 * events carried their API key's name gains the key_name column (on the embedded H2 always, on MariaDB/MySQL when
 * PIPELINE_TEST_DB_URL is set), MariaDB/MySQL tables whose text ignored trailing spaces compare it exactly, and
 * type and source of 64 characters are widened to hold names of 255.
 */
class SchemaMigrationIT {
    static final String OLD_EVENTS = "CREATE TABLE events (seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
            + " id VARCHAR(64) NOT NULL, type VARCHAR(64) NOT NULL, source VARCHAR(64) NOT NULL,"
            + " user_id VARCHAR(128) NULL, event_time DATETIME(3) NULL, data JSON NOT NULL,"
            + " received_at DATETIME(3) NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
            + " CONSTRAINT uk_events_id UNIQUE (id))";

    @TempDir
    Path dir;

    @Test
    void an_events_table_without_key_name_gains_it_on_h2() throws Exception {
        TestDb db = new TestDb("h2", "jdbc:h2:file:" + dir.resolve("events").toAbsolutePath());
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(Database.withDriverOptions(db.url()));
        migrates(db, ds, Dialect.H2);
    }

    @Test
    @NeedsTestDatabase
    void an_events_table_without_key_name_gains_it_on_mariadb() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("SchemaMigrationIT on MariaDB");
        javax.sql.DataSource ds = withDriverOptions(db);
        migrates(db, ds, Dialect.MYSQL);
    }

    @Test
    void type_and_source_of_64_characters_are_widened_to_names_of_255_on_h2() throws Exception {
        TestDb db = new TestDb("h2", "jdbc:h2:file:" + dir.resolve("names").toAbsolutePath());
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL(Database.withDriverOptions(db.url()));
        // H2 counts UTF-16 units: 255 characters outside the BMP take 510.
        widens(db, ds, Dialect.H2, List.of("source 510 NO", "type 510 NO"));
    }

    @Test
    @NeedsTestDatabase
    void type_and_source_of_64_characters_are_widened_to_names_of_255_on_mariadb() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("SchemaMigrationIT on MariaDB");
        javax.sql.DataSource ds = withDriverOptions(db);
        widens(db, ds, Dialect.MYSQL, List.of("source 255 NO", "type 255 NO"));
        assertThat(db.strings(CHARACTER_COLUMNS)).as("the NO PAD collation is kept")
                .contains("events.source utf8mb4_nopad_bin", "events.type utf8mb4_nopad_bin");
        db.execute("DROP TABLE events, events_dead_letter"); // the next start creates them from schema.sql
    }

    /**
     * An events table as every earlier version created it (type and source VARCHAR(64), the (type, created_at)
     * index), widened by two starts, keeps its rows and index and takes a name of 255 characters outside the BMP.
     */
    private static void widens(TestDb db, javax.sql.DataSource ds, Dialect dialect, List<String> columns)
            throws Exception {
        String name = "\uD83D\uDE00".repeat(255);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS events");
            s.execute(OLD_EVENTS);
            s.execute("CREATE INDEX idx_events_type_created ON events (type, created_at)");
            s.execute("INSERT INTO events (id, type, source, data, received_at)"
                    + " VALUES ('old-1', 'order.placed', 'shop', '{}', '2024-05-01 12:00:00.000')");
        }
        assertThat(catchThrowable(() -> update(db, "INSERT INTO events (id, type, source, data, received_at)"
                + " VALUES ('too-long', ?, 's', '{}', '2024-05-01 12:00:00.000')", name)))
                .as("the old column is too narrow").isNotNull();

        Database.applySchema(ds, dialect);
        Database.applySchema(ds, dialect); // a second start finds the columns wide and leaves them alone

        assertThat(nameColumns(db)).containsExactlyElementsOf(columns);
        assertThat(db.strings("SELECT id FROM events WHERE type = 'order.placed' AND source = 'shop'"))
                .containsExactly("old-1");
        update(db, "INSERT INTO events (id, type, source, data, received_at)"
                + " VALUES ('new-1', ?, ?, '{}', '2024-05-01 12:00:00.000')", name, name);
        assertThat(db.strings("SELECT id FROM events WHERE type = ? AND source = ?", name, name))
                .containsExactly("new-1");
        assertThat(indexColumns(db)).as("the (type, created_at) index survives").containsSubsequence("type",
                "created_at");
        if (dialect == Dialect.H2) {
            db.execute("DROP TABLE events"); // the next service start creates it whole
        }
    }

    private static void update(TestDb db, String sql, String... args) throws Exception {
        try (Connection c = db.connect(); var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }

    private static List<String> nameColumns(TestDb db) throws Exception {
        List<String> found = new ArrayList<>();
        try (Connection c = db.connect(); var rs = c.getMetaData().getColumns(c.getCatalog(), null, "events", null)) {
            while (rs.next()) {
                String name = rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT);
                if (name.equals("type") || name.equals("source")) {
                    found.add(name + " " + rs.getInt("COLUMN_SIZE") + " " + rs.getString("IS_NULLABLE"));
                }
            }
        }
        found.sort(null);
        return found;
    }

    private static List<String> indexColumns(TestDb db) throws Exception {
        List<String> found = new ArrayList<>();
        try (Connection c = db.connect();
                var rs = c.getMetaData().getIndexInfo(c.getCatalog(), null, "events", false, false)) {
            while (rs.next()) {
                String index = rs.getString("INDEX_NAME");
                if (index != null && index.equalsIgnoreCase("idx_events_type_created")) {
                    found.add(rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        return found;
    }

    /** The tables as schema.sql created them before text compared exactly: utf8mb4_bin, which pads. */
    static final List<String> PAD_SPACE_TABLES = List.of("CREATE TABLE events (seq BIGINT NOT NULL AUTO_INCREMENT,"
            + " id VARCHAR(64) NOT NULL, type VARCHAR(64) NOT NULL, source VARCHAR(64) NOT NULL,"
            + " user_id VARCHAR(128) NULL, event_time DATETIME(3) NULL, data JSON NOT NULL,"
            + " received_at DATETIME(3) NOT NULL, created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),"
            + " key_name VARCHAR(64) NULL, PRIMARY KEY (seq), UNIQUE KEY uk_events_id (id),"
            + " KEY idx_events_type_created (type, created_at), KEY idx_events_user_created (user_id, created_at)"
            + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
            "CREATE TABLE events_dead_letter (seq BIGINT NOT NULL AUTO_INCREMENT, event_id VARCHAR(64) NOT NULL,"
            + " event LONGTEXT NOT NULL, error TEXT NOT NULL, attempts INT NOT NULL,"
            + " failed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (seq),"
            + " KEY idx_dead_letter_event_id (event_id), KEY idx_dead_letter_failed_at (failed_at)"
            + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
    static final String CHARACTER_COLUMNS = "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLLATION_NAME)"
            + " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
            + " AND TABLE_NAME IN ('events', 'events_dead_letter') AND DATA_TYPE = 'varchar'"
            + " ORDER BY TABLE_NAME, COLUMN_NAME";

    @Test
    @NeedsTestDatabase
    void tables_that_ignore_trailing_spaces_are_converted_at_start_and_keep_their_rows_on_mariadb() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("SchemaMigrationIT on MariaDB");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS events, events_dead_letter");
            for (String table : PAD_SPACE_TABLES) {
                s.execute(table);
            }
            s.execute("INSERT INTO events (id, type, source, user_id, data, received_at) VALUES"
                    + " ('old-1', 't', 's', 'u1', '{}', '2024-05-01 12:00:00.000'),"
                    + " ('old-2', 't', 's', 'u1 ', '{}', '2024-05-01 12:00:00.000')");
            s.execute("INSERT INTO events_dead_letter (event_id, event, error, attempts)"
                    + " VALUES ('bad-1', '{}', 'e', 4)");
        }
        assertThat(db.strings("SELECT id FROM events WHERE user_id = 'u1'")).as("padded before")
                .containsExactlyInAnyOrder("old-1", "old-2");

        startAndStop(db);

        assertThat(db.strings(CHARACTER_COLUMNS)).containsExactly(
                "events.id utf8mb4_nopad_bin", "events.key_name utf8mb4_nopad_bin", "events.source utf8mb4_nopad_bin",
                "events.type utf8mb4_nopad_bin", "events.user_id utf8mb4_nopad_bin",
                "events_dead_letter.event_id utf8mb4_nopad_bin");
        assertThat(db.strings("SELECT id FROM events ORDER BY id")).containsExactly("old-1", "old-2");
        assertThat(nameColumns(db)).as("widened too").containsExactly("source 255 NO", "type 255 NO");
        assertThat(db.strings("SELECT event_id FROM events_dead_letter")).containsExactly("bad-1");
        assertThat(db.strings("SELECT id FROM events WHERE user_id = 'u1'")).containsExactly("old-1");
        db.execute("INSERT INTO events (id, type, source, data, received_at)"
                + " VALUES ('old-1 ', 't', 's', '{}', '2024-05-01 12:00:00.000')");
        assertThat(db.count("SELECT COUNT(*) FROM events WHERE id LIKE 'old-1%'")).as("two ids").isEqualTo(2);

        startAndStop(db); // a second start finds the tables converted
        assertThat(db.strings("SELECT id FROM events ORDER BY id")).containsExactly("old-1", "old-1 ", "old-2");
        db.execute("DROP TABLE events, events_dead_letter"); // the next start creates them from schema.sql
    }

    /** The MariaDB of PIPELINE_TEST_DB_URL with the driver options the service adds. */
    private static javax.sql.DataSource withDriverOptions(TestDb db) throws java.sql.SQLException {
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setURL(Database.withDriverOptions(db.url()));
        return ds;
    }

    private void startAndStop(TestDb db) throws Exception {
        Service service = Main.build(Config.builder().port(0).dbUrl(db.url()).dataDir(dir).build());
        service.start();
        service.stop();
    }

    private static void migrates(TestDb db, javax.sql.DataSource ds, Dialect dialect) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS events");
            s.execute(OLD_EVENTS);
            s.execute("INSERT INTO events (id, type, source, data, received_at)"
                    + " VALUES ('old-1', 't', 's', '{}', '2024-05-01 12:00:00.000')");
        }

        Database.applySchema(ds, dialect);
        Database.applySchema(ds, dialect); // a second start finds the column and leaves the table alone

        assertThat(columns(db)).contains("key_name");
        assertThat(db.strings("SELECT id FROM events")).containsExactly("old-1");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO events (id, type, source, data, received_at, key_name)"
                    + " VALUES ('new-1', 't', 's', '{}', '2024-05-01 12:00:00.000', 'shop-web')");
        }
        assertThat(db.strings("SELECT key_name FROM events WHERE id = 'new-1'")).containsExactly("shop-web");
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            // The old table lacks the schema's indexes: drop it, and the next service start creates it whole.
            s.execute("DROP TABLE events");
        }
    }

    private static List<String> columns(TestDb db) throws Exception {
        List<String> names = new ArrayList<>();
        try (Connection c = db.connect(); var rs = c.getMetaData().getColumns(c.getCatalog(), null, "events", null)) {
            while (rs.next()) {
                names.add(rs.getString("COLUMN_NAME").toLowerCase(java.util.Locale.ROOT));
            }
        }
        return names;
    }
}
