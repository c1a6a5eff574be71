package io.eventpipeline.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.config.Config;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Connection pools, the driver options the service relies on, and the schema. */
public final class Database {
    /** Options the service needs from mysql-connector-j; a user's own value in the URL wins. */
    private static final Map<String, String> MYSQL_OPTIONS = new java.util.LinkedHashMap<>(Map.of(
            // Measured: multi-row batches are about 6x slower without it.
            "rewriteBatchedStatements", "true",
            "cachePrepStmts", "true",
            "prepStmtCacheSize", "500",
            "prepStmtCacheSqlLimit", "65536",
            "connectTimeout", "5000",
            // A database that stops answering must not hang a worker forever.
            "socketTimeout", "60000",
            "tcpKeepAlive", "true",
            "characterEncoding", "UTF-8",
            // So that a duplicate id (ON DUPLICATE KEY UPDATE id = id) counts 0 rows, not 1.
            "useAffectedRows", "true"));

    private Database() {
    }

    /** The URL with the service's driver options added where the user's URL lacks them. */
    public static String withDriverOptions(String url) {
        if (Dialect.of(url) == Dialect.H2) {
            return withH2Options(url);
        }
        StringBuilder sb = new StringBuilder(url);
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        boolean hasQuery = url.indexOf('?') >= 0;
        for (Map.Entry<String, String> option : MYSQL_OPTIONS.entrySet()) {
            String key = option.getKey().toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("?" + key + "=") || lower.contains("&" + key + "=")) {
                continue;
            }
            sb.append(hasQuery ? '&' : '?').append(option.getKey()).append('=').append(option.getValue());
            hasQuery = true;
        }
        return sb.toString();
    }

    private static String withH2Options(String url) {
        StringBuilder sb = new StringBuilder(url);
        String upper = url.toUpperCase(java.util.Locale.ROOT);
        // MySQL mode for the shared SQL; the service closes the database itself after draining the queue,
        // so H2 must not close it first from its own shutdown hook.
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("MODE", "MySQL");
        options.put("DB_CLOSE_ON_EXIT", "FALSE");
        options.put("DATABASE_TO_LOWER", "TRUE");
        for (Map.Entry<String, String> o : options.entrySet()) {
            if (!upper.contains(";" + o.getKey() + "=")) {
                sb.append(';').append(o.getKey()).append('=').append(o.getValue());
            }
        }
        return sb.toString();
    }

    /** The writers' pool. It does not connect yet: {@link #awaitReachable} says clearly when that fails. */
    public static HikariDataSource pool(Config config, String name, int size, Duration connectionTimeout) {
        String url = withDriverOptions(config.effectiveDbUrl());
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setJdbcUrl(url);
        if (config.dbUser() != null) {
            hc.setUsername(config.dbUser());
        }
        if (config.dbPassword() != null) {
            hc.setPassword(config.dbPassword());
        }
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(Math.min(size, 2));
        hc.setConnectionTimeout(connectionTimeout.toMillis());
        hc.setValidationTimeout(Math.min(2000, connectionTimeout.toMillis()));
        hc.setInitializationFailTimeout(-1);
        hc.setConnectionInitSql(Dialect.of(url).sessionInitSql());
        return new HikariDataSource(hc);
    }

    /**
     * Waits until the database answers, or throws with one line that says what is wrong. Each attempt is bounded
     * by the pool's connection timeout.
     */
    public static void awaitReachable(DataSource ds, String url, Duration within) throws StartupException {
        long deadline = System.nanoTime() + within.toNanos();
        SQLException last;
        do {
            try (Connection c = ds.getConnection()) {
                if (c.isValid(5)) {
                    return;
                }
                last = new SQLException("the connection did not validate");
            } catch (SQLException e) {
                last = e;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        } while (System.nanoTime() < deadline);
        throw new StartupException("cannot connect to the database at " + Config.redactUrl(url) + " within "
                + within.toSeconds() + "s: " + Messages.innermostMessage(last));
    }

    /**
     * Creates the tables and indexes that are missing and brings tables of earlier versions up to date (the
     * key_name column; exact, NO PAD text comparison on MySQL/MariaDB: see {@link ExactCollation}; type and source
     * wide enough for names: see {@link NameColumns}); safe to run on every start.
     */
    public static void applySchema(DataSource ds, Dialect dialect) throws StartupException {
        List<String> statements = statements(dialect.schemaResource());
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
            // Tables created before events carried the key name lack the column; CREATE ... IF NOT EXISTS
            // leaves them as they are, and MySQL has no ADD COLUMN IF NOT EXISTS.
            if (!hasColumn(c, "events", "key_name")) {
                s.execute("ALTER TABLE events ADD COLUMN key_name VARCHAR(64) NULL");
            }
            // After the column above, which takes an old table's default collation. H2 compares exactly already.
            if (dialect == Dialect.MYSQL) {
                ExactCollation.migrate(c);
            }
            // After the collation, which the widened columns keep.
            NameColumns.widen(c, dialect);
        } catch (SQLException e) {
            throw new StartupException("cannot create the schema: " + Messages.rootMessage(e));
        }
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (var rs = c.getMetaData().getColumns(c.getCatalog(), null, table, column)) {
            return rs.next();
        }
    }

    static List<String> statements(String resource) throws StartupException {
        String text;
        try (InputStream in = Database.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new StartupException("the schema resource " + resource + " is missing from the jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StartupException("cannot read the schema resource " + resource + ": " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            current.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String sql = current.toString().strip();
                out.add(sql.substring(0, sql.length() - 1));
                current.setLength(0);
            }
        }
        return out;
    }
}
