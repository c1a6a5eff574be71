package io.eventpipeline.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N workers on named virtual threads. Each takes one event, drains up to batch-size more without waiting, and
 * stores them as one batch. {@link #drain} stops them once the queue is empty, or at the deadline.
 */
public final class WorkerPool {
    private static final Logger log = LoggerFactory.getLogger(WorkerPool.class);

    private final EventQueue queue;
    private final BatchWriter writer;
    private final int workers;
    private final int batchSize;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Envelope> unstored = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    public WorkerPool(EventQueue queue, BatchWriter writer, int workers, int batchSize) {
        this.queue = queue;
        this.writer = writer;
        this.workers = workers;
        this.batchSize = batchSize;
    }

    public void start() {
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofVirtual().name("worker-" + i).start(this::run));
        }
    }

    public int size() {
        return workers;
    }

    private void run() {
        List<Envelope> batch = new ArrayList<>(batchSize);
        while (true) {
            Envelope first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return; // stopped past the deadline: what is queued is collected by drain()
            }
            if (first == null) {
                if (stopping) {
                    return;
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, batchSize - 1);
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
     * Lets the workers empty the queue into the database, waiting at most {@code timeout}; then stops them.
     *
     * @return the events that were not stored (empty when the drain finished)
     */
    public List<Envelope> drain(Duration timeout) throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Duration.ofNanos(left));
            }
        }
        boolean finished = threads.stream().noneMatch(Thread::isAlive);
        if (!finished) {
            threads.forEach(Thread::interrupt);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(5));
            }
        }
        List<Envelope> left = new ArrayList<>(unstored);
        queue.drainTo(left, Integer.MAX_VALUE);
        return left;
    }
}
