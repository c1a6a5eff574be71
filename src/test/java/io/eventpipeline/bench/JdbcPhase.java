package io.eventpipeline.bench;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.config.Config;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs a database-only phase in the bench JVM: a pool built exactly as the service builds its own (same driver URL
 * options, same session settings), fresh tables from the service's schema, and {@code connections} threads that
 * each hold one connection and repeat a step until the time is up.
 */
final class JdbcPhase {
    /** One round of a phase on its connection: returns the rows it inserted. */
    interface Step {
        int run(Connection c) throws SQLException;
    }

    /**
     * What a phase stored, how many rows a COUNT(*) found afterwards (they should agree), and how many cores the
     * whole machine kept busy meanwhile (the database's, the bench's and anyone else's work).
     */
    record Result(int connections, int rowsPerStatement, long rows, double seconds, double eventsPerSecond,
            long countedRows, double machineBusyCores, double warmupSeconds) {
    }

    private JdbcPhase() {
    }

    static Result run(String url, Path scratch, int connections, int rowsPerStatement, WarmUp.Plan warmUp,
            Duration duration, Step step) throws Exception {
        Config config = Config.builder().dbUrl(url).dataDir(scratch).build();
        try (HikariDataSource pool = Database.pool(config, "bench-jdbc", connections, Duration.ofSeconds(5))) {
            Database.awaitReachable(pool, url, Duration.ofSeconds(10));
            Dialect dialect = Dialect.of(url);
            // Warm up as the servers are warmed up, so that (b) and (c) are not measured with a cold JIT.
            recreateTables(pool, dialect);
            WarmUp.Done warm = WarmUp.run(warmUp, d -> repeat(pool, connections, d, step)[0] / (d.toNanos() / 1e9));
            recreateTables(pool, dialect);
            long start = System.nanoTime();
            MachineCpu machine = MachineCpu.start();
            long[] rowsAndEnd = repeat(pool, connections, duration, step);
            double busyCores = machine.busyCores();
            double seconds = (rowsAndEnd[1] - start) / 1e9;
            return new Result(connections, rowsPerStatement, rowsAndEnd[0], seconds,
                    seconds > 0 ? rowsAndEnd[0] / seconds : 0, count(pool), busyCores, warm.seconds());
        }
    }

    /** Each connection repeats the step until the time is up; returns the rows and when the last step ended. */
    private static long[] repeat(HikariDataSource pool, int connections, Duration duration, Step step)
            throws SQLException, InterruptedException {
        LongAdder rows = new LongAdder();
        long[] lastEnd = new long[connections];
        AtomicReference<Exception> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            int slot = i;
            threads.add(Thread.ofPlatform().name("bench-jdbc-" + i).start(() -> {
                try (Connection c = pool.getConnection()) {
                    while (System.nanoTime() < deadline && failure.get() == null) {
                        rows.add(step.run(c));
                        lastEnd[slot] = System.nanoTime();
                    }
                } catch (SQLException | RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            // A statement is bounded by the driver's socket timeout (60 s), so the join is bounded too.
            t.join(duration.plusSeconds(90));
        }
        if (failure.get() != null) {
            throw new SQLException("the JDBC phase failed: " + Messages.rootMessage(failure.get()), failure.get());
        }
        long end = start;
        for (long t : lastEnd) {
            end = Math.max(end, t);
        }
        return new long[] {rows.sum(), end};
    }

    /** Drops and recreates the service's tables, so that every phase starts from the same empty schema. */
    private static void recreateTables(HikariDataSource pool, Dialect dialect) throws SQLException, StartupException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS events");
            s.execute("DROP TABLE IF EXISTS events_dead_letter");
        }
        Database.applySchema(pool, dialect);
    }

    private static long count(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
