package io.eventpipeline.bench;

import java.io.PrintStream;

/** One line per step on stderr, with the time since the start, so that a user sees where a long run is. */
final class Progress {
    private final PrintStream out;
    private final long start = System.nanoTime();

    Progress(PrintStream out) {
        this.out = out;
    }

    void say(String format, Object... args) {
        out.printf("bench [%5.1fs] %s%n", (System.nanoTime() - start) / 1e9, String.format(format, args));
    }

    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }
}
