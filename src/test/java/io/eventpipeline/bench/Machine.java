package io.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the numbers were measured on; the load average says how busy the (possibly shared) machine was. */
record Machine(
        int cores,
        String cpuModel,
        long memoryMib,
        String os,
        String javaVersion,
        String javaVm,
        String gitCommit,
        String loadAverageAtStart,
        String loadAverageAtEnd) {

    static Machine describe() {
        return new Machine(Runtime.getRuntime().availableProcessors(), readCpuModel(), readMemoryMib(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
                readGitCommit(), loadAverage(), null);
    }

    Machine withLoadAverageAtEnd() {
        return new Machine(cores, cpuModel, memoryMib, os, javaVersion, javaVm, gitCommit, loadAverageAtStart,
                loadAverage());
    }

    String summary() {
        return cores + " cores (" + cpuModel + "), " + memoryMib / 1024 + " GiB, " + os + ", Java " + javaVersion;
    }

    private static String readCpuModel() {
        return firstValue(Path.of("/proc/cpuinfo"), "model name", "unknown CPU");
    }

    private static long readMemoryMib() {
        String kib = firstValue(Path.of("/proc/meminfo"), "MemTotal", "0 kB").replace("kB", "").strip();
        try {
            return Long.parseLong(kib) / 1024;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The 1, 5 and 15 minute load averages. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            return "unknown";
        }
    }

    private static String firstValue(Path file, String key, String otherwise) {
        try {
            for (String line : Files.readAllLines(file)) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).strip().equals(key)) {
                    return line.substring(colon + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return otherwise;
    }

    /** The commit measured, when the bench runs in a git work tree; null otherwise. */
    private static String readGitCommit() {
        try {
            Process p = new ProcessBuilder(List.of("git", "describe", "--always", "--dirty")).redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
