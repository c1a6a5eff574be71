package io.eventpipeline.journal;

import io.eventpipeline.errors.IoReason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead journal for accepted events: the HTTP handler appends records and answers 202 only once they are
 * on disk (or, opened with a flush interval, once they are written to the file, for the syncer's next force),
 * workers release them once they are in the database, and at start the records not yet released are handed back
 * for replay.
 *
 * <p>Three parts do the work, all under this class's one {@link #lock}: {@link Recovery} reads what earlier
 * runs left, at open; {@link Segments} keeps the segment files, rolls over to a new one when the active one is
 * full and deletes those whose records are all released (or keeps them aside if recovery found damage in them);
 * {@link GroupCommit} runs the syncer thread, so that concurrent requests share one {@code force}, and wakes
 * whoever waits for it.
 */
public final class Journal implements AutoCloseable {

    /** Segments found at open, oldest first, with their valid records in order. */
    public record RecoveredSegment(long segmentId, List<byte[]> records) {}

    /**
     * Where an append went.
     *
     * @param position end of the append in a byte offset that only grows across all segments of this journal
     *                 instance; what {@link #awaitDurable} waits for
     */
    public record Appended(long segmentId, int count, long position) {}

    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    private final Path dir;
    /** The sync marker of every record this instance writes. */
    private final int sync;
    private final List<JournalCorruption> corruptions;

    private final ReentrantLock lock = new ReentrantLock();
    private final Segments segments;
    private final GroupCommit commit;
    /** Guarded by {@link #lock}. */
    private List<RecoveredSegment> recovered;
    /** Segment files of earlier runs that the open forced. */
    private final int recoveredForced;

    private Journal(Path dir, long segmentBytes, int sync, Recovery found, Duration flushInterval,
                    int recoveredForced) {
        this.dir = dir;
        this.recoveredForced = recoveredForced;
        this.sync = sync;
        this.recovered = found.replay();
        this.corruptions = found.corruptions();
        this.commit = new GroupCommit(dir, lock, flushInterval);
        this.segments = new Segments(dir, segmentBytes, sync, found.segments(), found.nextSegmentId(),
                commit::forceBeforeRollLocked, flushInterval == null ? null : commit::rolledOutLocked);
    }

    /**
     * How many records the journal in {@code dir} holds, read without opening it (nothing is changed, no lock is
     * taken): the events a {@code --queue local} instance accepted and a start on this directory would replay. A
     * record already stored but sharing a segment with one that is not counts too (its replay is a duplicate).
     *
     * @return 0 for a missing directory or one whose segments hold no intact record
     * @throws IOException if the directory cannot be listed or a segment cannot be read
     */
    public static long recordsLeft(Path dir) throws IOException {
        return Recovery.countRecords(dir);
    }

    /**
     * Opens (creating if needed) the journal in {@code dir}, recovers the valid records of existing segments and
     * starts a new segment for appends: old segments are never appended to, so their damage cannot spread.
     * The segments left by an earlier run are forced first, whatever the tier now: a {@code journal-async} run
     * that crashed may have acknowledged records that are still in the page cache only.
     * A damaged segment is kept aside, never deleted, once its intact records are released; see
     * {@link DamagedSegments}.
     *
     * @param segmentBytes a segment is rolled over before an append would take it past this size
     * @throws IOException if the directory cannot be created or written to, or a recovered segment forced
     */
    public static Journal open(Path dir, long segmentBytes) throws IOException {
        return open(dir, segmentBytes, Segment.newSync(), null);
    }

    /**
     * As {@link #open(Path, long)}, for callers that do not wait for the force ({@code journal-async}): the syncer
     * forces at most once per {@code flushInterval}, counted from the start of its last force, whatever was
     * appended meanwhile; a roll forces nothing from the appender's thread either (the syncer forces the old
     * segment, the new one and the directory). {@link #close()} forces what is left. After a failed force every
     * later append fails.
     *
     * @param flushInterval the least time between the starts of two forces by the syncer; positive
     * @throws IOException as {@link #open(Path, long)} does
     */
    public static Journal open(Path dir, long segmentBytes, Duration flushInterval) throws IOException {
        if (!flushInterval.isPositive()) {
            throw new IllegalArgumentException("flushInterval must be positive: " + flushInterval);
        }
        return open(dir, segmentBytes, Segment.newSync(), flushInterval);
    }

    /** With a given sync marker, so that tests can know every byte of a segment. */
    static Journal open(Path dir, long segmentBytes, int sync) throws IOException {
        return open(dir, segmentBytes, sync, null);
    }

    /** @param flushInterval null to force as soon as anything is written, for callers that wait */
    private static Journal open(Path dir, long segmentBytes, int sync, Duration flushInterval) throws IOException {
        if (segmentBytes <= Segment.HEADER_BYTES) {
            throw new IllegalArgumentException("segmentBytes too small: " + segmentBytes);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the journal directory " + dir.toAbsolutePath() + ": "
                    + IoReason.of(e), e);
        }
        Recovery found = Recovery.scan(dir);
        int forced = forceRecovered(found);
        Journal journal = new Journal(dir, segmentBytes, sync, found, flushInterval, forced);
        long firstId;
        journal.lock.lock();
        try {
            firstId = journal.segments.start();
        } catch (IOException e) {
            throw new IOException("cannot write to the journal directory " + dir.toAbsolutePath() + ": "
                    + IoReason.of(e), e);
        } finally {
            journal.lock.unlock();
        }
        journal.commit.start();
        log.info("event=journal_opened dir={} replay_records={} replay_segments={} appending_segment={}",
                dir, found.records(), found.replay().size(), firstId);
        return journal;
    }

    /**
     * Forces the files of recovered segments, whose last records a crashed run may not have forced.
     *
     * @return how many were forced
     */
    private static int forceRecovered(Recovery found) throws IOException {
        int forced = 0;
        for (Segment segment : found.segments()) {
            // Opened for writing too: Linux forces a file's dirty pages through a read-only descriptor as well,
            // but some systems refuse to fsync one.
            try (FileChannel channel = FileChannel.open(segment.path, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                channel.force(false);
                forced++;
            } catch (IOException e) {
                throw new IOException("cannot force the journal segment " + segment.path.toAbsolutePath() + ": "
                        + IoReason.of(e), e);
            }
        }
        return forced;
    }

    /** Segment files of earlier runs that the open forced: every one it found, in any tier. */
    int recoveredForced() {
        return recoveredForced;
    }

    /** Segments found at open, oldest first, until {@link #takeRecovered} hands them over. */
    List<RecoveredSegment> recovered() {
        return recovered;
    }

    /**
     * Hands over the recovered segments and forgets them, so that their records are held in memory once (by the
     * caller's queue), not twice. Later calls return an empty list. The caller replays them and releases their
     * records as usual.
     */
    public List<RecoveredSegment> takeRecovered() {
        lock.lock();
        try {
            List<RecoveredSegment> taken = recovered;
            recovered = List.of();
            return taken;
        } finally {
            lock.unlock();
        }
    }

    /** Damaged ranges found at open, oldest segment first (also logged, one WARN line each). */
    public List<JournalCorruption> corruptions() {
        return corruptions;
    }

    /**
     * Appends the records to one segment, without forcing them; see {@link #awaitDurable}. If this throws, none
     * of the records count as written. If a later {@code awaitDurable} fails, the records were not accepted:
     * whoever will not hand them on to be stored should {@link #release} them. On return the records are in the
     * file (the page cache): a crash of this process cannot lose them, a power loss can until they are forced.
     *
     * @throws IOException if the write failed, the journal is closed, or (opened with a flush interval) an earlier
     *                     force failed
     * @throws IllegalArgumentException for an empty or over-long (> 64 MiB) record
     */
    public Appended append(List<byte[]> records) throws IOException {
        byte[] batch = Segment.encode(records, sync);
        lock.lock();
        try {
            commit.ensureAcceptingLocked();
            if (records.isEmpty()) {
                return new Appended(segments.active().id, 0, commit.writtenLocked());
            }
            Segment segment = segments.append(batch, records.size());
            return new Appended(segment.id, records.size(), commit.appendedLocked(segment, batch.length));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until everything up to {@code a.position()} is forced to disk.
     *
     * @throws IOException if the force that covered it failed, or the journal stopped before it
     */
    public void awaitDurable(Appended a) throws IOException, InterruptedException {
        commit.awaitDurable(a.position());
    }

    /**
     * Like {@link #awaitDurable(Appended)}, giving up after {@code timeout}.
     *
     * @return false if the timeout elapsed first (the records may still become durable later)
     */
    public boolean awaitDurable(Appended a, Duration timeout) throws IOException, InterruptedException {
        return commit.awaitDurable(a.position(), timeout);
    }

    /**
     * Appends and waits until durable. If that fails or is interrupted, the records are released again: the
     * caller will not acknowledge them, so nobody else would.
     */
    public Appended write(List<byte[]> records) throws IOException, InterruptedException {
        Appended a = append(records);
        boolean durableNow = false;
        try {
            awaitDurable(a);
            durableNow = true;
            return a;
        } finally {
            if (!durableNow) {
                release(a.segmentId(), a.count());
            }
        }
    }

    /**
     * Records that {@code n} records of segment {@code segmentId} are stored (or dead-lettered). A segment that is
     * no longer appended to is deleted once all its records are released.
     */
    public void release(long segmentId, int n) {
        if (n == 0) {
            return;
        }
        Segment doomed;
        lock.lock();
        try {
            doomed = segments.release(segmentId, n);
        } finally {
            lock.unlock();
        }
        if (doomed != null) {
            doomed.delete(); // outside the lock: workers call this after every batch, appenders must not wait on it
        }
    }

    /** The segment appends go to now. */
    Segment activeSegment() {
        lock.lock();
        try {
            return segments.active();
        } finally {
            lock.unlock();
        }
    }

    /** Number of segment files this journal manages (not counting files skipped for a bad header). */
    int segmentCount() {
        lock.lock();
        try {
            return segments.count();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the segment files this journal manages, without the zeros written ahead of the records. */
    long diskBytes() {
        lock.lock();
        try {
            return segments.diskBytes();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Opened with a flush interval: why every append is refused since a force to disk failed (the events acknowledged
     * before it may not be on disk; only a restart, which forces the segments again, clears it), or null while
     * appends are taken. Always null without a flush interval, where a failed force fails its waiters only. Cheap,
     * and takes no lock: for a readiness check.
     */
    public String forceFailure() {
        return commit.forceFailure();
    }

    /** Successful forces so far; with group commit far fewer than appends under concurrency. */
    long forceCount() {
        return commit.forceCount();
    }

    /**
     * Forces what was written (with a flush interval too, without waiting out the interval) and closes. Segments
     * with unreleased records stay on disk for the next open; the active segment is deleted if all its records
     * were released.
     */
    @Override
    public void close() throws IOException {
        closeAfter(commit.stopSyncer());
    }

    /**
     * As {@link #close()}, waiting at most {@code syncerWait} for the syncer's last force (a shutdown's share of its
     * budget) before interrupting it; what it had not forced is forced from this thread then.
     */
    public void close(Duration syncerWait) throws IOException {
        closeAfter(commit.stopSyncer(syncerWait));
    }

    /** @param syncerStopped false when another caller is closing already */
    private void closeAfter(boolean syncerStopped) throws IOException {
        if (!syncerStopped) {
            return;
        }
        lock.lock();
        try {
            IOException failure = null;
            try {
                commit.closeLocked();
            } catch (IOException e) {
                failure = e;
            }
            try {
                segments.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Journal[" + dir + "]";
    }
}
