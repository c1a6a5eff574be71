package io.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How busy the whole machine was during a phase, from /proc/stat: on a shared machine, the cores in use beyond the
 * server's and the load generator's own CPU time are the database's and other people's work.
 */
final class MachineCpu {
    private final long busyStart;
    private final long totalStart;

    private MachineCpu(long[] busyAndTotal) {
        this.busyStart = busyAndTotal[0];
        this.totalStart = busyAndTotal[1];
    }

    static MachineCpu start() {
        return new MachineCpu(read());
    }

    /** Cores busy on average since {@link #start}; -1 where /proc/stat does not say. */
    double busyCores() {
        long[] now = read();
        long total = now[1] - totalStart;
        if (total <= 0 || now[1] == 0) {
            return -1;
        }
        double busy = (double) (now[0] - busyStart) / total * Runtime.getRuntime().availableProcessors();
        return Math.round(busy * 100) / 100.0;
    }

    /** {busy, total} jiffies over all CPUs; idle and iowait count as not busy. */
    private static long[] read() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
