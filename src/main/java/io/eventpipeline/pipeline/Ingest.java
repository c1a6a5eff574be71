package io.eventpipeline.pipeline;

import io.eventpipeline.config.Units;
import io.eventpipeline.event.Event;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of the pipeline: takes a request's valid events whole or not at all. Room in the queue is reserved
 * first, then the events are made durable, then queued, so a 503 never leaves a trace and a 202 is never taken
 * back. Closing the door waits for the requests already inside.
 */
public final class Ingest {
    private static final Logger log = LoggerFactory.getLogger(Ingest.class);

    private final EventQueue queue;
    private final AcceptLog acceptLog;
    /** Readers are requests being accepted; the writer is shutdown, waiting for them. */
    private final ReentrantReadWriteLock door = new ReentrantReadWriteLock();
    private volatile boolean closed;
    /** Bytes of events in requests waiting for room in the queue; see {@link #awaitRoom}. */
    private final AtomicLong waitingBytes = new AtomicLong();
    private final long waitingRoomBytes;

    /** The longest a request waits for room in a full queue before its 503. */
    static final Duration ROOM_WAIT = Duration.ofSeconds(1);
    private static final long ROOM_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    public Ingest(EventQueue queue, AcceptLog acceptLog) {
        this.queue = queue;
        this.acceptLog = acceptLog;
        // A quarter of the queue's byte bound may wait on top of it.
        this.waitingRoomBytes = Math.max(1, queue.maxBytes() / 4);
    }

    /** Why events were refused; each maps to a 503 with Retry-After. */
    public enum Refusal {
        QUEUE_FULL("the queue is full: the database is slower than the ingest rate or unavailable; retry later"),
        DRAINING("the service is shutting down; retry against another instance or later"),
        NOT_DURABLE("the events could not be written to the local journal (is the disk full?); retry later");

        private final String message;

        Refusal(String message) {
            this.message = message;
        }

        public String message() {
            return message;
        }
    }

    public static final class RefusedException extends Exception {
        private final Refusal refusal;

        RefusedException(Refusal refusal) {
            this(refusal, null);
        }

        /** With the cause of a NOT_DURABLE refusal: the caller logs it, with the request it belongs to. */
        RefusedException(Refusal refusal, Throwable cause) {
            super(refusal.message(), cause, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /** Accepts all the events, or none and says why. On return they are queued (and durable, with a journal). */
    public void accept(List<Event> events) throws RefusedException, InterruptedException {
        int n = events.size();
        door.readLock().lock();
        try {
            if (closed) {
                throw new RefusedException(Refusal.DRAINING);
            }
            long bytes = 0;
            for (Event e : events) {
                bytes += e.sizeBytes();
            }
            if (!queue.tryReserve(n, bytes) && !awaitRoom(n, bytes)) {
                throw new RefusedException(closed ? Refusal.DRAINING : Refusal.QUEUE_FULL);
            }
            long segment;
            try {
                segment = acceptLog.append(events);
            } catch (IOException e) {
                queue.unreserve(n, bytes);
                throw new RefusedException(Refusal.NOT_DURABLE, e);
            } catch (InterruptedException e) {
                queue.unreserve(n, bytes);
                throw e;
            }
            long now = System.nanoTime();
            for (Event e : events) {
                queue.putReserved(new Envelope(e, segment, now));
            }
        } finally {
            door.readLock().unlock();
        }
    }

    /**
     * Backpressure before refusal: a full queue is usually a moment (a worker is about to take a batch), and a
     * client refused then sends its events again, all parsed once more, on cores the database needs. So a request
     * waits up to {@link #ROOM_WAIT} for room, as long as the waiting requests together hold at most
     * {@link #waitingRoomBytes} of events (the heap stays bounded); a closing door ends the wait.
     *
     * @return true with the room reserved
     */
    private boolean awaitRoom(int n, long bytes) throws InterruptedException {
        if (closed) {
            return false;
        }
        if (waitingBytes.addAndGet(bytes) > waitingRoomBytes) {
            waitingBytes.addAndGet(-bytes);
            return false;
        }
        try {
            long deadline = System.nanoTime() + ROOM_WAIT.toNanos();
            while (!closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // In slices, so that a shutdown does not wait out the full time.
                if (queue.reserve(n, bytes, Math.min(left, ROOM_WAIT_SLICE_NANOS))) {
                    return true;
                }
            }
            return false;
        } finally {
            waitingBytes.addAndGet(-bytes);
        }
    }

    /** From now on every request is refused; waits up to {@code timeout} for those being accepted. */
    public void close(Duration timeout) throws InterruptedException {
        closed = true;
        if (door.writeLock().tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            door.writeLock().unlock();
        } else {
            log.warn("event=ingest_close_timeout timeout={} note=\"requests still being accepted\"",
                    Units.formatDuration(timeout));
        }
    }

    /** Bytes of events in requests waiting for room now. */
    long waitingBytes() {
        return waitingBytes.get();
    }

    public boolean closed() {
        return closed;
    }
}
