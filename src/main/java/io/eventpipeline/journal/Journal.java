package io.eventpipeline.journal;

import io.eventpipeline.errors.IoReason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Write-ahead journal for accepted events: the HTTP handler appends records and answers 202 only once they are
 * on disk, workers release them once they are in the database, and at start the records not yet released are
 * handed back for replay.
 *
 * <p>Appends only write into the page cache, under {@link #lock}. A single syncer thread forces whatever has
 * been written since its last force, so concurrent requests share one {@code force} (group commit): a request
 * waits for the next force, not for one of its own.
 *
 * <p>Records live in segment files; a segment that is no longer appended to and whose records are all released
 * is deleted, which keeps the journal small, unless recovery found damage in it: then it is kept aside.
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

    /** Positions in (from, to] were written but their force failed. */
    private record ForceFailure(long from, IOException cause) {}

    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final Duration SYNCER_STOP_WAIT = Duration.ofSeconds(10);

    private final Path dir;
    private final long segmentBytes;
    /** The sync marker of every record this instance writes. */
    private final int sync;
    private List<RecoveredSegment> recovered;
    private final List<JournalCorruption> corruptions;
    private final Thread syncer;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when there is something to force, or on close. */
    private final Condition syncNeeded = lock.newCondition();
    /** Signalled whenever {@link #synced} moves or the journal stops. */
    private final Condition durable = lock.newCondition();

    // Everything below is guarded by lock.
    /** All segments with a file on disk, by id, oldest first. */
    private final Map<Long, Segment> segments = new LinkedHashMap<>();
    /** Keyed by the end of each failed range; failures are rare, so this stays tiny. */
    private final TreeMap<Long, ForceFailure> forceFailures = new TreeMap<>();
    private Segment active;
    private long nextSegmentId;
    /** End of the last successful append. */
    private long written;
    /** Everything up to here is either forced or in a failed range: nobody needs to wait for it any more. */
    private long synced;
    private long forceCount;
    private boolean closing;
    private boolean closed;
    /** Set when the syncer has stopped: appends are refused and waiters beyond {@link #synced} fail with it. */
    private IOException stopped;

    private Journal(Path dir, long segmentBytes, int sync, long nextSegmentId, List<Segment> kept,
                    List<RecoveredSegment> recovered, List<JournalCorruption> corruptions) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.sync = sync;
        this.nextSegmentId = nextSegmentId;
        this.recovered = List.copyOf(recovered);
        this.corruptions = List.copyOf(corruptions);
        kept.forEach(s -> segments.put(s.id, s));
        this.syncer = Thread.ofPlatform().name("journal-sync").daemon(true).unstarted(this::syncLoop);
    }

    /**
     * Opens (creating if needed) the journal in {@code dir}, recovers the valid records of existing segments and
     * starts a new segment for appends: old segments are never appended to, so their damage cannot spread.
     * A damaged segment is kept aside, never deleted, once its intact records are released; see
     * {@link DamagedSegments}.
     *
     * @param segmentBytes a segment is rolled over before an append would take it past this size
     */
    public static Journal open(Path dir, long segmentBytes) throws IOException {
        return open(dir, segmentBytes, Segment.newSync());
    }

    /** With a given sync marker, so that tests can know every byte of a segment. */
    static Journal open(Path dir, long segmentBytes, int sync) throws IOException {
        if (segmentBytes <= Segment.HEADER_BYTES) {
            throw new IllegalArgumentException("segmentBytes too small: " + segmentBytes);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create the journal directory " + dir.toAbsolutePath() + ": " + reason(e), e);
        }

        List<Segment> kept = new ArrayList<>();
        List<RecoveredSegment> recovered = new ArrayList<>();
        List<JournalCorruption> corruptions = new ArrayList<>();
        long maxId = DamagedSegments.highestId(dir); // a segment kept aside keeps its id
        for (Path file : segmentFiles(dir)) {
            long id = Segment.idOf(file).orElseThrow();
            // Even a skipped file's id is used up, so a new segment can never collide with it.
            maxId = Math.max(maxId, id);
            if (!Files.isRegularFile(file)) {
                log.warn("event=journal_file_ignored file={} reason=\"not a regular file\"", file);
                continue;
            }
            SegmentScanner.Scan scan;
            try {
                scan = SegmentScanner.scan(file);
            } catch (IOException e) {
                throw new IOException("cannot read the journal segment " + file.toAbsolutePath() + ": " + reason(e), e);
            }
            corruptions.addAll(scan.damage());
            if (!scan.usable()) {
                log.warn("event=journal_segment_skipped file={} reason=\"{}\"", file,
                        scan.damage().getFirst().reason());
                continue;
            }
            DamagedSegments.report(scan);
            Segment segment = Segment.recovered(id, file, scan.dataBytes(), scan.records().size(), scan.damage());
            if (scan.records().isEmpty()) {
                delete(segment);
                continue;
            }
            kept.add(segment);
            recovered.add(new RecoveredSegment(id, List.copyOf(scan.records())));
        }

        Journal journal = new Journal(dir, segmentBytes, sync, maxId + 1, kept, recovered, corruptions);
        long firstId;
        try {
            firstId = journal.startFirstSegment();
        } catch (IOException e) {
            throw new IOException("cannot write to the journal directory " + dir.toAbsolutePath() + ": " + reason(e),
                    e);
        }
        journal.syncer.start();
        log.info("event=journal_opened dir={} replay_records={} replay_segments={} appending_segment={}",
                dir, recovered.stream().mapToInt(r -> r.records().size()).sum(), recovered.size(), firstId);
        return journal;
    }

    /** An I/O failure in an operator's words, as {@link IoReason} puts them for every start-up message. */
    public static String reason(IOException e) {
        return IoReason.of(e);
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> Segment.idOf(f).isPresent())
                    .sorted((a, b) -> Long.compare(Segment.idOf(a).orElseThrow(), Segment.idOf(b).orElseThrow()))
                    .toList();
        } catch (IOException e) {
            throw new IOException("cannot list the journal directory " + dir.toAbsolutePath() + ": " + reason(e), e);
        }
    }

    private long startFirstSegment() throws IOException {
        lock.lock();
        try {
            active = Segment.create(dir, nextSegmentId++, sync);
            segments.put(active.id, active);
            return active.id;
        } finally {
            lock.unlock();
        }
    }

    /** Segments found at open, oldest first. The caller replays them and releases their records as usual. */
    public List<RecoveredSegment> recovered() {
        return recovered;
    }

    /**
     * Hands over the recovered segments and forgets them, so that their records are held in memory once (by the
     * caller's queue), not twice. Later calls return an empty list.
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
     * whoever will not hand them on to be stored should {@link #release} them.
     *
     * @throws IllegalArgumentException for an empty or over-long (> 64 MiB) record
     */
    public Appended append(List<byte[]> records) throws IOException {
        byte[] batch = Segment.encode(records, sync);
        lock.lock();
        try {
            if (closing) {
                throw new IOException("Journal in " + dir + " is closed");
            }
            if (stopped != null) {
                throw new IOException("Journal in " + dir + " is not accepting appends", stopped);
            }
            if (records.isEmpty()) {
                return new Appended(active.id, 0, written);
            }
            if (active.sealed || (active.hasRecords() && active.size() + batch.length > segmentBytes)) {
                rollLocked();
            }
            Segment segment = active;
            long before = segment.size();
            try {
                segment.write(batch);
            } catch (IOException e) {
                undoLocked(segment, before, e);
                if (!reclaimLocked(segment, e)) {
                    throw e;
                }
                before = segment.size();
                try {
                    segment.write(batch);
                } catch (IOException again) {
                    undoLocked(segment, before, again);
                    throw again;
                }
            }
            segment.unreleased += records.size();
            written += batch.length;
            syncNeeded.signal();
            return new Appended(segment.id, records.size(), written);
        } finally {
            lock.unlock();
        }
    }

    /**
     * After a failed write (a full disk, most likely): if every record of the active segment is stored, they are
     * garbage that may be all that fills the disk, and nothing else would ever delete them, since only a segment
     * that is no longer appended to is deleted. So the segment is cut back to its header for one more try.
     * No waiter is affected: a record being waited for is not released yet.
     *
     * @return true if space was reclaimed and the write is worth repeating
     */
    private boolean reclaimLocked(Segment segment, IOException failure) {
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
    private void undoLocked(Segment segment, long before, IOException failure) {
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
            rollLocked();
        } catch (IOException e) {
            // The segment stays sealed, so the next append tries to roll again.
            failure.addSuppressed(e);
        }
    }

    /**
     * Blocks until everything up to {@code a.position()} is forced to disk.
     *
     * @throws IOException if the force that covered it failed, or the journal stopped before it
     */
    public void awaitDurable(Appended a) throws IOException, InterruptedException {
        lock.lock();
        try {
            while (!resolvedLocked(a.position())) {
                durable.await();
            }
            throwIfNotDurableLocked(a.position());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like {@link #awaitDurable(Appended)}, giving up after {@code timeout}.
     *
     * @return false if the timeout elapsed first (the records may still become durable later)
     */
    public boolean awaitDurable(Appended a, Duration timeout) throws IOException, InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!resolvedLocked(a.position())) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = durable.awaitNanos(nanos);
            }
            throwIfNotDurableLocked(a.position());
            return true;
        } finally {
            lock.unlock();
        }
    }

    private boolean resolvedLocked(long position) {
        return position <= synced || stopped != null;
    }

    private void throwIfNotDurableLocked(long position) throws IOException {
        if (position > synced) {
            throw new IOException("Journal in " + dir + " stopped before position " + position + " was durable", stopped);
        }
        var failure = forceFailures.ceilingEntry(position);
        if (failure != null && failure.getValue().from() < position) {
            throw new IOException("Journal force failed for position " + position, failure.getValue().cause());
        }
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
        Segment doomed = null;
        lock.lock();
        try {
            Segment segment = segments.get(segmentId);
            if (segment == null || n < 0) {
                log.warn("event=journal_release_ignored records={} segment={} reason=\"{}\" note=\"a caller bug\"", n,
                        segmentId, n < 0 ? "negative count" : "no such segment, or already fully released");
                return;
            }
            if (n > segment.unreleased) {
                log.warn("event=journal_release_excess records={} segment={} unreleased={} note=\"a caller bug\"",
                        n, segmentId, segment.unreleased);
            }
            segment.unreleased = Math.max(0, segment.unreleased - n);
            if (segment.unreleased == 0 && (segment != active || closed)) {
                segments.remove(segmentId);
                doomed = segment;
            }
        } finally {
            lock.unlock();
        }
        if (doomed != null) {
            delete(doomed); // outside the lock: workers call this after every batch, appenders must not wait on it
        }
    }

    /** Number of segment files this journal manages (not counting files skipped for a bad header). */
    public int segmentCount() {
        lock.lock();
        try {
            return segments.size();
        } finally {
            lock.unlock();
        }
    }

    /** Bytes of the segment files this journal manages. */
    public long diskBytes() {
        lock.lock();
        try {
            return segments.values().stream().mapToLong(Segment::size).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Successful forces so far; with group commit far fewer than appends under concurrency. */
    public long forceCount() {
        lock.lock();
        try {
            return forceCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forces what was written and closes. Segments with unreleased records stay on disk for the next open; the
     * active segment is deleted if all its records were released.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            syncNeeded.signal();
        } finally {
            lock.unlock();
        }
        stopSyncer();

        lock.lock();
        try {
            IOException failure = null;
            try {
                forceActiveLocked();
            } catch (IOException e) {
                failure = e;
            }
            closed = true;
            stopped = new IOException("Journal in " + dir + " is closed");
            durable.signalAll();
            try {
                active.close();
            } catch (IOException e) {
                failure = addTo(failure, e);
            }
            if (active.unreleased == 0) {
                segments.remove(active.id);
                delete(active);
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            lock.unlock();
        }
    }

    private void stopSyncer() {
        try {
            if (!syncer.join(SYNCER_STOP_WAIT)) {
                // Stuck in force (a dying disk): interrupting closes its channel, close() fails the waiters.
                log.warn("event=journal_syncer_stuck waited={} note=\"interrupting it\"", SYNCER_STOP_WAIT);
                syncer.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            syncer.interrupt();
        }
    }

    /**
     * The syncer: forces outside the lock, so appends go on while the disk works, and whatever they write meanwhile
     * becomes the next group.
     */
    private void syncLoop() {
        lock.lock();
        try {
            while (true) {
                while (synced >= written && !closing) {
                    syncNeeded.await();
                }
                if (synced >= written) {
                    return; // closing, nothing left
                }
                // Everything unforced is in the active segment: a roll forces the old one before switching.
                long target = written;
                FileChannel channel = active.channel();
                IOException failure = null;
                lock.unlock();
                try {
                    channel.force(false);
                } catch (IOException e) {
                    failure = e;
                } finally {
                    lock.lock();
                }
                if (target <= synced) {
                    continue; // a roll forced (or failed) this range meanwhile and closed the channel under us
                }
                if (failure == null) {
                    synced = target;
                    forceCount++;
                    durable.signalAll();
                } else {
                    failUnforcedLocked(failure);
                }
            }
        } catch (InterruptedException e) {
            // Only close() interrupts us, after giving up on waiting; it settles what is left.
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            log.error("event=journal_syncer_died dir={}", dir, e);
            stopped = new IOException("Journal syncer died: " + e, e);
        } finally {
            if (stopped == null && !closing) {
                stopped = new IOException("Journal syncer stopped");
            }
            durable.signalAll();
            lock.unlock();
        }
    }

    /**
     * Forces and closes the active segment and starts a new one. Rare (once per segment), so done under the lock;
     * waiters whose records were in the old segment are released by the force here.
     */
    private void rollLocked() throws IOException {
        Segment next = Segment.create(dir, nextSegmentId++, sync);
        Segment old = active;
        try {
            forceActiveLocked();
        } catch (IOException e) {
            // Already handed to the waiters of the old segment; the append that is rolling goes on in the new one.
        }
        try {
            old.close();
        } catch (IOException e) {
            log.warn("event=journal_close_failed segment={} error=\"{}\"", old, e.toString());
        }
        active = next;
        segments.put(next.id, next);
        if (old.unreleased == 0) {
            segments.remove(old.id);
            delete(old);
        }
    }

    /** Settles everything written so far, which is all in the active segment. */
    private void forceActiveLocked() throws IOException {
        if (synced >= written) {
            return;
        }
        try {
            active.sync();
            synced = written;
            forceCount++;
            durable.signalAll();
        } catch (IOException e) {
            failUnforcedLocked(e);
            throw e;
        }
    }

    /**
     * After a failed force the page cache may have dropped the data while a later force reports success
     * ("fsyncgate"), so the range fails for good and the segment takes no more appends.
     */
    private void failUnforcedLocked(IOException cause) {
        log.error("event=journal_force_failed segment={} error=\"{}\" bytes_not_durable={} note=\"segment sealed\"",
                active, cause.toString(), written - synced);
        forceFailures.put(written, new ForceFailure(synced, cause));
        synced = written;
        active.sealed = true;
        durable.signalAll();
    }

    private static void delete(Segment segment) {
        if (!segment.damage.isEmpty()) {
            DamagedSegments.keepAside(segment); // never delete what could not be read
            return;
        }
        try {
            Files.deleteIfExists(segment.path);
        } catch (IOException e) {
            // Not fatal: the only cost is that its records are replayed (stored twice) after the next open.
            log.warn("event=journal_delete_failed segment={} error=\"{}\" note=\"it will be replayed at next open\"",
                    segment, e.toString());
        }
    }

    private static IOException addTo(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public String toString() {
        return "Journal[" + dir + "]";
    }
}
