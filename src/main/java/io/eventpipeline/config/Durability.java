package io.eventpipeline.config;

import java.util.Locale;

/**
 * What a 202 promises with {@code --queue local}; README's "What each durability tier promises" is the table.
 *
 * <ul>
 *   <li>{@link #JOURNAL}: the events are forced to local disk before the 202 (survives power loss);
 *   <li>{@link #JOURNAL_ASYNC}: the events are written to the journal file (the operating system's page cache)
 *       before the 202 and forced by the journal's next force (forces start at least
 *       {@code --journal-flush-interval} apart): a crash of the process loses nothing, a power loss or kernel
 *       crash the 202s of about the last max(interval, one force's time) + one force's time. The trade-off of
 *       PostgreSQL's {@code synchronous_commit = off} and MySQL's {@code innodb_flush_log_at_trx_commit = 2}
 *       (their defaults flush at each commit, as {@link #JOURNAL} does); Kafka's default flush goes further,
 *       with no time bound;
 *   <li>{@link #MEMORY}: the events are in memory only; a clean stop keeps what is unstored on disk.
 * </ul>
 */
public enum Durability {
    JOURNAL,
    JOURNAL_ASYNC,
    MEMORY;

    /**
     * The name the flag, /health and the logs use: the constant's name in lower case with '-' for '_'
     * ({@code journal-async}); the rule {@code --durability}'s converter matches by.
     */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
