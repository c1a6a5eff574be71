package io.eventpipeline.journal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segment files of one journal: the active segment that appends go to, rolling over to a new one when it is
 * full, and the release count of every segment. A segment that is no longer appended to and whose records are
 * all released is deleted, which keeps the journal small; the active one goes when the journal closes.
 *
 * <p>Not thread-safe: {@link Journal} calls it under its lock, except {@link Segment#delete}, which the caller
 * runs outside the lock on what {@link #release} hands back.
 */
final class Segments {

    /** Forces what was written to the active segment: a roll does it before closing the segment. */
    @FunctionalInterface
    interface Force {
        /**
         * @throws IOException if the append that rolls must fail: the journal takes no more appends since the
         *                     force failed ({@code journal-async}); not where the failure was only its waiters'
         */
        void force() throws IOException;
    }

    private static final Logger log = LoggerFactory.getLogger(Segments.class);

    private final Path dir;
    private final long segmentBytes;
    /** The sync marker of every segment this journal instance creates. */
    private final int sync;
    private final Force beforeRoll;
    /** With journal-async: takes the segment a roll closed to appends, to force and close it off the lock. */
    private final Consumer<Segment> rolledOut;
    /** All segments with a file on disk, by id, oldest first. */
    private final Map<Long, Segment> segments = new LinkedHashMap<>();
    private Segment active;
    private long nextSegmentId;
    private boolean closed;

    /**
     * @param segmentBytes a segment is rolled over before an append would take it past this size
     * @param recovered    segments found at open, oldest first, each with its records unreleased
     * @param nextId       the id of the first segment to create: above every id the directory has used
     * @param beforeRoll   forces the active segment before a roll closes it; if it throws, the roll still
     *                     happens and the append that rolled fails with it. Not called with {@code rolledOut}
     * @param rolledOut    null to force at each roll from the appender's thread ({@code journal}); else
     *                     ({@code journal-async}) a roll forces nothing: it creates the new segment unforced and
     *                     hands the old one, still open, to this, which forces and closes both later
     */
    Segments(Path dir, long segmentBytes, int sync, List<Segment> recovered, long nextId, Force beforeRoll,
             Consumer<Segment> rolledOut) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.sync = sync;
        this.beforeRoll = beforeRoll;
        this.rolledOut = rolledOut;
        this.nextSegmentId = nextId;
        recovered.forEach(s -> segments.put(s.id, s));
    }

    /**
     * Creates the first active segment. Old segments are never appended to, so their damage cannot spread.
     *
     * @return its id
     */
    long start() throws IOException {
        active = Segment.create(dir, nextSegmentId++, sync);
        segments.put(active.id, active);
        return active.id;
    }

    Segment active() {
        return active;
    }

    /**
     * Writes an encoded batch of {@code records} records to the active segment, rolling over first if it is full
     * or sealed. If this throws, nothing of the batch is in any segment.
     *
     * @return the segment written to
     */
    Segment append(byte[] batch, int records) throws IOException {
        if (active.sealed || (active.hasRecords() && active.size() + batch.length > segmentBytes)) {
            roll();
        }
        Segment segment = active;
        long before = segment.size();
        try {
            segment.write(batch);
        } catch (IOException e) {
            undo(segment, before, e);
            if (!reclaim(segment, e)) {
                throw e;
            }
            before = segment.size();
            try {
                segment.write(batch);
            } catch (IOException again) {
                undo(segment, before, again);
                throw again;
            }
        }
        segment.unreleased += records;
        return segment;
    }

    /**
     * After a failed write (a full disk, most likely): if every record of the active segment is stored, they are
     * garbage that may be all that fills the disk, and nothing else would ever delete them, since only a segment
     * that is no longer appended to is deleted. So the segment is cut back to its header for one more try.
     * No waiter is affected: a record being waited for is not released yet.
     *
     * @return true if space was reclaimed and the write is worth repeating
     */
    private boolean reclaim(Segment segment, IOException failure) {
        if (segment != active || segment.sealed || segment.unreleased > 0 || !segment.hasRecords()) {
            return false;
        }
        long size = segment.size();
        try {
            segment.truncate(Segment.HEADER_BYTES);
        } catch (IOException e) {
            failure.addSuppressed(e);
            return false;
        }
        log.warn("Journal segment {}: write failed ({}); reclaimed {} bytes of stored records and trying again",
                segment, failure.getMessage(), size - Segment.HEADER_BYTES);
        return true;
    }

    /** A failed write may have left part of the batch in the file; recovery must never see it. */
    private void undo(Segment segment, long before, IOException failure) {
        try {
            segment.truncate(before);
            return;
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
        log.warn("event=journal_undo_failed segment={} error=\"{}\" note=\"abandoning the segment\"", segment,
                failure.toString());
        segment.sealed = true;
        try {
            roll();
        } catch (IOException e) {
            // The segment stays sealed, so the next append tries to roll again.
            failure.addSuppressed(e);
        }
    }

    /**
     * Forces and closes the active segment and starts a new one. Rare (once per segment), so done under the
     * journal's lock; waiters whose records were in the old segment are released by the force here. With
     * {@link #rolledOut} nothing is forced here: the old segment is handed over, open, and the new one is created
     * unforced, so that appenders do not wait for three {@code fsync}s (their records are only promised within the
     * flush interval, and the syncer forces both segments and the directory by then).
     *
     * @throws IOException if the new segment cannot be created (nothing changed then), or, after the roll, if the
     *                     force refused the append that rolls (see {@link Force#force})
     */
    private void roll() throws IOException {
        Segment next = Segment.create(dir, nextSegmentId++, sync, rolledOut == null);
        Segment old = active;
        IOException refused = null;
        if (rolledOut != null) {
            rolledOut.accept(old);
        } else {
            try {
                beforeRoll.force();
            } catch (IOException e) {
                refused = e;
            }
            try {
                old.close();
            } catch (IOException e) {
                log.warn("event=journal_close_failed segment={} error=\"{}\"", old, e.toString());
            }
        }
        active = next;
        segments.put(next.id, next);
        if (old.unreleased == 0) {
            segments.remove(old.id);
            old.delete(); // handed over still open: forcing an open descriptor of a deleted file is harmless
        }
        if (refused != null) {
            throw refused;
        }
    }

    /**
     * Records that {@code n} records of segment {@code segmentId} are stored (or dead-lettered). A caller's
     * miscount is logged, not thrown: the records are stored either way.
     *
     * @return a segment that is no longer appended to and has no unreleased records left: forgotten here, for the
     *         caller to {@link Segment#delete} outside the lock; otherwise null
     */
    Segment release(long segmentId, int n) {
        Segment segment = segments.get(segmentId);
        if (segment == null || n < 0) {
            log.warn("event=journal_release_ignored records={} segment={} reason=\"{}\" note=\"a caller bug\"", n,
                    segmentId, n < 0 ? "negative count" : "no such segment, or already fully released");
            return null;
        }
        if (n > segment.unreleased) {
            log.warn("event=journal_release_excess records={} segment={} unreleased={} note=\"a caller bug\"",
                    n, segmentId, segment.unreleased);
        }
        segment.unreleased = Math.max(0, segment.unreleased - n);
        if (segment.unreleased == 0 && (segment != active || closed)) {
            segments.remove(segmentId);
            return segment;
        }
        return null;
    }

    /** Number of segment files managed (not counting files recovery left alone or kept aside). */
    int count() {
        return segments.size();
    }

    /** Bytes of the managed segment files that hold the header and records, without the zeros written ahead. */
    long diskBytes() {
        return segments.values().stream().mapToLong(Segment::size).sum();
    }

    /**
     * Closes the active segment, after its last force, and deletes it if all its records are released. Segments
     * with unreleased records stay on disk for the next open.
     */
    void close() throws IOException {
        closed = true;
        IOException failure = null;
        try {
            active.close();
        } catch (IOException e) {
            failure = e;
        }
        if (active.unreleased == 0) {
            segments.remove(active.id);
            active.delete();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
