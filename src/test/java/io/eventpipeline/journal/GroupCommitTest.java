package io.eventpipeline.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The syncer and its waiters, on a real segment file, without the rest of the journal. */
class GroupCommitTest {

    private static final int SYNC = 0x5EC7A11E;
    /** Where a wait must end by itself: a failure, not a hung build, if it does not. */
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private final ReentrantLock lock = new ReentrantLock();
    private GroupCommit commit;
    private Segment segment;
    private boolean started;

    @BeforeEach
    void createSegment() throws IOException {
        commit = new GroupCommit(dir, lock, null);
        segment = Segment.create(dir, 1, SYNC);
    }

    @AfterEach
    void stop() throws IOException {
        if (started) {
            commit.stopSyncer();
        }
        segment.close();
    }

    @Test
    void a_waiter_returns_once_the_syncer_has_forced_its_position() throws Exception {
        start();
        long position = append("one");

        commit.awaitDurable(position);
        assertThat(commit.forceCount()).isEqualTo(1);
        assertThat(commit.awaitDurable(position, Duration.ZERO)).as("already durable: no wait").isTrue();
    }

    /** Appends made while the syncer waits for the lock are all covered by its next force. */
    @Test
    void appends_made_while_no_force_runs_share_the_next_one() throws Exception {
        start();
        List<Long> positions = new ArrayList<>();
        lock.lock();
        try {
            for (int i = 0; i < 10; i++) {
                positions.add(appendLocked("record-" + i));
            }
        } finally {
            lock.unlock();
        }

        for (long position : positions) {
            commit.awaitDurable(position);
        }
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        assertThat(commit.forceCount()).as("one force for ten appends").isEqualTo(1);
    }

    @Test
    void a_timed_wait_for_a_position_nobody_wrote_gives_up() throws Exception {
        start();
        long position = append("one");
        commit.awaitDurable(position);

        assertThat(commit.awaitDurable(position + 1, Duration.ofMillis(50))).isFalse();
    }

    /** How a roll settles the waiters of the segment it closes, whether or not the syncer got to it. */
    @Test
    void a_force_from_the_callers_thread_settles_the_waiters_without_the_syncer() throws Exception {
        long position = append("one"); // the syncer is not started
        assertThat(commit.awaitDurable(position, Duration.ZERO)).isFalse();

        lock.lock();
        try {
            commit.forceLocked();
            commit.forceLocked(); // nothing new: no second force
        } finally {
            lock.unlock();
        }
        assertThat(commit.awaitDurable(position, Duration.ZERO)).isTrue();
        assertThat(commit.forceCount()).isEqualTo(1);
    }

    @Test
    void stopping_refuses_appends_and_closing_fails_every_wait_beyond_what_was_forced() throws Exception {
        start();
        long position = append("one");
        assertThat(commit.stopSyncer()).isTrue();
        assertThat(commit.stopSyncer()).as("once only").isFalse();

        lock.lock();
        try {
            assertThatThrownBy(commit::ensureAcceptingLocked).isInstanceOf(IOException.class)
                    .hasMessageContaining("closed");
            commit.closeLocked();
        } finally {
            lock.unlock();
        }
        commit.awaitDurable(position);
        assertThatThrownBy(() -> commit.awaitDurable(position + 1, WAIT)).isInstanceOf(IOException.class)
                .hasMessageContaining("stopped before position " + (position + 1));
    }

    /**
     * A shutdown gives the journal's close its share of the budget, not the syncer's default wait: a syncer that
     * cannot finish (here it cannot get the lock back, as one stuck in a force on a dying disk cannot return) is
     * interrupted once the share is spent.
     */
    @Test
    void stopping_waits_for_a_stuck_syncer_no_longer_than_it_is_given() throws Exception {
        start();
        long position = append("one");
        commit.awaitDurable(position);
        boolean stopped;
        long t0 = System.nanoTime();
        try (LogCapture log = new LogCapture()) {
            lock.lock();
            try {
                stopped = commit.stopSyncer(Duration.ofMillis(200));
            } finally {
                lock.unlock();
            }
            assertThat(log.text()).contains("event=journal_syncer_stuck waited=200ms");
        }

        assertThat(stopped).isTrue();
        // The default wait is 10 s; a loaded machine may add to the 0.2 s, not seconds.
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
    }

    /** A syncer that died must not leave requests waiting for a 202 forever. */
    @Test
    void if_the_syncer_dies_its_waiters_fail_and_appends_are_refused() throws Exception {
        Segment closed = Segment.create(dir, 2, SYNC);
        closed.close(); // the syncer finds no channel to force: a bug, as far as it can tell
        start();
        long position;
        try (LogCapture log = new LogCapture()) {
            lock.lock();
            try {
                position = commit.appendedLocked(closed, 10);
            } finally {
                lock.unlock();
            }

            assertThatThrownBy(() -> commit.awaitDurable(position, WAIT)).isInstanceOf(IOException.class)
                    .hasRootCauseInstanceOf(NullPointerException.class);
            assertThat(log.text()).contains("event=journal_syncer_died");
        }
        assertRefusesAppends("not accepting appends");
    }

    /**
     * journal-async: nobody waits, yet the bookkeeping stays right (a wait for a failed range fails), and since
     * the failed range was acknowledged already, every later append is refused.
     */
    @Test
    void with_a_flush_interval_a_failed_force_is_logged_and_refuses_every_later_append() throws Exception {
        commit = new GroupCommit(dir, lock, Duration.ofMillis(50));
        try (LogCapture log = new LogCapture()) {
            long position = append("acknowledged");
            segment.channel().close(); // the syncer's force will fail with an IOException, as on a failing disk
            assertThat(commit.forceFailure()).isNull();
            start();
            assertThatThrownBy(() -> commit.awaitDurable(position, WAIT)).isInstanceOf(IOException.class)
                    .hasMessageContaining("force failed for position " + position);
            assertThat(log.text()).contains("event=journal_force_failed", "ingest answers 503 until a restart");
        }
        assertThat(segment.sealed).isTrue();
        assertRefusesAppends("takes no more appends since a force to disk failed");
        assertThat(commit.forceFailure()).as("what readiness reports").contains("force", "failed",
                "restart the service once the disk is sound");
        assertThat(commit.forceCount()).isZero();
    }

    /** journal-async: an append does not wait, nor is it forced before the interval is out; a close cuts it short. */
    @Test
    void with_a_flush_interval_nothing_is_forced_before_the_interval_is_out_unless_closing() throws Exception {
        commit = new GroupCommit(dir, lock, Duration.ofHours(1));
        start();
        long position = append("one");
        assertThat(commit.awaitDurable(position, Duration.ofMillis(50))).isFalse();
        assertThat(commit.forceCount()).as("the first force waits an interval from the start too").isZero();

        assertThat(commit.stopSyncer()).isTrue();
        assertThat(commit.awaitDurable(position, WAIT)).as("the syncer's last force").isTrue();
        assertThat(commit.forceCount()).isEqualTo(1);
    }

    /** journal-async: the syncer forces on its own, nobody waiting, its forces starting at least an interval apart. */
    @Test
    void with_a_flush_interval_the_syncer_forces_on_its_own_at_most_once_per_interval() throws Exception {
        Duration interval = Duration.ofMillis(100);
        commit = new GroupCommit(dir, lock, interval);
        long t0 = System.nanoTime();
        start();
        long first = append("one");
        assertThat(commit.awaitDurable(first, WAIT)).isTrue();
        long second = append("two");
        assertThat(commit.awaitDurable(second, WAIT)).isTrue();
        long elapsed = System.nanoTime() - t0;

        assertThat(commit.forceCount()).isEqualTo(2);
        assertThat(Duration.ofNanos(elapsed)).as("two forces, each an interval after the last")
                .isGreaterThanOrEqualTo(interval.multipliedBy(2));
    }

    /**
     * journal-async: an append after a pause longer than the interval is forced at once, not an interval later (a
     * client's lone event is not left in the page cache longer than the promise).
     */
    @Test
    void with_a_flush_interval_an_append_after_an_idle_gap_longer_than_the_interval_is_forced_at_once()
            throws Exception {
        Duration interval = Duration.ofSeconds(2);
        commit = new GroupCommit(dir, lock, interval);
        start();
        Thread.sleep(interval.plusMillis(200).toMillis()); // the gap: nothing written for longer than the interval

        long position = append("after the gap");
        assertThat(commit.awaitDurable(position, interval.dividedBy(2)))
                .as("forced well before another interval is out").isTrue();
        assertThat(commit.forceCount()).isEqualTo(1);
    }

    /**
     * journal-async: a roll forces and closes the segment while the syncer waits out the interval, and the append
     * that rolled goes to the next segment. The syncer's force after the wait must force the new segment, not the
     * closed one.
     */
    @Test
    void with_a_flush_interval_a_roll_during_the_interval_wait_leaves_the_syncer_the_new_segment() throws Exception {
        commit = new GroupCommit(dir, lock, Duration.ofMillis(300));
        start();
        long first = append("one");
        awaitSyncer(GroupCommit.SyncerWait.FOR_INTERVAL);
        Segment next = Segment.create(dir, 2, SYNC);
        try {
            long second;
            lock.lock();
            try {
                commit.forceLocked(); // what Segments.roll does, then it closes the old segment
                segment.close();
                second = appendLocked(next, "two");
            } finally {
                lock.unlock();
            }
            assertThat(commit.awaitDurable(first, Duration.ZERO)).as("forced by the roll").isTrue();

            assertThat(commit.awaitDurable(second, WAIT)).as("forced by the syncer after its wait").isTrue();
            assertThat(commit.forceCount()).isEqualTo(2);
            assertThat(commit.forceFailure()).isNull();
        } finally {
            next.close();
        }
    }

    /** journal-async: a roll that forced everything while the syncer waited out the interval leaves it nothing. */
    @Test
    void with_a_flush_interval_a_roll_during_the_interval_wait_that_forced_all_leaves_the_syncer_idle()
            throws Exception {
        commit = new GroupCommit(dir, lock, Duration.ofMillis(300));
        start();
        long position = append("one");
        awaitSyncer(GroupCommit.SyncerWait.FOR_INTERVAL);
        lock.lock();
        try {
            commit.forceLocked(); // what Segments.roll does
        } finally {
            lock.unlock();
        }

        awaitSyncer(GroupCommit.SyncerWait.FOR_DATA); // the wait is out: nothing left to force
        assertThat(commit.awaitDurable(position, Duration.ZERO)).isTrue();
        assertThat(commit.forceCount()).as("the roll's force only").isEqualTo(1);
    }

    /**
     * journal-async: a roll hands the old segment over; the syncer forces it, the new one (created unforced) and
     * the directory in one round, then closes the old one.
     */
    @Test
    void with_a_flush_interval_the_syncer_forces_and_closes_rolled_out_segments_and_lists_the_new_one()
            throws Exception {
        commit = new GroupCommit(dir, lock, Duration.ofMillis(20));
        start();
        long first = append("one");
        Segment next = Segment.create(dir, 2, SYNC, false);
        try {
            long second;
            lock.lock();
            try {
                commit.rolledOutLocked(segment);
                second = appendLocked(next, "two");
            } finally {
                lock.unlock();
            }

            assertThat(commit.awaitDurable(second, WAIT)).isTrue();
            assertThat(commit.awaitDurable(first, Duration.ZERO)).isTrue();
            assertThat(segment.isOpen()).as("closed once forced").isFalse();
            assertThat(next.isOpen()).isTrue();
            assertThat(next.createUnforced).as("its header and directory entry forced").isFalse();
        } finally {
            next.close();
        }
    }

    /** Waits, boundedly, until the syncer waits for {@code what}. */
    private void awaitSyncer(GroupCommit.SyncerWait what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            lock.lock();
            try {
                if (commit.syncerWaitLocked() == what) {
                    return;
                }
            } finally {
                lock.unlock();
            }
            assertThat(System.nanoTime()).as("the syncer waits for %s in time", what).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    private void assertRefusesAppends(String why) {
        lock.lock();
        try {
            assertThatThrownBy(commit::ensureAcceptingLocked).isInstanceOf(IOException.class)
                    .hasMessageContaining(why);
        } finally {
            lock.unlock();
        }
    }

    private void start() {
        commit.start();
        started = true;
    }

    private long append(String record) throws IOException {
        lock.lock();
        try {
            return appendLocked(record);
        } finally {
            lock.unlock();
        }
    }

    private long appendLocked(String record) throws IOException {
        return appendLocked(segment, record);
    }

    private long appendLocked(Segment to, String record) throws IOException {
        byte[] batch = Segment.encode(List.of(record.getBytes(UTF_8)), SYNC);
        to.write(batch);
        return commit.appendedLocked(to, batch.length);
    }
}
