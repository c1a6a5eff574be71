package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.eventpipeline.config.Config;
import io.eventpipeline.errors.StartupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start's first connection against a real embedded H2 (MariaDB's refusals are in {@link StartupErrorsIT}): a
 * refusal ends it at once with the database's message, a database that does not answer is waited for.
 */
class FirstConnectionTest {
    /** Far below the start's 20 s wait, far above what one refused connection takes even on a loaded machine. */
    static final Duration AT_ONCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void a_wrong_h2_password_fails_at_once_with_the_databases_message() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url, "sa", "right")) {
            assertThat(c.isValid(1)).isTrue(); // creates the database with this password
        }
        Config config = Config.builder().dbUrl(url).dbUser("sa").dbPassword("Not-The-Password-5").dataDir(dir).build();

        long t0 = System.nanoTime();
        StartupException e = catchThrowableOfType(StartupException.class,
                () -> FirstConnection.await(config, Service.START_DB_WAIT));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);

        assertThat(took).isLessThan(AT_ONCE);
        assertThat(e.getMessage()).startsWith("cannot connect to --db-url " + url + " as --db-user sa: ")
                .contains("Wrong user name or password").doesNotContain("within").doesNotContain("Not-The-Password-5");
        assertThat(e.exitCode()).isEqualTo(StartupException.UNAVAILABLE);
    }

    @Test
    void an_h2_database_that_must_exist_and_does_not_fails_at_once() {
        String url = "jdbc:h2:file:" + dir.resolve("absent").toAbsolutePath() + ";IFEXISTS=TRUE";
        Config config = Config.builder().dbUrl(url).dataDir(dir).build();

        long t0 = System.nanoTime();
        StartupException e = catchThrowableOfType(StartupException.class,
                () -> FirstConnection.await(config, Service.START_DB_WAIT));

        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(AT_ONCE);
        assertThat(e.getMessage()).startsWith("cannot connect to --db-url " + url + ": ").contains("not found");
    }

    @Test
    void a_password_in_the_url_stays_out_of_the_message() throws Exception {
        String file = "jdbc:h2:file:" + dir.resolve("db").toAbsolutePath();
        try (Connection c = DriverManager.getConnection(file, "sa", "right")) {
            assertThat(c.isValid(1)).isTrue();
        }
        Config config = Config.builder().dbUrl(file + ";USER=sa;PASSWORD=Secret-77").dataDir(dir).build();

        StartupException e = catchThrowableOfType(StartupException.class,
                () -> FirstConnection.await(config, Service.START_DB_WAIT));

        assertThat(e.getMessage()).contains("Wrong user name or password").doesNotContain("Secret-77");
    }

    @Test
    void an_h2_file_whose_directory_cannot_be_made_names_the_directory_and_the_reason() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        String url = "jdbc:h2:file:" + file.resolve("sub").resolve("db");
        Config config = Config.builder().dbUrl(url).dataDir(dir).build();

        StartupException e = catchThrowableOfType(StartupException.class,
                () -> FirstConnection.await(config, Service.START_DB_WAIT));

        assertThat(e.getMessage()).isEqualTo("cannot create the directory " + file.resolve("sub") + " for --db-url "
                + url + ": not a directory");
    }

    @Test
    void a_database_that_does_not_answer_is_waited_for_and_then_named() throws Exception {
        int closed = JarProcess.freePort(); // nothing listens there: connection refused, a failure that passes
        Config config = Config.builder().dbUrl("jdbc:mysql://127.0.0.1:" + closed + "/events").dbUser("app")
                .dataDir(dir).build();

        StartupException e = catchThrowableOfType(StartupException.class,
                () -> FirstConnection.await(config, Duration.ofSeconds(1)));

        assertThat(e.getMessage()).isEqualTo("cannot connect to --db-url jdbc:mysql://127.0.0.1:" + closed
                + "/events as --db-user app within 1s: Communications link failure (Connection refused)");
    }

    @Test
    void finds_the_file_of_an_h2_url_and_nothing_for_other_kinds() {
        assertThat(FirstConnection.h2File("jdbc:h2:file:/var/lib/p/events;MODE=MySQL"))
                .isEqualTo(Path.of("/var/lib/p/events"));
        assertThat(FirstConnection.h2File("jdbc:h2:/var/lib/p/events")).isEqualTo(Path.of("/var/lib/p/events"));
        assertThat(FirstConnection.h2File("jdbc:h2:./data/events")).isEqualTo(Path.of("./data/events"));
        assertThat(FirstConnection.h2File("jdbc:h2:~/events"))
                .isEqualTo(Path.of(System.getProperty("user.home") + "/events"));
        assertThat(FirstConnection.h2File("jdbc:h2:mem:test")).isNull();
        assertThat(FirstConnection.h2File("jdbc:h2:tcp://db/events")).isNull();
        assertThat(FirstConnection.h2File("jdbc:h2:events")).isNull();
        assertThat(FirstConnection.h2File("jdbc:mysql://db/events")).isNull();
    }
}
