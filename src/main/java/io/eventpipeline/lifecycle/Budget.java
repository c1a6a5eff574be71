package io.eventpipeline.lifecycle;

import java.time.Duration;

/**
 * The time a whole stop may take (--shutdown-timeout), counted from its first step: every step draws on what is
 * left, so that the steps together cannot add up to more than the one figure the operator gave.
 */
public final class Budget {
    private final Duration total;
    private final long startNanos;

    private Budget(Duration total, long startNanos) {
        this.total = total;
        this.startNanos = startNanos;
    }

    /** A budget of {@code total}, starting now. */
    public static Budget of(Duration total) {
        return new Budget(total, System.nanoTime());
    }

    /** The whole budget, as given (--shutdown-timeout for a stop). */
    public Duration total() {
        return total;
    }

    /** Time since the budget started. */
    public Duration spent() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** What is left of the budget; zero, never negative, once it is spent. */
    public Duration remaining() {
        Duration left = total.minus(spent());
        return left.isNegative() ? Duration.ZERO : left;
    }
}
