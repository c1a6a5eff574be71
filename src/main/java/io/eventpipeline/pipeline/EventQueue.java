package io.eventpipeline.pipeline;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bounded queue between ingest and the workers, bounded in events and in bytes. Ingest first reserves room
 * for a whole request, then makes it durable, then puts it: a request is either queued whole or refused whole,
 * and nothing is made durable that the queue then refuses.
 */
public final class EventQueue {
    private final LinkedBlockingQueue<Envelope> queue;
    private final int capacity;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition roomFreed = lock.newCondition();
    private int reservedEvents;
    private long reservedBytes;

    public EventQueue(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** Reserves room for {@code events} events of {@code bytes} in all; false when they do not fit now. */
    public boolean tryReserve(int events, long bytes) {
        lock.lock();
        try {
            return reserveLocked(events, bytes);
        } finally {
            lock.unlock();
        }
    }

    private boolean reserveLocked(int events, long bytes) {
        // An event larger than the whole byte bound still goes in alone, so the queue can never wedge.
        if (reservedEvents + (long) events > capacity || (reservedBytes + bytes > maxBytes && reservedEvents > 0)) {
            return false;
        }
        reservedEvents += events;
        reservedBytes += bytes;
        return true;
    }

    /**
     * Like {@link #tryReserve}, waiting up to {@code timeoutNanos} for the workers to make room.
     *
     * @return false when the time ran out first
     */
    public boolean reserve(int events, long bytes, long timeoutNanos) throws InterruptedException {
        long nanos = timeoutNanos;
        lock.lock();
        try {
            while (!reserveLocked(events, bytes)) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = roomFreed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Gives back a reservation that will not be used (the journal refused the write). */
    public void unreserve(int events, long bytes) {
        released(events, bytes);
    }

    /** Puts an event for which room was reserved: never blocks, never fails. */
    public void putReserved(Envelope e) {
        if (!queue.offer(e)) {
            throw new IllegalStateException("queue over capacity: an event was put without a reservation");
        }
    }

    /** Reserves and puts, waiting for room: for replaying the journal at start, before ingest opens. */
    public void putBlocking(Envelope e) throws InterruptedException {
        long bytes = e.event().sizeBytes();
        lock.lock();
        try {
            while (!reserveLocked(1, bytes)) {
                roomFreed.await();
            }
        } finally {
            lock.unlock();
        }
        putReserved(e);
    }

    public Envelope poll(long timeout, TimeUnit unit) throws InterruptedException {
        Envelope e = queue.poll(timeout, unit);
        if (e != null) {
            released(1, e.event().sizeBytes());
        }
        return e;
    }

    /** Moves up to {@code max} queued events into {@code into} without waiting. */
    public int drainTo(List<Envelope> into, int max) {
        int before = into.size();
        int n = queue.drainTo(into, max);
        if (n > 0) {
            long bytes = 0;
            for (int i = before; i < into.size(); i++) {
                bytes += into.get(i).event().sizeBytes();
            }
            released(n, bytes);
        }
        return n;
    }

    private void released(int events, long bytes) {
        lock.lock();
        try {
            reservedEvents -= events;
            reservedBytes -= bytes;
            roomFreed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int depth() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }

    public long bytes() {
        lock.lock();
        try {
            return reservedBytes;
        } finally {
            lock.unlock();
        }
    }

    public long maxBytes() {
        return maxBytes;
    }

    public boolean isEmpty() {
        return queue.isEmpty();
    }
}
