package io.eventpipeline.bench;

import java.util.Map;

/**
 * A database the bench runs against: MariaDB/MySQL from PIPELINE_BENCH_DB_URL, or the embedded H2. It owns what it
 * creates for the run (a dedicated database, a temporary directory) and removes it on close.
 */
interface BenchTarget extends AutoCloseable {
    /** "mariadb" or "h2": the key in results.json and the --targets value. */
    String name();

    /** The URL that the bench's own JDBC phases, (b) and (c), open in the bench JVM. */
    String ceilingUrl();

    /** The --db-url of one service process; {@code run} names it, where the target keeps runs apart. */
    String serviceUrl(String run);

    /** Product, version and (password-free) URL, for the report. */
    Map<String, Object> describe();

    @Override
    void close() throws Exception;
}
