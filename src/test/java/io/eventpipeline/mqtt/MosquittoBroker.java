package io.eventpipeline.mqtt;

import io.eventpipeline.Eventually;
import io.eventpipeline.RequiredSuite;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Mosquitto broker of the test's own: {@code /usr/sbin/mosquitto -c <conf>} listening on a free loopback port,
 * never the 1883 a system broker may hold, with a configuration, a persistence file and a log in a directory of its
 * own. {@link #restart()} brings it back on the same port with the same persistence, so that the sessions and the
 * messages queued for them survive as they do for an operator's broker. {@link #startWithPassword} starts one that
 * lets in only the one user with its password, as an operator's broker does.
 *
 * <p>A suite that uses it is annotated {@link NeedsMosquitto}: without the binary it is skipped with the reason, or
 * fails under {@code CI=true} ({@link #require}).
 */
public final class MosquittoBroker implements AutoCloseable {
    /** Debian's package puts the broker here; {@code .ci/run} installs it when it is missing. */
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    /** The password file's tool, from the same package. */
    static final Path PASSWD = Path.of("/usr/bin/mosquitto_passwd");
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final Path config;
    private final Path log;
    private final int port;
    /** The listener's TLS settings, appended to {@link #configuration}; empty for plain TCP. */
    private final String tls;
    private Process process;

    private MosquittoBroker(Path dir, int port, Path passwordFile, String tls) throws IOException {
        this.dir = dir;
        this.port = port;
        this.tls = tls;
        this.config = dir.resolve("mosquitto.conf");
        this.log = dir.resolve("mosquitto.log");
        Files.writeString(config, configuration(dir, port, passwordFile) + tls);
    }

    /**
     * Starts a broker with its files under {@code dir} (created if missing) on a free loopback port, and waits until
     * the port accepts connections.
     *
     * @throws IOException when the broker cannot be started
     * @throws AssertionError when it does not listen within {@link #START_TIMEOUT} (the message has its log)
     */
    public static MosquittoBroker start(Path dir) throws IOException, InterruptedException {
        return launched(dir, null, "");
    }

    /**
     * As {@link #start}, with a listener that speaks TLS only (Mosquitto's default versions, no client certificates
     * asked for): {@link #url()} is then {@code ssl://127.0.0.1:<port>}.
     *
     * @param caFile   the CA that signed the certificate (PEM)
     * @param certFile the broker's certificate (PEM)
     * @param keyFile  its private key (PEM, unencrypted)
     */
    public static MosquittoBroker startTls(Path dir, Path caFile, Path certFile, Path keyFile)
            throws IOException, InterruptedException {
        // Settings of the listener above them: the only one.
        return launched(dir, null, String.join("\n",
                "cafile " + caFile.toAbsolutePath(),
                "certfile " + certFile.toAbsolutePath(),
                "keyfile " + keyFile.toAbsolutePath(),
                ""));
    }

    /** A broker with its files under {@code dir}, started: without a password file it lets anyone in. */
    private static MosquittoBroker launched(Path dir, Path passwordFile, String tls)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        MosquittoBroker broker = new MosquittoBroker(dir, freePort(), passwordFile, tls);
        broker.launch();
        return broker;
    }

    /**
     * As {@link #start}, but the broker lets in no anonymous client: only {@code user} with {@code password}
     * (a password file made by {@code mosquitto_passwd}); any other CONNECT is refused as not authorised.
     *
     * @throws IOException when the password file cannot be made or the broker cannot be started
     */
    public static MosquittoBroker startWithPassword(Path dir, String user, String password)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(PASSWD)) {
            throw new IOException(PASSWD + " is missing (Debian package mosquitto, as " + BINARY + ")");
        }
        Files.createDirectories(dir);
        Path file = dir.resolve("passwords");
        Process p = new ProcessBuilder(PASSWD.toString(), "-b", "-c", file.toString(), user, password)
                .redirectErrorStream(true).start();
        if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(PASSWD + " did not make " + file + ": " + new String(p.getInputStream()
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        return launched(dir, file, "");
    }

    /**
     * Fails the calling suite without the broker binary under {@code CI=true}, skips it elsewhere (with the reason on
     * stderr). Call it from a {@code @BeforeAll}.
     */
    public static void require(String suite) {
        RequiredSuite.require(unavailableReason(), suite);
    }

    /** Why no broker can be started here (the binary is missing or not executable), if it cannot. */
    public static Optional<String> unavailableReason() {
        if (!Files.isExecutable(BINARY)) {
            return Optional.of(BINARY + " is missing (Debian package mosquitto, Mosquitto 2.0)");
        }
        return Optional.empty();
    }

    /** What the binary says of its version ({@code mosquitto version 2.0.11}), or "mosquitto" when it says nothing. */
    public static String version() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(BINARY.toString(), "-h").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .lines().findFirst().orElse("mosquitto");
        p.waitFor(10, TimeUnit.SECONDS);
        return first.trim();
    }

    /** The configuration: see each setting's comment. */
    static String configuration(Path dir, int port) {
        return String.join("\n",
                "# Written by the tests' MosquittoBroker; one broker per test, on a port of its own.",
                "listener " + port + " 127.0.0.1",
                "allow_anonymous true",
                // Run as root, Mosquitto drops its privileges to the user mosquitto, which cannot write this
                // directory's log and persistence file.
                "user root",
                // The sessions and their queued messages outlive a restart, as the service's persistent session
                // expects of an operator's broker.
                "persistence true",
                "persistence_location " + dir.toAbsolutePath() + "/",
                // Saved every second as well as at a clean stop: kill9() loses at most the last second's changes.
                "autosave_interval 1",
                // The default of 1000 messages queued per client is what an operator must raise: past it Mosquitto
                // drops QoS 1 messages for an absent or slow subscriber silently, and a test that publishes 10,000
                // while the service is down or held back would lose them to the broker, not to the service.
                "max_queued_messages 100000",
                // QoS 1 messages sent to a client and not yet acknowledged: the default 20 makes every PUBACK's
                // round trip a pause in the stream and limits the throughput; 100 keeps it flowing while still
                // bounding what the service holds unacknowledged.
                "max_inflight_messages 100",
                // Small PUBLISH and PUBACK packets: no Nagle delay between them.
                "set_tcp_nodelay true",
                "log_dest file " + dir.toAbsolutePath().resolve("mosquitto.log"),
                "log_type error",
                "log_type warning",
                "log_type notice",
                "log_type information",
                "connection_messages true",
                "log_timestamp_format %Y-%m-%dT%H:%M:%S",
                "");
    }

    /** {@link #configuration(Path, int)}, but only the users of {@code passwordFile} are let in (null: anyone). */
    static String configuration(Path dir, int port, Path passwordFile) {
        String conf = configuration(dir, port);
        return passwordFile == null ? conf : conf.replace("\nallow_anonymous true\n",
                "\nallow_anonymous false\npassword_file " + passwordFile.toAbsolutePath() + "\n");
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(BINARY.toString(), "-c", config.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile())).start();
        try {
            Eventually.await(START_TIMEOUT, "mosquitto accepts connections on 127.0.0.1:" + port, () -> {
                if (!process.isAlive()) {
                    throw new AssertionError("mosquitto exited with " + process.exitValue());
                }
                return accepts(port);
            });
        } catch (AssertionError e) {
            String output = output();
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(e.getMessage() + "\n" + output, e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The TCP port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /**
     * The URL a Paho client and {@code --mqtt-url} take: {@code tcp://127.0.0.1:<port>}, or {@code ssl://…} for a
     * broker of {@link #startTls}.
     */
    public String url() {
        return (tls.isEmpty() ? "tcp" : "ssl") + "://127.0.0.1:" + port;
    }



    /** SIGKILL: nothing is saved beyond the last autosave (at most a second old). */
    public void kill9() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("mosquitto survived SIGKILL for " + STOP_TIMEOUT);
            }
        }
    }

    /**
     * SIGTERM and waits for the exit: Mosquitto saves its persistence file first.
     *
     * @throws AssertionError when it does not exit within {@link #STOP_TIMEOUT} (it is then killed)
     */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill9();
                throw new AssertionError("mosquitto did not exit within " + STOP_TIMEOUT + " of SIGTERM");
            }
        }
    }

    /**
     * Stops the broker if it runs (SIGTERM, so that it saves its state; after {@link #kill9()} what the last
     * autosave kept is used) and starts it again on the same port with the same persistence.
     */
    public void restart() throws IOException, InterruptedException {
        stop();
        // The kernel may hold the port for a moment after the old process is gone.
        Eventually.await(START_TIMEOUT, "port " + port + " is free again", () -> !accepts(port));
        launch();
    }

    /** The broker's log and its standard output so far, for a failure's message. */
    public String output() {
        StringBuilder out = new StringBuilder();
        for (Path p : new Path[] {log, dir.resolve("mosquitto.out")}) {
            try {
                if (Files.exists(p)) {
                    out.append("--- ").append(p).append('\n').append(Files.readString(p));
                }
            } catch (IOException e) {
                out.append("--- ").append(p).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stop();
        } finally {
            kill9();
        }
    }
}
