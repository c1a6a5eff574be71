package io.eventpipeline.journal;

import io.eventpipeline.config.Units;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's syncer and the callers waiting for it. Appends only write into the page cache; one thread forces
 * whatever has been written since its last force, so concurrent requests share one {@code force} (group commit):
 * a request waits for the next force, not for one of its own.
 *
 * <p>Positions are byte offsets that only grow across all segments of one journal instance. Without a flush
 * interval everything not yet forced is in one segment, the one last appended to: a roll forces the old segment
 * ({@link #forceLocked}) before appends move on.
 *
 * <p>With a flush interval (the {@code journal-async} tier) nobody waits for the syncer: it forces at most once
 * per interval, counted from the start of its last force (or its own start), whatever was written meanwhile; an
 * append after a pause longer than the interval is forced at once. A roll forces nothing from the appender's
 * thread: it hands the old segment over ({@link #rolledOutLocked}), and the syncer forces the segments rolled out
 * since its last force, then the current one, then the directory if a roll created a segment since, all outside
 * the lock, and closes the rolled-out ones. The close forces what is left from the caller's thread. A failed force
 * refuses every later append (see {@link #failUnforcedLocked}). Without a flush interval (the {@code journal}
 * tier) it forces as soon as anything is written.
 *
 * <p>Shares the journal's lock, since appends move the written position and rolls force under it. Methods named
 * {@code *Locked} expect the caller to hold it; the others take it themselves.
 */
final class GroupCommit {

    /** Positions in (from, to] were written but their force failed. */
    private record ForceFailure(long from, IOException cause) {}

    private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
    private static final Duration SYNCER_STOP_WAIT = Duration.ofSeconds(10);

    private final Path dir;
    private final ReentrantLock lock;
    /** Signalled when there is something to force, or on close. */
    private final Condition syncNeeded;
    /** Signalled whenever {@link #synced} moves or the syncer stops. */
    private final Condition durable;
    private final Thread syncer;
    /** The least time between the starts of two syncer forces, in nanoseconds; 0 forces as soon as there is data. */
    private final long flushIntervalNanos;

    // Everything below is guarded by lock.
    /** Keyed by the end of each failed range; failures are rare, so this stays tiny. */
    private final TreeMap<Long, ForceFailure> forceFailures = new TreeMap<>();
    /**
     * The segment last appended to: everything between {@link #synced} and {@link #written} is in it or in
     * {@link #rolledOut}.
     */
    private Segment current;
    /**
     * With a flush interval: segments a roll closed to appends, still open, whose records may not be forced yet;
     * the syncer (or the close) forces and closes them.
     */
    private final List<Segment> rolledOut = new ArrayList<>();
    /** End of the last successful append. */
    private long written;
    /** Everything up to here is either forced or in a failed range: nobody needs to wait for it any more. */
    private long synced;
    private long forceCount;
    private boolean closing;
    /** True while the syncer waits for something to force: with a flush interval, only then does an append wake it. */
    private boolean syncerIdle;
    /**
     * With a flush interval, the failed force after which appends are refused: the events it covered were
     * acknowledged already, and no request waits to be told. Written under the lock; volatile so that readiness
     * can read it without waiting for the lock behind appenders.
     */
    private volatile IOException unforcedAcknowledged;
    /** Set when the syncer has stopped: appends are refused and waiters beyond {@link #synced} fail with it. */
    private IOException stopped;

    /**
     * @param dir           the journal's directory, for messages
     * @param flushInterval null or zero to force as soon as anything is written (callers wait for it); else the
     *                      least time between the starts of two syncer forces (nobody waits)
     */
    GroupCommit(Path dir, ReentrantLock lock, Duration flushInterval) {
        this.dir = dir;
        this.lock = lock;
        this.flushIntervalNanos = flushInterval == null ? 0 : flushInterval.toNanos();
        if (flushIntervalNanos < 0) {
            throw new IllegalArgumentException("negative flush interval: " + flushInterval);
        }
        this.syncNeeded = lock.newCondition();
        this.durable = lock.newCondition();
        this.syncer = Thread.ofPlatform().name("journal-sync").daemon(true).unstarted(this::syncLoop);
    }

    void start() {
        syncer.start();
    }

    /**
     * @throws IOException if the journal is closing or its syncer has stopped (nothing would force an append), or,
     *                     with a flush interval, a force has failed
     */
    void ensureAcceptingLocked() throws IOException {
        if (closing) {
            throw new IOException("Journal in " + dir + " is closed");
        }
        if (stopped != null) {
            throw new IOException("Journal in " + dir + " is not accepting appends", stopped);
        }
        IOException failed = unforcedAcknowledged;
        if (failed != null) {
            throw new IOException("Journal in " + dir + " takes no more appends since a force to disk failed ("
                    + failed.getMessage() + "); restart the service once the disk is sound", failed);
        }
    }

    /**
     * With a flush interval: why every append is refused since a force failed, or null while appends are taken.
     * Takes no lock.
     */
    String forceFailure() {
        IOException failed = unforcedAcknowledged;
        return failed == null ? null : "a force of the journal in " + dir + " to disk failed (" + failed.getMessage()
                + "): events are refused; restart the service once the disk is sound";
    }

    /**
     * A roll with a flush interval: {@code old} takes no more appends, and its records, written and counted
     * already, are forced by the syncer's next force, which then closes it. Nothing is forced here.
     */
    void rolledOutLocked(Segment old) {
        rolledOut.add(old);
    }

    /** Whether the syncer has something to force (or a rolled-out segment to close). */
    private boolean pendingLocked() {
        return synced < written || !rolledOut.isEmpty();
    }

    /** The position at the end of the last append. */
    long writtenLocked() {
        return written;
    }

    /**
     * Counts {@code bytes} just written at the end of {@code segment} and wakes the syncer: always without a flush
     * interval; with one only if it is idle, since it forces on its own time otherwise.
     *
     * @return the position at their end, for {@link #awaitDurable}
     */
    long appendedLocked(Segment segment, int bytes) {
        current = segment;
        written += bytes;
        if (flushIntervalNanos == 0 || syncerIdle) {
            syncNeeded.signal();
        }
        return written;
    }

    /**
     * Blocks until everything up to {@code position} is forced to disk.
     *
     * @throws IOException if the force that covered it failed, or the syncer stopped before it
     */
    void awaitDurable(long position) throws IOException, InterruptedException {
        lock.lock();
        try {
            while (!resolvedLocked(position)) {
                durable.await();
            }
            throwIfNotDurableLocked(position);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Like {@link #awaitDurable(long)}, giving up after {@code timeout}.
     *
     * @return false if the timeout elapsed first (the records may still become durable later)
     */
    boolean awaitDurable(long position, Duration timeout) throws IOException, InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!resolvedLocked(position)) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = durable.awaitNanos(nanos);
            }
            throwIfNotDurableLocked(position);
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
            throw new IOException("Journal in " + dir + " stopped before position " + position + " was durable",
                    stopped);
        }
        var failure = forceFailures.ceilingEntry(position);
        if (failure != null && failure.getValue().from() < position) {
            throw new IOException("Journal force failed for position " + position, failure.getValue().cause());
        }
    }

    /** What the syncer is waiting for, if anything: for tests that must act while it waits. */
    enum SyncerWait { NONE, FOR_DATA, FOR_INTERVAL }

    /** Where the syncer is now; see {@link SyncerWait}. */
    SyncerWait syncerWaitLocked() {
        if (!lock.hasWaiters(syncNeeded)) {
            return SyncerWait.NONE;
        }
        return syncerIdle ? SyncerWait.FOR_DATA : SyncerWait.FOR_INTERVAL;
    }

    /** Successful forces so far; with group commit far fewer than appends under concurrency. */
    long forceCount() {
        lock.lock();
        try {
            return forceCount;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Settles everything written so far from the caller's thread (a roll, close): uninterruptible, unlike the
     * syncer's force.
     *
     * @throws IOException if the force failed; its waiters fail with it and the segment takes no more appends
     */
    void forceLocked() throws IOException {
        if (synced >= written) {
            closeRolledOutLocked(List.copyOf(rolledOut)); // forced already
            return;
        }
        List<Segment> olds = List.copyOf(rolledOut);
        try {
            boolean newFile = false;
            for (Segment old : olds) {
                old.sync();
                newFile |= old.createUnforced;
            }
            if (current != null && !olds.contains(current)) {
                current.sync();
                newFile |= current.createUnforced;
            }
            if (newFile) {
                Segment.syncDirectory(dir);
                markCreatedLocked(olds, current);
            }
            synced = written;
            forceCount++;
            durable.signalAll();
        } catch (IOException e) {
            failUnforcedLocked(e);
            throw e;
        } finally {
            closeRolledOutLocked(olds);
        }
    }

    /** The header and directory entry of these segments are forced now. */
    private static void markCreatedLocked(List<Segment> olds, Segment current) {
        olds.forEach(s -> s.createUnforced = false);
        if (current != null) {
            current.createUnforced = false;
        }
    }

    /**
     * After their force (or its failure): the rolled-out segments are closed and forgotten. One may still be
     * {@link #current} (the append that rolled failed): nothing unforced is left in it, so it is forgotten too.
     */
    private void closeRolledOutLocked(List<Segment> forced) {
        for (Segment old : forced) {
            rolledOut.remove(old);
            if (old == current) {
                current = null;
            }
            try {
                old.close();
            } catch (IOException e) {
                log.warn("event=journal_close_failed segment={} error=\"{}\"", old, e.toString());
            }
        }
    }

    /**
     * A roll's force of the segment it closes, for {@link Segments.Force}. A failure is handed to the waiters of
     * that segment; without a flush interval the append that rolls goes on in the new segment. With one, the
     * failure was of records already acknowledged and the journal takes no more appends: the append that rolls
     * must not be acknowledged either, so this throws.
     */
    void forceBeforeRollLocked() throws IOException {
        try {
            forceLocked();
        } catch (IOException e) {
            ensureAcceptingLocked(); // throws with a flush interval
        }
    }

    /**
     * Lets the syncer do its last force and waits for it to end; appends are refused from here on.
     *
     * @return false if another caller is stopping it already
     */
    boolean stopSyncer() {
        return stopSyncer(SYNCER_STOP_WAIT);
    }

    /**
     * As {@link #stopSyncer()}, waiting at most {@code wait} (a shutdown's share of its budget) before interrupting
     * the syncer.
     */
    boolean stopSyncer(Duration wait) {
        lock.lock();
        try {
            if (closing) {
                return false;
            }
            closing = true;
            syncNeeded.signal();
        } finally {
            lock.unlock();
        }
        try {
            if (!syncer.join(wait)) {
                // Stuck in force (a dying disk): interrupting closes its channel, closeLocked() fails the waiters.
                log.warn("event=journal_syncer_stuck waited={} note=\"interrupting it\"", Units.formatDuration(wait));
                syncer.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            syncer.interrupt();
        }
        return true;
    }

    /**
     * After {@link #stopSyncer}: forces what is left, then every wait beyond it fails.
     *
     * @throws IOException if that force failed
     */
    void closeLocked() throws IOException {
        try {
            forceLocked();
        } finally {
            stopped = new IOException("Journal in " + dir + " is closed");
            durable.signalAll();
        }
    }

    /**
     * Forces outside the lock, so appends go on while the disk works; what they write meanwhile is the next group.
     * With a flush interval it first waits out the rest of the interval since its last force began (a close cuts
     * the wait short).
     */
    private void syncLoop() {
        long lastForce = System.nanoTime(); // as if it had forced at start: the first force, too, an interval on
        lock.lock();
        try {
            while (true) {
                syncerIdle = true;
                while (!pendingLocked() && !closing) {
                    syncNeeded.await();
                }
                syncerIdle = false;
                if (!pendingLocked()) {
                    return; // closing, nothing left
                }
                if (flushIntervalNanos > 0) {
                    long left = lastForce + flushIntervalNanos - System.nanoTime();
                    while (left > 0 && !closing) {
                        syncNeeded.awaitNanos(left);
                        left = lastForce + flushIntervalNanos - System.nanoTime();
                    }
                    if (!pendingLocked()) {
                        continue; // a roll forced it all meanwhile
                    }
                    lastForce = System.nanoTime();
                }
                long target = written;
                Segment forcing = current;
                // Rolled out since the last force (journal-async): forced first, closed after, never by others.
                List<Segment> olds = List.copyOf(rolledOut);
                List<FileChannel> channels = new ArrayList<>(olds.size() + 1);
                boolean newFile = false;
                for (Segment old : olds) {
                    channels.add(old.channel());
                    newFile |= old.createUnforced;
                }
                if (forcing != null && !olds.contains(forcing)) {
                    channels.add(forcing.channel());
                    newFile |= forcing.createUnforced;
                }
                IOException failure = null;
                lock.unlock();
                try {
                    for (FileChannel channel : channels) {
                        channel.force(false);
                    }
                    if (newFile) {
                        Segment.syncDirectory(dir); // after the files: a listed file has its header
                    }
                } catch (IOException e) {
                    failure = e;
                } finally {
                    lock.lock();
                }
                closeRolledOutLocked(olds);
                if (failure == null && newFile) {
                    markCreatedLocked(olds, forcing);
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
            // Only stopSyncer() interrupts us, after giving up on waiting; closeLocked() settles what is left.
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
     * After a failed force the page cache may have dropped the data while a later force reports success
     * ("fsyncgate"), so the range fails for good and the segment takes no more appends. With a flush interval its
     * events were acknowledged already and nobody waits to hear of it: the journal then takes no more appends at
     * all, so that ingest answers 503 until a restart instead of acknowledging more of what may not reach the
     * disk (PostgreSQL stops for the same reason: a failed fsync of its WAL is a PANIC).
     */
    private void failUnforcedLocked(IOException cause) {
        if (flushIntervalNanos > 0) {
            log.error("event=journal_force_failed segment={} error=\"{}\" bytes_not_durable={} note=\"events "
                    + "already acknowledged may be lost on a power loss; the journal refuses appends, ingest answers "
                    + "503 until a restart\"", current, cause.toString(), written - synced);
            if (unforcedAcknowledged == null) {
                unforcedAcknowledged = cause;
            }
        } else {
            log.error("event=journal_force_failed segment={} error=\"{}\" bytes_not_durable={} "
                    + "note=\"segment sealed\"", current, cause.toString(), written - synced);
        }
        forceFailures.put(written, new ForceFailure(synced, cause));
        synced = written;
        if (current != null) {
            current.sealed = true;
        }
        durable.signalAll();
    }
}
