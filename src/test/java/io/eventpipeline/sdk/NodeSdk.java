package io.eventpipeline.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventpipeline.RequiredSuite;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real Node SDKs ({@code @segment/analytics-node}, {@code @rudderstack/rudder-sdk-node}) driven from a test: the
 * Node project of {@code src/test/node} (exact versions in its committed {@code package-lock.json}) is installed with
 * {@code npm ci} under {@code target/node-sdk} once per JVM, when the lockfile differs from what was installed, and
 * {@code sdk-run.js} runs as a child process with the messages on its stdin and its report on its stdout (the
 * shapes are described at the top of {@code sdk-run.js}). {@link OtlpNodeExporter} runs {@code otlp-logs-run.js} of
 * the same project, for the OpenTelemetry JS logs exporter.
 *
 * <p>Needs {@code node} and {@code npm} on the PATH, Node 20 or newer ({@code @segment/analytics-node} 3.x requires
 * it). A suite annotated {@link NeedsNode} is skipped without them, with the reason, except under {@code CI=true},
 * where {@link #require} fails it.
 */
public final class NodeSdk {
    /** The oldest Node major version the pinned SDKs support (their {@code engines}). */
    static final int MIN_NODE_MAJOR = 20;
    static final Path PROJECT = Path.of("src", "test", "node");
    static final Path INSTALL = Path.of("target", "node-sdk");
    private static final List<String> PROJECT_FILES = List.of("package.json", "package-lock.json", "sdk-run.js",
            "otlp-logs-run.js", "driver-io.js", "browser-run.js", "browser-page.html");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NODE_VERSION = Pattern.compile("v(\\d+)\\.\\d+\\.\\d+.*");

    private static Optional<String> unavailable;
    private static Path installed;
    /** Why the install failed, kept so that each later suite fails with it at once instead of trying again. */
    private static IOException installFailure;

    private NodeSdk() {
    }

    /**
     * Why the SDKs cannot run here (no {@code node} or {@code npm} on the PATH, or a Node older than 20), or empty
     * when they can. Asked once per JVM.
     */
    public static synchronized Optional<String> unavailableReason() {
        if (unavailable == null) {
            unavailable = probe("node", "npm");
        }
        return unavailable;
    }

    /** Why the commands named (looked up on the PATH) cannot run the SDKs, if they cannot. */
    static Optional<String> probe(String nodeCommand, String npmCommand) {
        String node;
        try {
            node = output(List.of(nodeCommand, "--version"), PROBE_TIMEOUT).strip();
        } catch (IOException e) {
            return Optional.of("no " + nodeCommand + " on the PATH (" + e.getMessage().strip()
                    + "); the Node SDK tests need Node " + MIN_NODE_MAJOR + "+ and npm");
        }
        Matcher m = NODE_VERSION.matcher(node);
        if (!m.matches() || Integer.parseInt(m.group(1)) < MIN_NODE_MAJOR) {
            return Optional.of("node --version says '" + node + "'; the Node SDK tests need Node " + MIN_NODE_MAJOR
                    + "+");
        }
        try {
            output(List.of(npmCommand, "--version"), PROBE_TIMEOUT);
        } catch (IOException e) {
            return Optional.of("no " + npmCommand + " on the PATH (" + e.getMessage().strip()
                    + "); the Node SDK tests install the SDKs with npm ci");
        }
        return Optional.empty();
    }

    /**
     * Installs the SDKs if needed and returns where; without Node, skips {@code suite} with the reason on stderr,
     * or fails it under {@code CI=true}. Call it from a {@code @BeforeAll}.
     */
    public static Path require(String suite) throws IOException, InterruptedException {
        RequiredSuite.require(unavailableReason(), suite);
        return install();
    }

    /**
     * Copies the Node project into {@code target/node-sdk} and runs {@code npm ci} there, unless the same
     * package.json and lockfile were installed before (a stamp of their SHA-256). {@code --ignore-scripts}: no
     * package needs an install script to run here (the only one is msgpackr-extract's native build, under the
     * optional {@code bull} of rudder-sdk-node, which is omitted); {@code --prefer-offline}: npm's cache is enough
     * once it holds the packages.
     *
     * @throws IOException when {@code npm ci} fails or runs past five minutes, with its output (again for every later
     *                     call in this JVM)
     */
    static synchronized Path install() throws IOException, InterruptedException {
        if (installed != null) {
            return installed;
        }
        if (installFailure != null) {
            throw new IOException(installFailure.getMessage(), installFailure);
        }
        try {
            installed = installOnce();
            return installed;
        } catch (IOException e) {
            installFailure = e;
            throw e;
        }
    }

    private static Path installOnce() throws IOException, InterruptedException {
        Files.createDirectories(INSTALL);
        for (String file : PROJECT_FILES) {
            Files.copy(PROJECT.resolve(file), INSTALL.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        String want = stamp();
        Path stampFile = INSTALL.resolve("node_modules").resolve(".installed-from");
        if (!Files.exists(stampFile) || !Files.readString(stampFile).equals(want)) {
            long t0 = System.nanoTime();
            Path log = INSTALL.resolve("npm-ci.log");
            Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts",
                    "--omit=optional", "--prefer-offline", "--loglevel=warn").directory(INSTALL.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(INSTALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("npm ci in " + INSTALL + " ran past " + INSTALL_TIMEOUT + ": "
                        + Files.readString(log));
            }
            if (p.exitValue() != 0) {
                throw new IOException("npm ci in " + INSTALL + " exited " + p.exitValue() + ": "
                        + Files.readString(log));
            }
            Files.writeString(stampFile, want);
            System.out.printf("NodeSdk: npm ci installed the SDKs in %s in %d ms%n", INSTALL,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        return INSTALL.toAbsolutePath();
    }

    private static String stamp() throws IOException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(PROJECT.resolve("package.json")));
            sha.update(Files.readAllBytes(PROJECT.resolve("package-lock.json")));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Which SDK, by the name {@code sdk-run.js} knows it by: {@code @segment/analytics-node} 3.x, the same package's
     * 2.x (installed under the npm alias {@code @segment/analytics-node-v2}), {@code @rudderstack/rudder-sdk-node}.
     */
    public enum Sdk {
        SEGMENT("segment"), SEGMENT_V2("segment-v2"), RUDDER("rudder");

        final String id;

        Sdk(String id) {
            this.id = id;
        }
    }

    /**
     * One run's input: the SDK, the service's base URL ({@code http://127.0.0.1:port}), the write key, the SDK's
     * constructor options (JSON), the messages ({@code {"type":"track", ...}}) and how long the SDK may take to report
     * on all of them.
     */
    public record Input(Sdk sdk, String url, String writeKey, Map<String, ?> settings, List<Map<String, ?>> messages,
            Duration deadline) {
        String json() throws IOException {
            ObjectNode in = JSON.createObjectNode();
            in.put("sdk", sdk.id).put("url", url).put("writeKey", writeKey).put("deadlineMs", deadline.toMillis());
            in.set("settings", JSON.valueToTree(settings));
            in.set("messages", JSON.valueToTree(messages));
            return JSON.writeValueAsString(in);
        }
    }

    /** What the SDK said of one message: the id it gave it, and its error (null: delivered). */
    public record Message(int index, String type, String messageId, String error) {
    }

    /**
     * One HTTP attempt the SDK made: when it was sent and when its answer came (ms after the run began; answeredMs
     * null: no answer seen), the messageIds it carried, the answer's status (null: no answer) and Retry-After, a
     * network error, and the request's headers.
     */
    public record Request(long ms, Long answeredMs, List<String> messageIds, Integer status, String retryAfter,
            String error, Map<String, String> headers) {
    }

    /** The whole report of a run (see sdk-run.js), with its stderr (progress lines and the SDK's own logging). */
    public record Result(String sdk, String version, List<Message> messages, List<Request> requests,
            List<String> reported, long elapsedMs, String stderr) {
        /** The messageIds of the messages the SDK reported delivered, in call order. */
        public List<String> deliveredIds() {
            return messages.stream().filter(m -> m.error() == null).map(Message::messageId).toList();
        }

        /** The messages the SDK reported not delivered (an error, or no report by the deadline). */
        public List<Message> failed() {
            return messages.stream().filter(m -> m.error() != null).toList();
        }

        /** The statuses the service answered, in order (null for an attempt without an answer). */
        public List<Integer> statuses() {
            return requests.stream().map(Request::status).toList();
        }

        /**
         * The report in a few lines, for an assertion's description: the answers and what failed first, then the
         * headers of the first request (an answer such as 415 is about them), then the details and stderr.
         */
        public String summary() {
            List<Message> failed = failed();
            StringBuilder s = new StringBuilder(sdk + " " + version + " in " + elapsedMs + " ms: statuses "
                    + statuses() + "; " + failed.size() + " of " + messages.size() + " messages failed");
            if (!failed.isEmpty()) {
                s.append(" (first: ").append(failed.getFirst().type()).append(": ").append(failed.getFirst().error())
                        .append(")");
            }
            if (!requests.isEmpty()) {
                Map<String, String> headers = new TreeMap<>(requests.getFirst().headers());
                headers.remove("authorization");
                s.append("\nthe first request's headers (Authorization left out): ").append(headers);
            }
            s.append("\nreported by the SDK: ").append(reported);
            s.append("\nfailed messages: ").append(failed.stream().limit(10)
                    .map(m -> m.index() + " " + m.type() + ": " + m.error()).toList());
            return s.append("\nstderr:\n").append(stderr).toString();
        }
    }

    /** A run of {@code sdk-run.js} (or another script of the Node project) under way. */
    public static final class Run {
        private final String script;
        private final Process process;
        /** The child's stdin while the run is held ({@link #release}), else null: it was closed after the input. */
        private final OutputStream stdin;
        private final CompletableFuture<String> stdout;
        private final StringBuffer stderr = new StringBuffer();
        private final Thread stderrReader;
        private final Duration deadline;

        private Run(String script, Process process, OutputStream stdin, Duration deadline) {
            this.script = script;
            this.process = process;
            this.stdin = stdin;
            this.deadline = deadline;
            this.stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
            this.stderrReader = Thread.ofVirtual().start(() -> {
                try (InputStream err = process.getErrorStream()) {
                    byte[] buffer = new byte[4096];
                    for (int n; (n = err.read(buffer)) >= 0;) {
                        stderr.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // the process is gone: what was read is kept
                }
            });
        }

        /** What the run wrote to stderr so far (its progress lines say each answer the SDK got). */
        public String stderr() {
            return stderr.toString();
        }

        /**
         * Closes the child's stdin, which tells a script started {@linkplain #startHeld held} that it may finish
         * (browser-run.js closes its browser then); a run started otherwise has its stdin closed already.
         */
        public void release() throws IOException {
            if (stdin != null) {
                stdin.close();
            }
        }

        /**
         * Ends the child process now if it still runs (a test that failed before it could await the run), and waits
         * for it to be gone; the browser of browser-run.js ends with it (its debugging pipe closes).
         */
        public void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor();
            }
        }

        /** True while the child process runs. */
        public boolean running() {
            return process.isAlive();
        }

        /** True once a progress line on stderr matches, e.g. {@code l -> l.contains("answer 503")}. */
        public boolean logged(Predicate<String> line) {
            return stderr().lines().anyMatch(line);
        }

        /**
         * Waits for the run to end and returns its report; fails when it runs 30 s past its deadline (then it is
         * killed) or exits other than 0 (a crash, or the SDK did not report on every message by the deadline).
         */
        public Result await() throws IOException, InterruptedException {
            JsonNode report = awaitReport();
            List<Message> messages = new ArrayList<>();
            for (JsonNode m : report.path("messages")) {
                messages.add(new Message(m.path("index").asInt(), m.path("type").asText(), text(m.path("messageId")),
                        text(m.path("error"))));
            }
            List<Request> requests = new ArrayList<>();
            for (JsonNode r : report.path("requests")) {
                List<String> ids = new ArrayList<>();
                r.path("messageIds").forEach(id -> ids.add(id.asText()));
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                r.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
                requests.add(new Request(r.path("ms").asLong(),
                        r.path("answeredMs").isNumber() ? r.path("answeredMs").asLong() : null, ids,
                        r.path("status").isNumber() ? r.path("status").asInt() : null, text(r.path("retryAfter")),
                        text(r.path("error")), headers));
            }
            List<String> reported = new ArrayList<>();
            report.path("reported").forEach(e -> reported.add(e.asText()));
            return new Result(report.path("sdk").asText(), report.path("version").asText(), messages, requests,
                    reported, report.path("elapsedMs").asLong(), stderr());
        }

        /**
         * Waits for the run to end and returns the JSON line it printed; fails when it runs 30 s past its deadline
         * (then it is killed) or exits other than 0 (a crash, or 2: its deadline passed first).
         */
        public JsonNode awaitReport() throws IOException, InterruptedException {
            Duration limit = deadline.plusSeconds(30);
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(script + " ran past " + limit + "; stderr:\n" + stderr());
            }
            String out;
            try {
                out = stdout.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new AssertionError(script + "'s stdout could not be read", e);
            }
            stderrReader.join(Duration.ofSeconds(10)); // the pipe closes when the process ends
            if (process.exitValue() != 0) {
                throw new AssertionError(script + " exited " + process.exitValue() + " (2: the SDK had not "
                        + "finished by the deadline); stdout:\n" + out + "\nstderr:\n" + stderr());
            }
            return JSON.readTree(out);
        }

        private static String text(JsonNode n) {
            return n.isNull() || n.isMissingNode() ? null : n.asText();
        }
    }

    /** Starts {@code node sdk-run.js} on {@code input} (installing the SDKs first if needed). */
    public static Run start(Input input) throws IOException, InterruptedException {
        return start("sdk-run.js", input.json(), input.deadline());
    }

    /**
     * Starts {@code node <script>} of the Node project (one of its files) with {@code json} on its stdin, installing
     * the packages first if needed; {@code deadline} is the script's own, {@link Run#awaitReport} waits 30 s more.
     */
    static Run start(String script, String json, Duration deadline) throws IOException, InterruptedException {
        Path dir = install();
        Process p = new ProcessBuilder("node", script).directory(dir.toFile()).start();
        Run run = new Run(script, p, null, deadline);
        try (var stdin = p.getOutputStream()) {
            stdin.write(json.getBytes(StandardCharsets.UTF_8));
        }
        return run;
    }

    /**
     * Like {@link #start(String, String, Duration)}, but {@code json} and a newline are written and stdin is left
     * open until {@link Run#release}: for a script that reads its input from the first line and waits for the end of
     * stdin before it finishes (browser-run.js with {@code hold}). The deadline includes the hold.
     */
    static Run startHeld(String script, String json, Duration deadline) throws IOException, InterruptedException {
        Path dir = install();
        Process p = new ProcessBuilder("node", script).directory(dir.toFile()).start();
        OutputStream stdin = p.getOutputStream();
        Run run = new Run(script, p, stdin, deadline);
        stdin.write((json + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
        return run;
    }

    /** Runs {@code input} to the end: {@link #start} then {@link Run#await}. */
    public static Result run(Input input) throws IOException, InterruptedException {
        return start(input).await();
    }

    private static String output(List<String> command, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " gave no answer within " + timeout);
            }
            String out = read(p.getInputStream());
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
