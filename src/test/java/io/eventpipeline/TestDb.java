package io.eventpipeline;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.eventpipeline.storage.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A database the integration tests run against, reached with plain JDBC to check what the service stored.
 * MariaDB/MySQL come from {@code PIPELINE_TEST_DB_URL} (or a container); H2 is a file under a temp dir.
 */
public record TestDb(String name, String url) {
    public static final String ENV = "PIPELINE_TEST_DB_URL";
    private static final Pattern MYSQL_URL = Pattern.compile("(jdbc:(?:mysql|mariadb)://)([^/:?]+)(?::(\\d+))?(/.*)?");

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(Database.withDriverOptions(url));
    }

    /** Empties the service's tables if they exist, so that each test starts from nothing. */
    public void reset() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            for (String table : List.of("events", "events_dead_letter")) {
                try {
                    s.execute("DELETE FROM " + table);
                } catch (SQLException e) {
                    // not created yet: the service creates it at start
                }
            }
        }
    }

    public long count(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    public long countEvents() throws SQLException {
        return count("SELECT COUNT(*) FROM events");
    }

    public List<String> strings(String sql, Object... args) throws SQLException {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    public Set<String> storedIds() throws SQLException {
        return new HashSet<>(strings("SELECT id FROM events"));
    }

    /**
     * Waits until the events table holds exactly {@code n} rows; fails at once if it overshoots, and on timeout
     * with the last count it saw (or why the last count failed).
     */
    public void awaitEventCount(long n, Duration timeout) throws InterruptedException {
        Eventually.await(timeout, "events holds " + n + " rows", this::countEvents, rows -> {
            if (rows > n) {
                throw new AssertionError("events holds " + rows + " rows, more than the " + n + " expected");
            }
            return rows == n;
        });
    }

    /**
     * Waits until the events table holds every one of {@code ids}; on timeout fails with how many are still missing
     * and a few of them. Counting is cheap, so the ids are compared only once the table holds enough rows.
     */
    public void awaitStored(Set<String> ids, Duration timeout) throws InterruptedException {
        Set<String> missing = new TreeSet<>(ids);
        try {
            Eventually.await(timeout, "the events table holds all " + ids.size() + " ids", () -> {
                if (countEvents() < ids.size()) {
                    return false;
                }
                missing.removeAll(storedIds());
                return missing.isEmpty();
            });
        } catch (AssertionError e) {
            try {
                missing.removeAll(storedIds());
            } catch (SQLException ignored) {
                // report what is known
            }
            throw new AssertionError(e.getMessage() + "; still missing " + missing.size() + ", e.g. "
                    + missing.stream().limit(5).toList(), e);
        }
    }

    /** The MariaDB/MySQL named by PIPELINE_TEST_DB_URL, or null when it is not set. */
    public static TestDb fromEnvironment() {
        String url = System.getenv(ENV);
        return url == null || url.isBlank() ? null : new TestDb("mariadb", url);
    }

    /** In CI a database suite must run; elsewhere it is skipped with a visible message. */
    public static boolean requiredHere() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * The MariaDB/MySQL named by PIPELINE_TEST_DB_URL. Without it, {@code suite} is skipped with a message on
     * stderr, or fails under CI=true, where every database suite must run. Call it from a {@code @BeforeAll}.
     */
    public static TestDb requireFromEnvironment(String suite) {
        TestDb database = fromEnvironment();
        if (database == null) {
            String message = ENV + " is not set: " + suite + " did not run. Set it to e.g. "
                    + "jdbc:mysql://127.0.0.1:3306/pipeline_it?user=root&password= (an empty database).";
            if (requiredHere()) {
                fail(message + " In CI this suite must run.");
            }
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
        return database;
    }

    /** Host of a MariaDB/MySQL URL. */
    public String host() {
        return mysqlUrl().group(2);
    }

    /** Port of a MariaDB/MySQL URL (3306 when it names none). */
    public int port() {
        String port = mysqlUrl().group(3);
        return port == null ? 3306 : Integer.parseInt(port);
    }

    /** The same database, user and options, reached through {@code 127.0.0.1:port} (a proxy). */
    public String urlVia(int port) {
        Matcher m = mysqlUrl();
        return m.group(1) + "127.0.0.1:" + port + (m.group(4) == null ? "" : m.group(4));
    }

    private Matcher mysqlUrl() {
        Matcher m = MYSQL_URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": not a jdbc:mysql://host[:port]/database URL");
        }
        return m;
    }

    /** Runs one statement (DDL such as a trigger, for fault injection). */
    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
