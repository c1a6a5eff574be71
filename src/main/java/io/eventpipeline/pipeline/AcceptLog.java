package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Where accepted events are kept until the database has them: the durable journal, or nothing at all in
 * memory mode. Both keep what is left unstored at shutdown on local disk, and hand it back at the next start.
 */
public interface AcceptLog extends AutoCloseable {
    /** Keeps the events and returns their segment (for {@link #stored}); durable on return in journal mode. */
    long append(List<Event> events) throws IOException, InterruptedException;

    /** {@code n} events of {@code segment} are in the database (or its dead letter) now. */
    void stored(long segment, int n);

    /**
     * At shutdown: the events not stored in time. Kept on disk unless they are there already, waiting at most
     * {@code within} for the disk to confirm the write.
     *
     * @throws IOException if the write failed, or the disk did not confirm it within {@code within} (the events may
     *     still reach the disk before the exit, or not)
     */
    void keep(List<Envelope> unstored, Duration within) throws IOException;

    /** At start: events left unstored by an earlier run, each with the segment to release once stored. */
    List<Envelope> recover() throws IOException;

    /** Damaged ranges found in the journal at start, each logged; what they held is lost. 0 without a journal. */
    int corruptions();

    /**
     * Why the log takes no more events until the service is restarted (a journal whose force to disk failed after
     * the 202s), or null while it takes them; read by readiness, so cheap and without waiting. This default, for a
     * log that cannot fail that way, is null.
     */
    default String failure() {
        return null;
    }

    /** Human words for /health and the start-up log. */
    String describe();

    @Override
    void close() throws IOException;

    /**
     * Closes, waiting at most about {@code within} for what the close waits on (a journal's last force). This
     * default, for a log with nothing to wait on, calls {@link #close()}.
     */
    default void close(Duration within) throws IOException {
        close();
    }
}
