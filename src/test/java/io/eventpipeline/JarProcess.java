package io.eventpipeline;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real jar in a child process, as an operator runs it: for signals, crashes and restarts. */
public final class JarProcess implements AutoCloseable {
    private final Process process;
    private final Path log;
    private final int port;

    private JarProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code java -Xmx512m -jar event-pipeline.jar --port <free> args...}; output goes to {@code log}. */
    public static JarProcess start(Path log, List<String> args) throws IOException {
        return start(log, List.of("-Xmx512m"), args);
    }

    /**
     * Starts {@code java jvmArgs... -jar event-pipeline.jar --port <free> args...}; output goes to {@code log}.
     * The JVM arguments are the operator's: a heap limit, GC logging.
     */
    public static JarProcess start(Path log, List<String> jvmArgs, List<String> args) throws IOException {
        int port = freePort();
        List<String> command = javaJar(jvmArgs);
        command.addAll(List.of("--port", Integer.toString(port)));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new JarProcess(p, log, port);
    }

    /** How a run that ended by itself ended: its exit code, each stream apart, and how long it ran. */
    public record Exit(int code, String stdout, String stderr, Duration took) {
    }

    /**
     * Runs {@code java -jar event-pipeline.jar args...} (exactly these arguments: no port is added) until it exits,
     * its output in files under {@code dir}; fails with that output if it runs longer than {@code timeout}.
     */
    public static Exit run(Path dir, List<String> args, Duration timeout) throws Exception {
        List<String> command = javaJar(List.of("-Xmx256m"));
        command.addAll(args);
        Path out = Files.createTempFile(dir, "stdout", ".txt");
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        long t0 = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("PIPELINE_")); // only the given flags count
        Process p = builder.start();
        boolean ended = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (!ended) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError("the service did not exit within " + timeout + ":\n" + Files.readString(err));
        }
        return new Exit(p.exitValue(), Files.readString(out), Files.readString(err), took);
    }

    private static List<String> javaJar(List<String> jvmArgs) {
        String jar = System.getProperty("pipeline.jar", "target/event-pipeline.jar");
        if (!Files.exists(Path.of(jar))) {
            throw new IllegalStateException("the service jar " + jar + " is missing: run `make build` first");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar));
        return command;
    }

    /** A TCP port that was free a moment ago, for a flag that names one. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until GET /health answers 200, or fails with the log when the process dies or time runs out. */
    public JarProcess awaitHealthy(Duration timeout) throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            Eventually.await(timeout, "GET /health answers 200", () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the service exited with " + process.exitValue());
                }
                return client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ":\n" + output(), e);
        }
        return this;
    }

    /** SIGTERM, as systemd or Kubernetes stop it. */
    public void terminate() {
        process.destroy();
    }

    /** SIGKILL: no shutdown code runs at all. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Waits for the exit and returns its code; fails with the log if it takes longer than {@code timeout}. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the service did not exit within " + timeout + ":\n" + output());
        }
        return process.exitValue();
    }

    public String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
