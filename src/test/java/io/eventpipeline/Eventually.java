package io.eventpipeline;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * The one way tests wait for something another thread or process does: poll a condition with a short backoff
 * (1 ms, doubling to 50 ms, never past the deadline) until it holds, and on timeout fail with what was awaited and
 * the last value or exception the poll saw. An exception from the condition is a "not yet" (the service may still
 * be starting); an {@link Error}, such as an {@link AssertionError} for a state that can never recover, fails at
 * once.
 */
public final class Eventually {
    private static final Duration FIRST_PAUSE = Duration.ofMillis(1);
    private static final Duration LONGEST_PAUSE = Duration.ofMillis(50);

    private Eventually() {
    }

    /**
     * Polls {@code condition} until it returns true.
     *
     * @param what the awaited state, as the end of "waiting until ..."
     * @throws AssertionError when {@code timeout} passes first
     */
    public static void await(Duration timeout, String what, Callable<Boolean> condition) throws InterruptedException {
        await(timeout, what, condition, Boolean.TRUE::equals);
    }

    /**
     * Polls {@code probe} until {@code done} accepts what it returns, and returns that value.
     *
     * @param what the awaited state, as the end of "waiting until ..."
     * @throws AssertionError when {@code timeout} passes first; it names the last value {@code probe} returned and
     *     has its last exception as the cause
     */
    public static <T> T await(Duration timeout, String what, Callable<T> probe, Predicate<? super T> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE.toNanos();
        boolean seen = false;
        T last = null;
        Exception failure = null;
        while (true) {
            try {
                T value = probe.call();
                if (done.test(value)) {
                    return value;
                }
                seen = true;
                last = value;
                failure = null;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                failure = e;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw timedOut(timeout, what, seen, last, failure);
            }
            Thread.sleep(Duration.ofNanos(Math.min(pause, left)));
            pause = Math.min(pause * 2, LONGEST_PAUSE.toNanos());
        }
    }

    private static AssertionError timedOut(Duration timeout, String what, boolean seen, Object last,
            Exception failure) {
        StringBuilder message = new StringBuilder("timed out after " + timeout + " waiting until " + what);
        if (failure != null) {
            message.append("; the last poll failed: ").append(failure);
        }
        if (seen && !(last instanceof Boolean)) { // a yes/no condition's "false" says nothing
            message.append(failure != null ? "; before that it saw: " : "; the last poll saw: ").append(last);
        }
        return new AssertionError(message.toString(), failure);
    }
}
