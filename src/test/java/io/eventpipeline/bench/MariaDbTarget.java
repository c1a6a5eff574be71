package io.eventpipeline.bench;

import io.eventpipeline.config.Config;
import io.eventpipeline.storage.Database;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MariaDB or MySQL at the server named by a JDBC URL. The bench never writes to the database the URL names (that
 * may be the one the tests use): it creates its own, {@value #DATABASE}, drops it first if an earlier run left it,
 * and drops it at the end.
 */
final class MariaDbTarget implements BenchTarget {
    static final String DATABASE = "pipeline_bench";
    static final String LOCAL_DEFAULT_URL = "jdbc:mysql://127.0.0.1:3306/" + DATABASE + "?user=root&password=";
    private static final Pattern URL = Pattern.compile("^(jdbc:(?:mysql|mariadb)://[^/?]+)(?:/[^?]*)?(\\?.*)?$");

    private final String serverUrl;
    private final String url;
    private final Map<String, Object> description;

    private MariaDbTarget(String serverUrl, String url, Map<String, Object> description) {
        this.serverUrl = serverUrl;
        this.url = url;
        this.description = description;
    }

    /** Connects to the server of {@code anyUrl} and creates an empty {@value #DATABASE} database there. */
    static MariaDbTarget create(String anyUrl) throws SQLException {
        Matcher m = URL.matcher(anyUrl);
        if (!m.matches()) {
            throw new IllegalArgumentException("PIPELINE_BENCH_DB_URL / --db-url must look like "
                    + "jdbc:mysql://host:3306/db?user=...&password=..., got '" + Config.redactUrl(anyUrl) + "'");
        }
        String query = m.group(2) == null ? "" : m.group(2);
        String serverUrl = m.group(1) + "/" + query;
        String url = m.group(1) + "/" + DATABASE + query;
        Map<String, Object> description = new LinkedHashMap<>();
        try (Connection c = connect(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE);
            s.execute("CREATE DATABASE " + DATABASE + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
            DatabaseMetaData meta = c.getMetaData();
            // The driver calls MariaDB "MySQL 5.5.5-10.x-MariaDB" (its handshake's disguise); VERSION() does not.
            String version = version(s);
            description.put("product", version.contains("MariaDB") ? "MariaDB" : meta.getDatabaseProductName());
            description.put("version", version);
            description.put("driver", meta.getDriverName() + " " + meta.getDriverVersion());
        }
        description.put("url", Config.redactUrl(url));
        return new MariaDbTarget(serverUrl, url, description);
    }

    private static String version(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT VERSION()")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** True when the server of {@code anyUrl} accepts a connection within ~2 s. */
    static boolean answers(String anyUrl) {
        Matcher m = URL.matcher(anyUrl);
        if (!m.matches()) {
            return false;
        }
        String query = m.group(2) == null ? "?connectTimeout=2000" : m.group(2) + "&connectTimeout=2000";
        try (Connection c = DriverManager.getConnection(m.group(1) + "/" + query)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(Database.withDriverOptions(jdbcUrl));
    }

    @Override
    public String name() {
        return "mariadb";
    }

    @Override
    public String ceilingUrl() {
        return url;
    }

    @Override
    public String serviceUrl(String run) {
        return url;
    }

    @Override
    public Map<String, Object> describe() {
        return description;
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = connect(serverUrl); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE);
        }
    }
}
