package io.eventpipeline.bench;

import java.time.Duration;

/**
 * Warms a JVM up until its rate stops rising. Measured on this machine, a fresh server (and the load generator)
 * kept getting faster for 20 s and more, several times over, while the JIT compiled Jetty's and the driver's paths:
 * a fixed, short warm-up measured the compiler, not the code. Round-to-round noise on a shared machine can look
 * like a plateau, so the rate is only judged after a minimum time; a maximum bounds it all the same.
 */
final class WarmUp {
    /** A round "improves" when it beats the best earlier round by this much. */
    private static final double IMPROVEMENT = 1.05;
    private static final int MIN_ROUNDS = 3;
    /** Rounds in a row without improvement that mean the rate has settled. */
    private static final int SETTLED_AFTER = 2;

    /** One round of load for {@code length}; returns its rate. */
    interface Round {
        double run(Duration length) throws Exception;
    }

    /** Rounds of {@code round} each, for at least {@code min} and at most {@code max}. */
    record Plan(Duration round, Duration min, Duration max) {
    }

    /** How long the warm-up took, how many rounds, and the rate of the last one. */
    record Done(double seconds, int rounds, double lastRate) {
    }

    private WarmUp() {
    }

    static Done run(Plan plan, Round load) throws Exception {
        Duration round = plan.round();
        long start = System.nanoTime();
        long settledNoSooner = start + plan.min().toNanos();
        long deadline = start + plan.max().toNanos();
        double best = 0;
        double last = 0;
        int rounds = 0;
        int flat = 0;
        while (System.nanoTime() + round.toNanos() <= deadline || rounds == 0) {
            last = load.run(round);
            rounds++;
            if (last > best * IMPROVEMENT) {
                flat = 0;
            } else {
                flat++;
            }
            best = Math.max(best, last);
            if (rounds >= MIN_ROUNDS && flat >= SETTLED_AFTER && System.nanoTime() >= settledNoSooner) {
                break;
            }
        }
        return new Done(Math.round((System.nanoTime() - start) / 1e8) / 10.0, rounds, last);
    }
}
