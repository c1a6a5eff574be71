package io.eventpipeline.storage;

import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventCodec;
import io.eventpipeline.event.Timestamps;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * Plain JDBC over MySQL, MariaDB and H2 (MySQL mode). A batch becomes multi-row INSERTs in one transaction,
 * split so that no statement outgrows the server's packet limit, and idempotent on {@code id}.
 */
public final class JdbcEventRepository implements EventRepository {
    /** MariaDB's default max_allowed_packet is 16 MiB and MySQL's 64 MiB: stay well under both. */
    static final long MAX_STATEMENT_BYTES = 4L << 20;
    /** Keeps statement texts, and so the driver's statement cache, small whatever --batch-size says. */
    static final int MAX_ROWS_PER_STATEMENT = 1000;
    private static final String DEAD_LETTER_KNOWN_SQL = "SELECT 1 FROM events_dead_letter WHERE event_id = ? LIMIT 1";
    private static final String DEAD_LETTER_SQL =
            "INSERT INTO events_dead_letter (event_id, event, error, attempts) VALUES (?, ?, ?, ?)";

    private final DataSource dataSource;
    private final Dialect dialect;
    private final ConcurrentHashMap<Integer, String> insertSql = new ConcurrentHashMap<>();

    public JdbcEventRepository(DataSource dataSource, Dialect dialect) {
        this.dataSource = dataSource;
        this.dialect = dialect;
    }

    @Override
    public int insert(List<Event> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        try (Connection c = dataSource.getConnection()) {
            return insert(c, events);
        }
    }

    /**
     * Stores the events on a connection the caller holds, as {@link #insert(List)} does: what the benchmark's
     * database phases time, so that they measure the service's own statements.
     */
    public int insert(Connection c, List<Event> events) throws SQLException {
        // Several statements go in one transaction: all or none. (The pool restores auto-commit on return.)
        boolean transaction = statementEnd(events, 0) < events.size();
        if (transaction) {
            c.setAutoCommit(false);
        }
        try {
            int inserted = 0;
            for (int from = 0, to; from < events.size(); from = to) {
                to = statementEnd(events, from);
                inserted += insertRange(c, events, from, to);
            }
            if (transaction) {
                c.commit();
            }
            return inserted;
        } catch (SQLException | RuntimeException e) {
            if (transaction) {
                rollbackQuietly(c, e);
            }
            throw e;
        }
    }

    /** The end (exclusive) of the statement that starts at {@code from}: as many rows as fit the byte budget. */
    private static int statementEnd(List<Event> events, int from) {
        long bytes = 0;
        int i = from;
        while (i < events.size()) {
            bytes += events.get(i).sizeBytes();
            if ((bytes > MAX_STATEMENT_BYTES || i - from == MAX_ROWS_PER_STATEMENT) && i > from) {
                break;
            }
            i++;
        }
        return i;
    }

    private int insertRange(Connection c, List<Event> events, int from, int to) throws SQLException {
        int rows = to - from;
        String sql = insertSql.computeIfAbsent(rows, this::buildInsertSql);
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int p = 1;
            for (int i = from; i < to; i++) {
                Event e = events.get(i);
                ps.setString(p++, e.id());
                ps.setString(p++, e.type());
                ps.setString(p++, e.source());
                if (e.userId() == null) {
                    ps.setNull(p++, Types.VARCHAR);
                } else {
                    ps.setString(p++, e.userId());
                }
                if (e.timestamp() == null) {
                    ps.setNull(p++, Types.TIMESTAMP);
                } else {
                    ps.setString(p++, datetime(e.timestamp()));
                }
                ps.setString(p++, new String(e.data(), StandardCharsets.UTF_8));
                ps.setString(p++, datetime(e.receivedAt()));
                if (e.keyName() == null) {
                    ps.setNull(p++, Types.VARCHAR);
                } else {
                    ps.setString(p++, e.keyName());
                }
            }
            return ps.executeUpdate();
        }
    }

    /**
     * DATETIME(3) text in UTC. Bound as text because mysql-connector-j takes MariaDB's "5.5.5-10.x" version
     * prefix for a server without fractional seconds, and drops the milliseconds of a bound LocalDateTime.
     */
    static String datetime(Instant t) {
        return Timestamps.formatDatetimeMillis(t);
    }

    private String buildInsertSql(int rows) {
        String row = "(?, ?, ?, ?, ?, " + dialect.jsonParameter() + ", ?, ?)";
        StringBuilder sb = new StringBuilder(96 + rows * (row.length() + 2));
        sb.append("INSERT INTO events (id, type, source, user_id, event_time, data, received_at, key_name) VALUES ");
        for (int i = 0; i < rows; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(row);
        }
        // A no-op update, so that only a duplicate id is passed over; every other error still fails the insert.
        sb.append(" ON DUPLICATE KEY UPDATE id = id");
        return sb.toString();
    }

    /**
     * Looks for the id first: a dead-lettered event whose journal segment outlived it (other events of the segment
     * were still unstored at a crash or a stop) is replayed and refused again at the next start. Two instances
     * refusing the same id at the same moment could still both write it; nothing else does.
     */
    @Override
    public boolean deadLetter(Event event, String error, int attempts) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement known = c.prepareStatement(DEAD_LETTER_KNOWN_SQL)) {
                known.setString(1, event.id());
                try (ResultSet rs = known.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement(DEAD_LETTER_SQL)) {
                ps.setString(1, event.id());
                ps.setString(2, EventCodec.toJson(event));
                ps.setString(3, error.length() > 4000 ? error.substring(0, 4000) : error);
                ps.setInt(4, attempts);
                ps.executeUpdate();
                return true;
            }
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }
}
