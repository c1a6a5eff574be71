package io.eventpipeline.bench;

import io.eventpipeline.storage.Database;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** The bench's own view of a service's events table: it empties it between phases and counts what arrived. */
final class EventTable implements AutoCloseable {
    /** Between two counts, in ms; a count of a few hundred thousand rows takes longer than this anyway. */
    static final long POLL_MILLIS = 10;

    private final Connection connection;

    EventTable(String url) throws SQLException {
        this.connection = DriverManager.getConnection(Database.withDriverOptions(url));
        connection.setAutoCommit(true); // each count sees everything committed before it started
    }

    /** When the count first reached the expected number, or not. */
    record Stored(long rows, long atNanos, boolean complete) {
    }

    long count() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Empties the tables, so that the next phase starts as the first did. Only call it while nothing is stored. */
    void truncate() throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("TRUNCATE TABLE events");
            s.execute("TRUNCATE TABLE events_dead_letter");
        }
    }

    /**
     * Counts until there are {@code expected} rows or {@code timeout} has passed. The time given is the START of the
     * first count that saw them all: every row was committed by then, so it is the later bound of the true moment.
     */
    Stored awaitCount(long expected, Duration timeout) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long rows;
        while (true) {
            long at = System.nanoTime();
            rows = count();
            if (rows >= expected) {
                return new Stored(rows, at, true);
            }
            if (at > deadline) {
                return new Stored(rows, at, false);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
