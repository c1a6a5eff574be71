package io.eventpipeline.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.JarProcess;
import io.eventpipeline.errors.StartupException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start with {@code --mqtt-url}, with the real jar and a Mosquitto of the test's own, as README's "MQTT" and
 * "Configuration" describe it: a broker that refuses the credentials ends the start at its first answer, with exit
 * code 1 and one line on stderr; a broker that cannot be reached does not end it: /health says {@code "mqtt":"DOWN"}
 * and why, and the service connects by itself once the broker is up (with {@code --mqtt-required}, not ready until
 * then); a bad MQTT flag value ends the start with exit code 2 and one line ({@code MqttConfigTest} has the
 * messages' rules).
 */
@NeedsMosquitto
class MqttStartupErrorsIT {
    /**
     * A start the broker refuses ends within this: the JVM, the database, the journal and the workers start first
     * (on a loaded machine, several seconds), then the broker's first answer ends it; it is not tried again.
     */
    static final Duration REFUSED_WITHIN = Duration.ofSeconds(30);
    static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /**
     * From the broker's return to the connection: the reconnect backoff has reached a few seconds by then (0.5 s
     * doubling, with jitter, 30 s at most), and a connection attempt takes at most 10 s.
     */
    static final Duration RECONNECT = Duration.ofSeconds(30);
    static final String FILTER = "plant/+/reading";

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private JarProcess service;

    @BeforeAll
    static void requireBroker() {
        MosquittoBroker.require("MqttStartupErrorsIT");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (service != null) {
                service.close();
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
    }

    @Test
    void a_wrong_password_ends_the_start_with_exit_code_1_naming_the_broker_and_the_flags() throws Exception {
        broker = MosquittoBroker.startWithPassword(dir.resolve("mosquitto"), "pipeline", "Right-Password-3");
        String wrong = "Wrong-Password-8";

        JarProcess.Exit exit = run("--mqtt-url", broker.url(), "--mqtt-topics", FILTER, "--mqtt-username",
                "pipeline", "--mqtt-password", wrong);

        assertOneLine(exit, StartupException.UNAVAILABLE, "the MQTT broker " + broker.url()
                + " refused the connection: Not authorized to connect (--mqtt-username, --mqtt-password or "
                + "PIPELINE_MQTT_PASSWORD, --mqtt-client-id)");
        assertThat(exit.took()).as("the first answer ends the start").isLessThan(REFUSED_WITHIN);
        assertThat(exit.stderr()).doesNotContain(wrong);
        assertThat(broker.output()).as("the broker's log").contains("disconnected, not authorised");
    }

    @Test
    void a_broker_that_cannot_be_reached_does_not_stop_the_start_and_is_connected_to_once_it_is_up()
            throws Exception {
        startServiceWithBrokerDown();

        HttpTestClient.Response down = awaitHealth("/health", "mqtt is DOWN after a failed attempt",
                r -> r.json().path("mqtt_error").asText().startsWith("cannot connect to " + broker.url() + ": "));
        assertThat(down.status()).as("/health: %s", down.body()).isEqualTo(200);
        assertThat(down.json().path("mqtt").asText()).isEqualTo("DOWN");
        HttpTestClient.Response ready = http().get("/health/ready");
        assertThat(ready.status()).as("ready without --mqtt-required: %s", ready.body()).isEqualTo(200);

        broker.restart();

        HttpTestClient.Response up = awaitHealth("/health", "mqtt is UP", r -> r.json().path("mqtt").asText()
                .equals("UP"), RECONNECT);
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.json().has("mqtt_error")).as("/health: %s", up.body()).isFalse();
        assertThat(service.output()).contains("event=mqtt_connect_failed").contains("event=mqtt_connected");
    }

    @Test
    void with_mqtt_required_the_service_is_not_ready_until_the_broker_is_up() throws Exception {
        startServiceWithBrokerDown("--mqtt-required");

        HttpTestClient.Response down = awaitHealth("/health/ready", "not ready, as the broker is down",
                r -> r.json().path("mqtt_error").asText().startsWith("cannot connect to " + broker.url() + ": "));
        assertThat(down.status()).as("/health/ready: %s", down.body()).isEqualTo(503);
        assertThat(down.json().path("mqtt").asText()).isEqualTo("DOWN");
        assertThat(down.json().path("database").asText()).as("only MQTT keeps it unready").isEqualTo("UP");
        assertThat(http().get("/health/live").status()).as("alive all the same").isEqualTo(200);

        broker.restart();

        HttpTestClient.Response ready = awaitHealth("/health/ready", "ready once the broker is up",
                r -> r.status() == 200, RECONNECT);
        assertThat(ready.json().path("mqtt").asText()).as("/health/ready: %s", ready.body()).isEqualTo("UP");
    }

    @Test
    void bad_mqtt_flag_values_end_the_start_with_exit_code_2_in_one_line() throws Exception {
        assertOneLine(run("--mqtt-url", "tcp://127.0.0.1:1883", "--mqtt-topics", "plant/#/x"),
                StartupException.BAD_VALUE, "--mqtt-topics: the topic filter 'plant/#/x' is not a valid MQTT "
                        + "topic filter");
        assertOneLine(run("--mqtt-url", "http://x", "--mqtt-topics", FILTER), StartupException.BAD_VALUE,
                "--mqtt-url must be tcp://host:port or ssl://host:port, got 'http://x'");
        assertOneLine(run("--mqtt-topics", "a"), StartupException.BAD_VALUE, "the --mqtt-* flags need --mqtt-url");
    }

    // ---- helpers

    /**
     * A broker started and stopped again, so that its URL names a port nothing listens on until {@code restart()},
     * and the service started against it.
     */
    private void startServiceWithBrokerDown(String... flags) throws Exception {
        broker = MosquittoBroker.start(dir.resolve("mosquitto"));
        broker.stop();
        List<String> args = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString(), "--shutdown-timeout",
                "5s", "--mqtt-url", broker.url(), "--mqtt-topics", FILTER, "--mqtt-client-id", "pipeline-start-it"));
        args.addAll(List.of(flags));
        service = JarProcess.start(dir.resolve("service.log"), List.of("-Xmx256m"), args);
    }

    private HttpTestClient http() {
        return new HttpTestClient(service.port());
    }

    private HttpTestClient.Response awaitHealth(String path, String what, Predicate<HttpTestClient.Response> done)
            throws Exception {
        return awaitHealth(path, what, done, START_TIMEOUT);
    }

    /** Polls GET {@code path} until {@code done} holds; fails at once if the service exits, with both logs. */
    private HttpTestClient.Response awaitHealth(String path, String what, Predicate<HttpTestClient.Response> done,
            Duration timeout) throws Exception {
        HttpTestClient http = http();
        try {
            return Eventually.await(timeout, what, () -> {
                if (!service.isAlive()) {
                    throw new AssertionError("the service exited");
                }
                return http.get(path);
            }, done);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- service\n" + service.output() + broker.output(), e);
        }
    }

    /** The jar with the given flags, a free port and a data directory of its own, until it exits. */
    private JarProcess.Exit run(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--data-dir", dir.resolve("data").toString(), "--port",
                Integer.toString(JarProcess.freePort())));
        return JarProcess.run(dir, args, RUN_LIMIT);
    }

    private static void assertOneLine(JarProcess.Exit exit, int code, String start) {
        assertThat(exit.stderr().lines().toList()).as("stderr, one line").hasSize(1)
                .first().asString().startsWith("error: " + start);
        assertThat(exit.stdout()).as("stdout").isEmpty();
        assertThat(exit.code()).as("exit code; stderr: %s", exit.stderr()).isEqualTo(code);
    }
}
