package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.sql.BatchUpdateException;
import java.sql.SQLDataException;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.sql.SQLRecoverableException;
import java.sql.SQLSyntaxErrorException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FailuresTest {

    private static SQLException sql(String state, int code) {
        return new SQLException("reason", state, code);
    }

    private static SQLException causedBy(Throwable cause) {
        return new SQLException("wrapper", "HY000", 0, cause);
    }

    static Stream<Arguments> transient_failures() {
        return Stream.of(
                arguments("08S01 communication link failure", sql("08S01", 0)),
                arguments("08001 cannot connect", sql("08001", 0)),
                arguments("08003 connection does not exist", sql("08003", 0)),
                arguments("08006 connection failure", sql("08006", 0)),
                arguments("40001 serialization failure / deadlock", sql("40001", 1213)),
                arguments("40001 without an error code", sql("40001", 0)),
                arguments("MySQL 1205 lock wait timeout (HY000)", sql("HY000", 1205)),
                arguments("MySQL 1213 deadlock without a state", sql(null, 1213)),
                arguments("MySQL 3101 Group Replication certification conflict", sql("40000", 3101)),
                arguments("MySQL 1040 too many connections", sql("08004", 1040)),
                arguments("MySQL 2013 lost connection", sql("HY000", 2013)),
                arguments("MySQL 1290 read-only during fail-over", sql("HY000", 1290)),
                arguments("H2 90067 connection broken", sql("90067", 90067)),
                arguments("HYT00 timeout", sql("HYT00", 0)),
                arguments("SQLTransientConnectionException", new SQLTransientConnectionException("pool timeout")),
                arguments("SQLTimeoutException", new SQLTimeoutException("query timeout")),
                arguments("SQLTransactionRollbackException", new SQLTransactionRollbackException("deadlock")),
                arguments("SQLRecoverableException", new SQLRecoverableException("connection reset")),
                arguments("a socket failure", new SocketTimeoutException("read timed out")),
                arguments("an I/O failure unchecked", new UncheckedIOException(new EOFException("eof"))),
                arguments("a transient SQLException wrapped in a RuntimeException",
                        new RuntimeException(sql("08S01", 0))),
                arguments("a transient SQLException two levels down",
                        new IllegalStateException("x", causedBy(sql("40001", 1213)))),
                arguments("a batch failure caused by a lost connection",
                        new BatchUpdateException("batch", "HY000", 0, new int[0], sql("08S01", 0))),
                arguments("a pool timeout under a generic SQLException",
                        causedBy(new SQLTransientConnectionException("Connection is not available"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transient_failures")
    void retries_for_as_long_as_it_takes(String why, Throwable failure) {
        assertThat(Failures.isTransient(failure)).isTrue();
    }

    static Stream<Arguments> permanent_failures() {
        return Stream.of(
                arguments("23000 integrity constraint", new SQLIntegrityConstraintViolationException("dup", "23000", 1062)),
                arguments("23000 as a plain SQLException", sql("23000", 1048)),
                arguments("22001 data too long", sql("22001", 1406)),
                arguments("22001 as SQLDataException", new SQLDataException("too long", "22001", 1406)),
                arguments("22032 invalid JSON text", sql("22032", 3140)),
                arguments("22007 incorrect datetime", sql("22007", 1292)),
                arguments("45000 SIGNAL from a trigger", sql("45000", 1644)),
                arguments("42000 syntax error", new SQLSyntaxErrorException("syntax", "42000", 1064)),
                arguments("42S02 table does not exist", sql("42S02", 1146)),
                arguments("HY000 without a known code", sql("HY000", 1366)),
                arguments("no state, no code", new SQLException("?")),
                arguments("a permanent cause under a wrapper", new RuntimeException(sql("23000", 1062))),
                arguments("a batch failure caused by bad data",
                        new BatchUpdateException("batch", "22001", 1406, new int[0], sql("22001", 1406))),
                arguments("a plain RuntimeException", new IllegalArgumentException("bad")),
                arguments("an Error", new OutOfMemoryError("not really")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permanent_failures")
    void gives_up_after_max_retries(String why, Throwable failure) {
        assertThat(Failures.isTransient(failure)).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("permanent_failures")
    void a_transient_cause_anywhere_in_the_chain_makes_it_transient(String why, Throwable failure) {
        Throwable deepest = failure;
        while (deepest.getCause() != null) {
            deepest = deepest.getCause();
        }
        deepest.initCause(new IOException("connection reset"));

        assertThat(Failures.isTransient(failure)).isTrue();
    }
}
