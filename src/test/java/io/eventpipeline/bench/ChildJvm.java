package io.eventpipeline.bench;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in its own JVM (the bench's JDK, the bench's JVM flags), so that it gets the CPU of a real
 * deployment and its memory can be read from /proc. Output goes to a log file, which a failure quotes.
 */
final class ChildJvm implements AutoCloseable {
    private static final long HEALTH_POLL_MILLIS = 5;

    private final String name;
    private final Process process;
    private final long spawnNanos;
    private final Path log;

    private ChildJvm(String name, Process process, long spawnNanos, Path log) {
        this.name = name;
        this.process = process;
        this.spawnNanos = spawnNanos;
        this.log = log;
    }

    /** Starts {@code java <jvmFlags> <launch...>}; PIPELINE_* variables are dropped so every flag is its default. */
    static ChildJvm start(String name, List<String> jvmFlags, List<String> launch, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(launch);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("PIPELINE_"));
        long spawn = System.nanoTime();
        return new ChildJvm(name, pb.start(), spawn, log);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code health} every ~5 ms until it answers 200; returns the time since the spawn. */
    Duration awaitHealthy(HttpClient client, URI health, Duration timeout) throws IOException, InterruptedException {
        long deadline = spawnNanos + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with code " + process.exitValue() + " before it was healthy; "
                        + "its log " + log + " ends with:\n" + logTail());
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2))
                        .GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return Duration.ofNanos(System.nanoTime() - spawnNanos);
                }
            } catch (ConnectException | HttpTimeoutException e) {
                // not listening yet
            }
            Thread.sleep(HEALTH_POLL_MILLIS);
        }
        throw new IOException(name + " did not answer 200 on " + health + " within " + timeout.toSeconds()
                + " s; its log " + log + " ends with:\n" + logTail());
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits for a process that ends by itself (a load generator) and returns its exit code; kills it and throws
     * when it has not ended within {@code timeout}.
     */
    int waitFor(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IOException(name + " did not end within " + timeout.toSeconds() + " s; its log " + log
                    + " ends with:\n" + logTail());
        }
        return process.exitValue();
    }

    /** The process's peak resident set (VmHWM), in KiB; 0 where /proc does not say. */
    long peakRssKib() {
        return procStatusKib("VmHWM:");
    }

    /** User plus system CPU time the process has used so far. */
    Duration cpuTime() {
        return process.info().totalCpuDuration().orElse(Duration.ZERO);
    }

    private long procStatusKib(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return 0;
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM (the service drains its queue), then SIGKILL if it takes longer than the grace time. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            System.err.println("bench: " + name + " did not stop within 40 s of SIGTERM; killing it");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
