package io.eventpipeline.lifecycle;

import java.time.Duration;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * What a start has opened, as one stack: each resource is pushed as it is opened, with the step that undoes it, and
 * {@link #closeAll} undoes them last-opened first, within one {@link Budget}. A start that fails half-way closes
 * exactly what it opened, through the same stack as a stop (as Dropwizard's managed objects and HikariCP's ordered
 * shutdown do).
 *
 * <p>Each step is given what is left of the budget, less what it leaves for the steps after it, and at least
 * {@link #FLOOR}. A step that has not returned by then is left running and behind (the exit ends it), unless it
 * was pushed with {@link #pushUncut} because it holds data that would otherwise be lost. So a stop ends within the
 * budget plus at most {@link #FLOOR} for each step that starts after the budget is spent, plus the overrun of an
 * uncut step.
 */
public final class Resources {
    private static final Logger log = LoggerFactory.getLogger(Resources.class);

    /**
     * The least time a step gets, even once the budget is spent: enough to close a file or release a lock, and the
     * margin by which each step after the budget can overrun it.
     */
    public static final Duration FLOOR = Duration.ofMillis(100);

    /** Undoes one resource, taking at most {@code allowed} where it can wait (joins, graceful stops, syncs). */
    @FunctionalInterface
    public interface Step {
        void close(Duration allowed) throws Exception;
    }

    private record Entry(String name, Duration leave, boolean uncut, Step step) {
    }

    private final Deque<Entry> entries = new ConcurrentLinkedDeque<>();

    /** Pushes a step that gets what is left of the budget; cut when it overruns that. */
    public void push(String name, Step step) {
        entries.addLast(new Entry(name, Duration.ZERO, false, step));
    }

    /** Pushes a step that leaves {@code leave} of the budget to the steps after it; cut when it overruns. */
    public void pushLeaving(String name, Duration leave, Step step) {
        entries.addLast(new Entry(name, leave, false, step));
    }

    /**
     * Pushes a step that is told to leave {@code leave} to the steps after it but is waited for however long it
     * takes, because cutting it would lose data (events not yet kept on disk): it must bound its own waits.
     */
    public void pushUncut(String name, Duration leave, Step step) {
        entries.addLast(new Entry(name, leave, true, step));
    }

    /**
     * Runs every step, last pushed first, each within its share of {@code budget}; a step that fails or is cut does
     * not stop the ones after it. Logs each step's time and what is left of the budget at {@code level}, and
     * failures and cuts as warnings.
     */
    public void closeAll(Budget budget, Level level) {
        boolean interrupted = false;
        Entry e;
        while ((e = entries.pollLast()) != null) {
            Duration allowed = budget.remaining().minus(e.leave());
            if (allowed.compareTo(FLOOR) < 0) {
                allowed = FLOOR;
            }
            long t0 = System.nanoTime();
            AtomicReference<Exception> failure = new AtomicReference<>();
            Entry entry = e;
            Duration given = allowed;
            Thread t = Thread.ofVirtual().name("stop-" + e.name()).start(() -> {
                try {
                    entry.step().close(given);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt(); // cut: the warning below says so
                } catch (Exception x) {
                    failure.set(x);
                }
            });
            boolean done;
            try {
                if (e.uncut()) {
                    t.join();
                    done = true;
                } else {
                    done = t.join(allowed);
                }
            } catch (InterruptedException x) {
                interrupted = true; // ours, not the step's: finish closing, then restore it
                Thread.interrupted();
                done = false;
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (!done) {
                // Not interrupted: a close interrupted half-way (HikariCP's) only adds a stack trace to the log.
                log.warn("event=stop_step_cut step={} allowed_ms={} note=\"not done in its share of the shutdown "
                        + "budget; left to the exit\"", e.name(), allowed.toMillis());
            } else if (failure.get() != null) {
                log.warn("event=stop_step_failed step={} error=\"{}\"", e.name(), message(failure.get()));
            }
            log.atLevel(level).log("event=stop_step step={} ms={} allowed_ms={} budget_left_ms={}", e.name(), ms,
                    allowed.toMillis(), budget.remaining().toMillis());
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** True when nothing is left to close. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    private static String message(Exception e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('"', '\'');
    }
}
