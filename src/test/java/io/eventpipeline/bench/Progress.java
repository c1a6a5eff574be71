package io.eventpipeline.bench;

import java.io.PrintStream;

/**
 * One line per step on stderr, with the time since the start, so that a user sees where a long run is, and the
 * 1-minute load average, so that a phase measured while something else used the cores can be told apart.
 */
final class Progress {
    private final PrintStream out;
    private final long start = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
    }

    void say(String format, Object... args) {
        String load = Machine.loadAverage().split(" ")[0];
        out.printf("bench [%5.1fs, load %s] %s%n", (System.nanoTime() - start) / 1e9, load,
                String.format(format, args));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
