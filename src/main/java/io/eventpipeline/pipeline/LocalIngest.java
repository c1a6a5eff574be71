package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The door of the pipeline with {@code --queue local}: takes a request's valid events whole or not at all. Room in
 * the queue is reserved first, then the events are made durable, then queued, so a 503 never leaves a trace and a
 * 202 is never taken back. Closing the door waits for the requests already inside.
 */
public final class LocalIngest implements Ingest {
    private final EventQueue queue;
    private final AcceptLog acceptLog;
    private final Door door = new Door();
    /** Bytes of events in requests waiting for room in the queue; see {@link #awaitRoom}. */
    private final AtomicLong waitingBytes = new AtomicLong();
    private final long waitingRoomBytes;

    /** The longest a request waits for room in a full queue before its 503. */
    static final Duration ROOM_WAIT = Duration.ofSeconds(1);
    private static final long ROOM_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /**
     * @param queue     the bounded queue the workers take from; a request may wait for room on top of it up to a
     *                  quarter of its byte bound
     * @param acceptLog where a request's events are kept before its 202 (the journal, or nothing in memory mode)
     */
    public LocalIngest(EventQueue queue, AcceptLog acceptLog) {
        this.queue = queue;
        this.acceptLog = acceptLog;
        // A quarter of the queue's byte bound may wait on top of it.
        this.waitingRoomBytes = Math.max(1, queue.maxBytes() / 4);
    }

    /** On return the events are queued (and durable, with a journal). */
    @Override
    public void accept(List<Event> events) throws RefusedException, InterruptedException {
        int n = events.size();
        if (!door.enter()) {
            throw new RefusedException(Refusal.DRAINING);
        }
        try {
            long bytes = 0;
            for (Event e : events) {
                bytes += e.sizeBytes();
            }
            if (!queue.tryReserve(n, bytes) && !awaitRoom(n, bytes)) {
                throw new RefusedException(door.closed() ? Refusal.DRAINING : Refusal.QUEUE_FULL);
            }
            long segment;
            try {
                segment = acceptLog.append(events);
            } catch (IOException e) {
                queue.unreserve(n, bytes);
                throw new RefusedException(acceptLog.failure() != null ? Refusal.JOURNAL_FAILED : Refusal.NOT_DURABLE,
                        e);
            } catch (InterruptedException e) {
                queue.unreserve(n, bytes);
                throw e;
            }
            long now = System.nanoTime();
            for (Event e : events) {
                queue.putReserved(new Envelope(e, segment, now));
            }
        } finally {
            door.leave();
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
        if (door.closed()) {
            return false;
        }
        if (waitingBytes.addAndGet(bytes) > waitingRoomBytes) {
            waitingBytes.addAndGet(-bytes);
            return false;
        }
        try {
            long deadline = System.nanoTime() + ROOM_WAIT.toNanos();
            while (!door.closed()) {
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

    @Override
    public void close(Duration timeout) throws InterruptedException {
        door.close(timeout);
    }

    /** Bytes of events in requests waiting for room now. */
    long waitingBytes() {
        return waitingBytes.get();
    }

    @Override
    public boolean closed() {
        return door.closed();
    }
}
