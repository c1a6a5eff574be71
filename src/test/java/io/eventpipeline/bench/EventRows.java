package io.eventpipeline.bench;

import io.eventpipeline.event.Event;
import io.eventpipeline.storage.Dialect;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The service's INSERT, written out again for the JDBC phases: the same columns, the same JSON placeholder, the same
 * idempotent ON DUPLICATE KEY clause and the same bindings as {@code JdbcEventRepository}, so that (b) and (c)
 * differ from the service only in what they leave out. Keep the two in step.
 */
final class EventRows {
    /** Times go as DATETIME(3) text in UTC, as the service binds them (the driver drops MariaDB's milliseconds). */
    private static final DateTimeFormatter DATETIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
    private EventRows() {
    }

    static String insertSql(Dialect dialect, int rows) {
        String row = "(?, ?, ?, ?, ?, " + dialect.jsonParameter() + ", ?)";
        StringBuilder sb = new StringBuilder(96 + rows * (row.length() + 2));
        sb.append("INSERT INTO events (id, type, source, user_id, event_time, data, received_at) VALUES ");
        for (int i = 0; i < rows; i++) {
            sb.append(i > 0 ? ", " : "").append(row);
        }
        return sb.append(" ON DUPLICATE KEY UPDATE id = id").toString();
    }

    static void bind(PreparedStatement ps, List<Event> events) throws SQLException {
        int p = 1;
        for (Event e : events) {
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
                ps.setString(p++, DATETIME.format(LocalDateTime.ofInstant(e.timestamp(), ZoneOffset.UTC)));
            }
            ps.setString(p++, new String(e.data(), StandardCharsets.UTF_8));
            ps.setString(p++, DATETIME.format(LocalDateTime.ofInstant(e.receivedAt(), ZoneOffset.UTC)));
        }
    }
}
