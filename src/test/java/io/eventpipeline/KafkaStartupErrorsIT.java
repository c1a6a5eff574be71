package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.errors.StartupException;
import io.eventpipeline.journal.Journal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start of {@code --queue kafka} that cannot succeed, with the real jar, as {@link StartupErrorsIT} checks the
 * others: stderr is one line that names the flag or the setting, nothing else is printed (no Kafka client log
 * lines), and the exit code is the documented one. No broker is needed: each start is refused before one would be
 * used, or because none answers.
 */
class KafkaStartupErrorsIT {
    /**
     * The service waits 20 s for the brokers at start; the JVM's start and exit come on top, with room for a loaded
     * CI machine.
     */
    static final Duration NO_BROKER_EXIT = Duration.ofSeconds(35);

    @TempDir
    Path dir;

    @Test
    void a_kafka_config_that_lowers_acks_is_refused_with_exit_code_2() throws Exception {
        Path file = Files.writeString(dir.resolve("kafka.properties"), "bootstrap.servers=127.0.0.1:9\nacks=1\n");

        JarProcess.Exit exit = run("--queue", "kafka", "--kafka-config", file.toString());

        assertOneLine(exit, StartupException.BAD_VALUE, "--kafka-config sets acks=1, but the service needs acks=all");
        assertThat(exit.took()).isLessThan(StartupErrorsIT.AT_ONCE);
    }

    @Test
    void durability_with_queue_kafka_is_refused_with_exit_code_2() throws Exception {
        JarProcess.Exit exit = run("--queue", "kafka", "--kafka-bootstrap", "127.0.0.1:9", "--durability", "memory");

        assertOneLine(exit, StartupException.BAD_VALUE, "--durability applies to --queue local only");
        assertThat(exit.took()).isLessThan(StartupErrorsIT.AT_ONCE);
    }

    /**
     * An instance moved from {@code --queue local} to Kafka mode on a data directory whose journal still holds
     * events it accepted: refused, since Kafka mode never reads the journal, with what to do; the journal is not
     * touched.
     */
    @Test
    void a_journal_left_by_queue_local_with_events_in_it_is_refused_with_exit_code_2() throws Exception {
        Path journal = dir.resolve("data").resolve("journal");
        try (Journal j = Journal.open(journal, 1 << 20)) {
            j.write(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5, 6}));
        }

        JarProcess.Exit exit = run("--queue", "kafka", "--kafka-bootstrap", "127.0.0.1:9");

        assertOneLine(exit, StartupException.BAD_VALUE, "--queue kafka: " + journal + " holds 2 events accepted "
                + "with --queue local and not stored yet");
        assertThat(exit.stderr()).contains("start once more with --queue local");
        assertThat(exit.took()).isLessThan(StartupErrorsIT.AT_ONCE);
        assertThat(Journal.recordsLeft(journal)).as("the journal is left as it was").isEqualTo(2);
    }

    @Test
    void a_role_without_queue_kafka_is_refused_with_exit_code_2() throws Exception {
        assertOneLine(run("--role", "writer"), StartupException.BAD_VALUE, "--role writer needs --queue kafka");
    }

    @Test
    void a_broker_that_is_not_there_ends_the_start_with_exit_code_1_naming_the_bootstrap_flag() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        String bootstrap = "127.0.0.1:" + port;

        JarProcess.Exit exit = run("--queue", "kafka", "--role", "ingest", "--kafka-bootstrap", bootstrap);

        assertOneLine(exit, StartupException.UNAVAILABLE, "cannot reach the Kafka brokers at " + bootstrap
                + " (--kafka-bootstrap): none accepted a connection within 20s");
        assertThat(exit.took()).as("the start waits 20 s for the brokers, not longer").isLessThan(NO_BROKER_EXIT);
        assertThat(dir.resolve("data")).as("an ingest node touches no data directory").doesNotExist();
    }

    @Test
    void a_bootstrap_host_that_does_not_resolve_ends_the_start_at_once_in_one_line() throws Exception {
        JarProcess.Exit exit = run("--queue", "kafka", "--role", "ingest", "--kafka-bootstrap",
                "no-such-host.invalid:9092");

        assertOneLine(exit, StartupException.UNAVAILABLE, "cannot reach the Kafka brokers at "
                + "no-such-host.invalid:9092 (--kafka-bootstrap): unknown host no-such-host.invalid");
        assertThat(exit.took()).isLessThan(StartupErrorsIT.AT_ONCE);
    }

    /** The jar with the given flags, a free port and a data directory of its own. */
    private JarProcess.Exit run(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of(flags));
        args.addAll(List.of("--data-dir", dir.resolve("data").toString(), "--port",
                Integer.toString(JarProcess.freePort())));
        return JarProcess.run(dir, args, StartupErrorsIT.RUN_LIMIT);
    }

    private static void assertOneLine(JarProcess.Exit exit, int code, String start) {
        assertThat(exit.stderr().lines().toList()).as("stderr, one line").hasSize(1)
                .first().asString().startsWith("error: " + start);
        assertThat(exit.stdout()).as("stdout").isEmpty();
        assertThat(exit.code()).as("exit code; stderr: %s", exit.stderr()).isEqualTo(code);
    }
}
