package io.eventpipeline.storage;

import io.eventpipeline.storage.EventPage.Position;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The read side of the events table: one event by id, and pages of a newest-first walk ({@code created_at DESC,
 * seq DESC}) that go on from a keyset position, never an offset, so that rows arriving meanwhile cannot shift a
 * walk into seeing a row twice or passing one over. Meant for a small pool of its own, so that reads never hold a
 * connection a writer is waiting for.
 */
public final class EventReader {
    /**
     * A page ends early once its events' data reach this many characters, so that a page of 1000 large events
     * does not become one response of tens of megabytes. A page always holds at least one event.
     */
    static final int MAX_PAGE_DATA_CHARS = 4 << 20;
    /** An unindexed query over a large table must not hold one of the few read connections for long. */
    public static final int QUERY_TIMEOUT_SECONDS = 10;

    private static final String COLUMNS =
            "seq, id, type, source, user_id, event_time, data, received_at, created_at, key_name";
    private static final String BY_ID = "SELECT " + COLUMNS + " FROM events WHERE id = ?";
    private static final DateTimeFormatter DB_DATETIME = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    private final DataSource dataSource;
    private final Dialect dialect;
    private final int maxPageDataChars;

    public EventReader(DataSource dataSource, Dialect dialect) {
        this(dataSource, dialect, MAX_PAGE_DATA_CHARS);
    }

    EventReader(DataSource dataSource, Dialect dialect, int maxPageDataChars) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.maxPageDataChars = maxPageDataChars;
    }

    public Optional<StoredEvent> findById(String id) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(BY_ID)) {
            ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /**
     * One page of the events that match the query, newest first.
     *
     * @param limit the most events in the page (fewer when their data is large: see {@link #MAX_PAGE_DATA_CHARS})
     * @param after where the walk stands; empty for its first page, which fixes the walk's {@code maxSeq}
     */
    public EventPage page(EventQuery query, int limit, Optional<Position> after) throws SQLException {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        try (Connection c = dataSource.getConnection()) {
            long maxSeq = after.isPresent() ? after.get().maxSeq() : maxSeq(c);
            Sql sql = pageSql(query, limit + 1, maxSeq, after);
            try (PreparedStatement ps = sql.prepare(c)) {
                if (dialect == Dialect.MYSQL) {
                    // Stream rows instead of buffering all limit + 1 of them: the data budget below then bounds
                    // memory. Closing the result set early discards the rest of the (bounded) stream.
                    ps.setFetchSize(Integer.MIN_VALUE);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    List<StoredEvent> events = new ArrayList<>();
                    long chars = 0;
                    boolean more = false;
                    while (rs.next()) {
                        if (events.size() == limit || chars >= maxPageDataChars) {
                            more = true;
                            break;
                        }
                        StoredEvent e = row(rs);
                        events.add(e);
                        chars += e.data().length();
                    }
                    Optional<Position> next = Optional.empty();
                    if (more) {
                        StoredEvent last = events.getLast();
                        next = Optional.of(new Position(last.createdAt(), last.seq(), maxSeq));
                    }
                    return new EventPage(List.copyOf(events), next);
                }
            }
        }
    }

    /** The largest seq stored: the rows a walk starting now covers. 0 when the table is empty. */
    private static long maxSeq(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            try (ResultSet rs = s.executeQuery("SELECT MAX(seq) FROM events")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    /** A statement text with placeholders only, and the values to bind to them in order. */
    record Sql(String text, List<Object> params) {
        PreparedStatement prepare(Connection c) throws SQLException {
            PreparedStatement ps = c.prepareStatement(text);
            try {
                ps.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
                for (int i = 0; i < params.size(); i++) {
                    switch (params.get(i)) {
                        case String s -> ps.setString(i + 1, s);
                        case Long n -> ps.setLong(i + 1, n);
                        case Integer n -> ps.setInt(i + 1, n);
                        default -> throw new IllegalStateException("cannot bind " + params.get(i).getClass());
                    }
                }
                return ps;
            } catch (SQLException | RuntimeException e) {
                ps.close();
                throw e;
            }
        }
    }

    /**
     * The page query. With a type or user_id filter it walks the (type, created_at) or (user_id, created_at) index
     * backwards: InnoDB appends the primary key (seq) to every secondary index, so the index order is exactly
     * {@code created_at DESC, seq DESC} and no sort is needed.
     */
    static Sql pageSql(EventQuery q, int fetch, long maxSeq, Optional<Position> after) {
        StringBuilder sql = new StringBuilder(256).append("SELECT ").append(COLUMNS)
                .append(" FROM events WHERE seq <= ?");
        List<Object> params = new ArrayList<>();
        params.add(maxSeq);
        if (q.type() != null) {
            sql.append(" AND type = ?");
            params.add(q.type());
        }
        if (q.source() != null) {
            sql.append(" AND source = ?");
            params.add(q.source());
        }
        if (q.userId() != null) {
            sql.append(" AND user_id = ?");
            params.add(q.userId());
        }
        // created_at holds milliseconds: >= since and < until are exact once both are rounded up to one.
        if (q.since() != null) {
            sql.append(" AND created_at >= ?");
            params.add(JdbcEventRepository.datetime(ceilMillis(q.since())));
        }
        if (q.until() != null) {
            sql.append(" AND created_at < ?");
            params.add(JdbcEventRepository.datetime(ceilMillis(q.until())));
        }
        if (after.isPresent()) {
            // The first condition follows from the second; it is there for the range optimizer, which does not
            // see through the OR to the bound on the index's second column.
            String at = JdbcEventRepository.datetime(after.get().createdAt());
            sql.append(" AND created_at <= ? AND (created_at < ? OR (created_at = ? AND seq < ?))");
            params.add(at);
            params.add(at);
            params.add(at);
            params.add(after.get().seq());
        }
        sql.append(" ORDER BY created_at DESC, seq DESC LIMIT ?");
        params.add(fetch);
        return new Sql(sql.toString(), List.copyOf(params));
    }

    static Instant ceilMillis(Instant t) {
        Instant down = t.truncatedTo(ChronoUnit.MILLIS);
        return down.equals(t) ? t : down.plusMillis(1);
    }

    private static StoredEvent row(ResultSet rs) throws SQLException {
        return new StoredEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                instant(rs.getString(6)), rs.getString(7), instant(rs.getString(8)), instant(rs.getString(9)),
                rs.getString(10));
    }

    /**
     * A DATETIME(3) column's text as an instant. Read as text, like it is written, because every connection runs
     * in UTC and mysql-connector-j's date-time conversions are not to be trusted with milliseconds on MariaDB.
     */
    static Instant instant(String dbText) {
        return dbText == null ? null : LocalDateTime.parse(dbText, DB_DATETIME).toInstant(ZoneOffset.UTC);
    }
}
