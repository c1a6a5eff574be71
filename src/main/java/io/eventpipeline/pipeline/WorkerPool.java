package io.eventpipeline.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N workers on named virtual threads. Each takes one event, drains up to batch-size more, waits up to the linger
 * for the rest of a batch, and stores them as one batch. {@link #drain} stops them once the queue is empty, or at
 * the deadline; {@link #stop} at once.
 */
public final class WorkerPool {
    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    /** How often an idle or lingering worker looks whether the pool is stopping. */
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How long interrupted workers get to hand back their batches, after a drain's timeout. */
    public static final Duration HAND_BACK = Duration.ofMillis(500);

    private final EventQueue queue;
    private final BatchWriter writer;
    private final int workers;
    private final int batchSize;
    private final long lingerNanos;
    private final ReentrantLock collecting = new ReentrantLock();
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Envelope> unstored = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    public WorkerPool(EventQueue queue, BatchWriter writer, int workers, int batchSize, Duration linger) {
        this.queue = queue;
        this.writer = writer;
        this.workers = workers;
        this.batchSize = batchSize;
        this.lingerNanos = linger.toNanos();
    }

    public void start() {
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofVirtual().name("worker-" + i).start(this::run));
        }
    }

    private void run() {
        List<Envelope> batch = new ArrayList<>(batchSize);
        while (true) {
            try {
                if (!collect(batch)) {
                    return;
                }
            } catch (InterruptedException e) {
                unstored.addAll(batch); // stopped past the deadline: drain() hands these back with the queue
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                writer.store(batch);
            } catch (InterruptedException e) {
                unstored.addAll(batch);
                return;
            } catch (RuntimeException e) {
                // A bug, not a database failure: keep the events for the next start rather than drop them.
                log.error("event=worker_failed events={} (kept for the next start)", batch.size(), e);
                unstored.addAll(batch);
            }
            batch.clear();
        }
    }

    /**
     * Fills {@code batch}: one worker at a time takes what is queued and, while the batch is not full, waits up to
     * the linger for more, so that a moderate rate becomes a few large INSERTs instead of many small ones (each
     * a commit, and so a flush of the database's log). Under a backlog the batch fills at once and nobody waits.
     *
     * @return false when the pool is stopping and the queue is empty
     */
    private boolean collect(List<Envelope> batch) throws InterruptedException {
        collecting.lockInterruptibly();
        try {
            Envelope first = queue.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
            if (first == null) {
                return !stopping;
            }
            batch.add(first);
            queue.drainTo(batch, batchSize - 1);
            long deadline = System.nanoTime() + lingerNanos;
            while (batch.size() < batchSize && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                // In slices, so that a stop does not wait out a long linger.
                Envelope next = queue.poll(Math.min(left, POLL_NANOS), TimeUnit.NANOSECONDS);
                if (next != null) {
                    batch.add(next);
                    queue.drainTo(batch, batchSize - batch.size());
                }
            }
            return true;
        } finally {
            collecting.unlock();
        }
    }

    /**
     * Lets the workers empty the queue into the database for up to {@code timeout}, then stops them: those still in
     * a database call are interrupted and get up to {@link #HAND_BACK} more to hand their batch back.
     *
     * @return the events that were not stored (empty when the drain finished)
     */
    public List<Envelope> drain(Duration timeout) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        joinUntil(deadline);
        return stopBy(deadline + HAND_BACK.toNanos());
    }

    /**
     * Stops the workers at once, without emptying the queue, waiting up to {@code timeout} for them to hand back
     * their batches (a start that failed after replaying: what they held is still in the journal).
     *
     * @return the events that were not stored
     */
    public List<Envelope> stop(Duration timeout) throws InterruptedException {
        stopping = true;
        return stopBy(System.nanoTime() + timeout.toNanos());
    }

    private List<Envelope> stopBy(long deadline) throws InterruptedException {
        if (threads.stream().anyMatch(Thread::isAlive)) {
            threads.forEach(Thread::interrupt);
            joinUntil(deadline);
            long running = threads.stream().filter(Thread::isAlive).count();
            if (running > 0) {
                log.warn("event=workers_still_running workers={} note=\"a batch still in a database call is stored if "
                        + "the database answers before the exit; in memory mode it is lost if not\"", running);
            }
        }
        List<Envelope> left = new ArrayList<>(unstored);
        queue.drainTo(left, Integer.MAX_VALUE);
        return left;
    }

    private void joinUntil(long deadline) throws InterruptedException {
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            t.join(Duration.ofNanos(left));
        }
    }
}
