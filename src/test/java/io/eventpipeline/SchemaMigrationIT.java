package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

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
 * An events table created before events carried their API key's name gains the key_name column at start-up,
 * keeps its rows, and takes new ones: on the embedded H2 always, on MariaDB/MySQL when PIPELINE_TEST_DB_URL is set.
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
        com.mysql.cj.jdbc.MysqlDataSource ds = new com.mysql.cj.jdbc.MysqlDataSource();
        ds.setURL(Database.withDriverOptions(db.url()));
        migrates(db, ds, Dialect.MYSQL);
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
