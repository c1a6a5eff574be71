package io.eventpipeline.storage;

/** The few places where MySQL/MariaDB and the embedded H2 need different SQL. */
public enum Dialect {
    MYSQL("schema.sql", "?", "SET time_zone = '+00:00'"),
    // H2 stores a string bound into a JSON column as a JSON string unless it is marked as JSON text.
    H2("schema-h2.sql", "? FORMAT JSON", "SET TIME ZONE 'UTC'");

    private final String schemaResource;
    private final String jsonParameter;
    private final String sessionInitSql;

    Dialect(String schemaResource, String jsonParameter, String sessionInitSql) {
        this.schemaResource = schemaResource;
        this.jsonParameter = jsonParameter;
        this.sessionInitSql = sessionInitSql;
    }

    public static Dialect of(String jdbcUrl) {
        return jdbcUrl.startsWith("jdbc:h2:") ? H2 : MYSQL;
    }

    public String schemaResource() {
        return schemaResource;
    }

    /** The placeholder that binds a JSON document's text as JSON, not as a JSON string. */
    public String jsonParameter() {
        return jsonParameter;
    }

    /** Run on every new connection: times are stored and read in UTC whatever the server's zone. */
    public String sessionInitSql() {
        return sessionInitSql;
    }
}
