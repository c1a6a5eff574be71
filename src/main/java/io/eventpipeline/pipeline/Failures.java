package io.eventpipeline.pipeline;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Tells a failure that will pass (the database is away, busy or deadlocked: retry for as long as it takes) from
 * one that will not (the database refuses this data: retry a few times, then isolate the bad events).
 */
public final class Failures {
    private Failures() {
    }

    public static boolean isTransient(Throwable t) {
        int depth = 0;
        for (Throwable x = t; x != null && depth < 32; x = x.getCause(), depth++) { // bounded: causes may loop
            if (x instanceof SQLTransientException || x instanceof SQLRecoverableException) {
                return true;
            }
            if (x instanceof SQLException e && isTransientSql(e)) {
                return true;
            }
            if (x instanceof java.io.IOException) {
                return true; // a socket failure underneath the driver
            }
        }
        return false;
    }

    private static boolean isTransientSql(SQLException e) {
        String state = e.getSQLState();
        int code = e.getErrorCode();
        if (state != null && (state.startsWith("08") || state.equals("40001") || state.equals("HYT00")
                || state.equals("57P01"))) {
            return true; // connection exceptions, serialization failure/deadlock, timeout
        }
        return switch (code) {
            case 1205, 1213 -> true; // lock wait timeout, deadlock
            case 3101 -> true; // Group Replication rolled the commit back at certification: a conflict
            case 1040, 1053, 1077, 1079, 1080, 1152, 1158, 1159, 1160, 1161 -> true; // too many connections,
            // server shutdown, aborted connection, network read/write errors, packet errors
            case 1290, 1836 -> true; // read-only (fail-over in progress)
            case 2002, 2003, 2006, 2013, 2055 -> true; // client: cannot connect, server gone, lost connection
            case 90067, 90098, 90108, 90121 -> true; // H2: connection broken, database closed, out of memory, closing
            default -> false;
        };
    }
}
