package io.eventpipeline.lifecycle;

import java.time.Duration;
import org.slf4j.Logger;

/**
 * A dependency checked every interval on a thread of its own, so that /health answers at once from the last
 * result and tells the truth even when nothing else is using the dependency. Logs each change once:
 * {@code event=<name>_down error="..."} and {@code event=<name>_up}.
 */
public abstract class PeriodicCheck implements AutoCloseable {
    private final String name;
    private final Duration interval;
    private final Logger log;
    private volatile boolean up;
    private volatile String lastError = "";
    private volatile boolean running = true;
    private Thread thread;

    /**
     * @param name     what is checked, for the thread and the log lines ({@code database}, {@code broker})
     * @param interval the pause between two checks
     * @param initiallyUp what {@link #up()} says before the first check ends
     */
    protected PeriodicCheck(String name, Duration interval, boolean initiallyUp, Logger log) {
        this.name = name;
        this.interval = interval;
        this.up = initiallyUp;
        this.log = log;
    }

    /**
     * One check.
     *
     * @return null when the dependency works, else why not, in words a person can act on
     * @throws Exception when the check itself fails: the dependency is then down, with the exception's reason
     */
    protected abstract String probe() throws Exception;

    /** The reason of a failed {@link #probe()}, in words a person can act on. */
    protected abstract String reason(Exception e);

    /** Checks once now, then every interval on a daemon thread. */
    public void start() {
        check();
        thread = Thread.ofPlatform().daemon().name(name + "-probe").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            check();
        }
    }

    /** One check, now, on the calling thread. */
    public void check() {
        String error;
        try {
            error = probe();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            error = reason(e);
        }
        boolean ok = error == null;
        if (ok != up) {
            if (ok) {
                log.info("event={}_up", name);
            } else {
                log.warn("event={}_down error=\"{}\"", name, error);
            }
        }
        lastError = ok ? "" : error;
        up = ok;
    }

    /** Whether the last check succeeded. */
    public boolean up() {
        return up;
    }

    /** Why the last check failed, or empty. */
    public String lastError() {
        return lastError;
    }

    /** Stops checking, waiting up to {@code within} for a check in progress. */
    public void close(Duration within) throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(within);
        }
    }
}
