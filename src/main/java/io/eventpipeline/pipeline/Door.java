package io.eventpipeline.pipeline;

import io.eventpipeline.config.Units;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of an {@link Ingest}: requests enter and leave it; closing it refuses new ones and waits for those
 * inside, so that a stop never cuts a request that is being accepted.
 */
public final class Door {
    private static final Logger log = LoggerFactory.getLogger(Door.class);

    /** Readers are requests being accepted; the writer is the close, waiting for them. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** Enters, unless the door is closed; a caller that entered must {@link #leave()}. */
    public boolean enter() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            return false;
        }
        return true;
    }

    /** Leaves after a successful {@link #enter()}: the close waits for every request that entered to leave. */
    public void leave() {
        lock.readLock().unlock();
    }

    /** From now on {@link #enter()} fails; waits up to {@code timeout} for those inside to leave. */
    public void close(Duration timeout) throws InterruptedException {
        closed = true;
        if (lock.writeLock().tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            lock.writeLock().unlock();
        } else {
            log.warn("event=ingest_close_timeout timeout={} note=\"requests still being accepted\"",
                    Units.formatDuration(timeout));
        }
    }

    /** Whether {@link #close} has begun. */
    public boolean closed() {
        return closed;
    }
}
