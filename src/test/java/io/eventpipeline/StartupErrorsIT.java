package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.errors.StartupException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that cannot succeed, as an operator meets it with the real jar: stderr is one line that names the flag
 * and says why, nothing else is printed, the exit code is the documented one, and a cause that waiting cannot
 * change ends the start at once rather than after the 20 s the service waits for a database that does not answer.
 */
class StartupErrorsIT {
    /** A process whose start fails at once ends well within this, even with a loaded machine's slow JVM start. */
    static final Duration AT_ONCE = Duration.ofSeconds(10);
    static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern MYSQL_URL = Pattern.compile("jdbc:(?:mysql|mariadb)://[^/]+/([^?;]*).*");

    @TempDir
    Path dir;

    @Test
    void a_missing_api_keys_file_is_named_with_its_reason() throws Exception {
        Path missing = dir.resolve("no-keys.txt");

        JarProcess.Exit exit = run("--api-keys-file", missing.toString());

        assertOneLine(exit, StartupException.UNAVAILABLE,
                "cannot read --api-keys-file " + missing + ": no such file or directory");
    }

    @Test
    void an_api_keys_file_that_is_a_directory_says_so() throws Exception {
        JarProcess.Exit exit = run("--api-keys-file", dir.toString());

        assertOneLine(exit, StartupException.UNAVAILABLE, "cannot read --api-keys-file " + dir + ": is a directory");
    }

    @Test
    void a_malformed_api_key_line_is_a_bad_value_named_by_file_and_line() throws Exception {
        Path keys = Files.writeString(dir.resolve("keys.txt"), "# keys\nwrite:shop-web:md5:abc\n");

        JarProcess.Exit exit = run("--api-keys-file", keys.toString());

        assertOneLine(exit, StartupException.BAD_VALUE, "bad API key: --api-keys-file " + keys + " line 2: expected");
    }

    @Test
    void a_data_dir_that_cannot_be_a_directory_is_named_with_its_reason() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");

        assertOneLine(runIn(file.resolve("data")), StartupException.UNAVAILABLE,
                "cannot create the data directory " + file.resolve("data") + " (--data-dir): not a directory");
        assertOneLine(runIn(file), StartupException.UNAVAILABLE,
                "cannot create the data directory " + file + " (--data-dir): a file of that name already exists");
    }

    @Test
    void a_data_dir_locked_by_another_process_is_refused_in_one_line() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (FileChannel channel = FileChannel.open(data.resolve("instance.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock held = channel.lock()) {
            assertThat(held.isValid()).isTrue();

            assertOneLine(runIn(data), StartupException.UNAVAILABLE,
                    "the data directory " + data + " (--data-dir) is in use by another running instance");
        }
    }

    @Test
    void a_port_in_use_ends_the_start_before_the_database_or_the_journal_opens() throws Exception {
        Path data = dir.resolve("data");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            JarProcess.Exit exit = JarProcess.run(dir, List.of("--port", Integer.toString(port), "--data-dir",
                    data.toString()), RUN_LIMIT);

            assertOneLine(exit, StartupException.UNAVAILABLE,
                    "cannot listen on 127.0.0.1:" + port + " (--host, --port): address already in use");
        }
        assertThat(data.resolve("journal")).doesNotExist();
        assertThat(data.resolve("h2")).doesNotExist();
    }

    @Test
    void a_bad_flag_value_is_one_line_with_exit_code_2() throws Exception {
        assertOneLine(run("--workers", "0"), StartupException.BAD_VALUE, "--workers must be between 1 and 1024");
        assertOneLine(run("--workers", "many"), StartupException.BAD_VALUE, "'many' is not an int");
    }

    @Test
    void help_lists_the_exit_codes_a_refused_start_ends_with() throws Exception {
        JarProcess.Exit exit = JarProcess.run(dir, List.of("--help"), RUN_LIMIT);

        assertThat(exit.code()).isZero();
        assertThat(exit.stdout()).contains("Exit codes:")
                .containsPattern("(?m)^\\s+" + StartupException.UNAVAILABLE + "\\s+could not start: a file")
                .containsPattern("(?m)^\\s+" + StartupException.BAD_VALUE + "\\s+could not start: a flag value");
    }

    @Test
    void a_wrong_h2_password_fails_at_once_with_the_databases_message() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("h2/events").toAbsolutePath();
        try (Connection c = DriverManager.getConnection(url, "sa", "right")) {
            assertThat(c.isValid(1)).isTrue(); // the database exists, with this password
        }

        assertWrongPasswordRefused(url, "sa", "Wrong user name or password");
    }

    @Test
    void an_h2_database_that_must_exist_and_does_not_fails_at_once() throws Exception {
        String url = "jdbc:h2:file:" + dir.resolve("absent").toAbsolutePath() + ";IFEXISTS=TRUE";

        assertOneLine(run("--db-url", url), StartupException.UNAVAILABLE,
                "cannot connect to --db-url " + url + ": Database \"" + dir.resolve("absent").toAbsolutePath()
                        + "\" not found");
    }

    @Test
    void an_unknown_database_host_fails_at_once() throws Exception {
        JarProcess.Exit exit = run("--db-url", "jdbc:mysql://no-such-host.invalid:3306/events", "--db-user", "app");

        assertOneLine(exit, StartupException.UNAVAILABLE, "cannot connect to --db-url "
                + "jdbc:mysql://no-such-host.invalid:3306/events as --db-user app: unknown host (no-such-host.invalid");
    }

    @Test
    @NeedsTestDatabase
    void a_wrong_mariadb_password_fails_at_once_with_the_databases_message() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("StartupErrorsIT on MariaDB");
        String url = "jdbc:mysql://" + db.host() + ":" + db.port() + "/" + databaseName(db);

        assertWrongPasswordRefused(url, "root", "Access denied for user 'root'@");
    }

    @Test
    @NeedsTestDatabase
    void an_unknown_mariadb_database_fails_at_once_with_the_databases_message() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("StartupErrorsIT on MariaDB");
        String absent = "no_such_database_" + ProcessHandle.current().pid();
        String url = db.url().replaceFirst("//([^/]+)/[^?;]*", "//$1/" + absent);

        JarProcess.Exit exit = run("--db-url", url);

        assertOneLine(exit, StartupException.UNAVAILABLE, "Unknown database '" + absent + "'");
        assertThat(exit.stderr()).contains("cannot connect to --db-url jdbc:mysql://");
    }

    @Test
    @NeedsTestDatabase
    void a_mariadb_url_without_a_database_is_a_bad_value() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("StartupErrorsIT on MariaDB");
        String url = "jdbc:mysql://" + db.host() + ":" + db.port() + "/";

        assertOneLine(run("--db-url", url, "--db-user", "root"), StartupException.BAD_VALUE,
                "--db-url " + url + " names no database");
    }

    @Test
    @NeedsTestDatabase
    void a_mariadb_user_who_may_not_create_the_tables_is_told_which_database_and_user() throws Exception {
        TestDb db = TestDb.requireFromEnvironment("StartupErrorsIT on MariaDB");
        String url = "jdbc:mysql://" + db.host() + ":" + db.port() + "/" + databaseName(db);
        String user = "startup_ro_" + ProcessHandle.current().pid();
        db.execute("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'Read-Only-7'");
        try {
            db.execute("GRANT SELECT ON `" + databaseName(db) + "`.* TO '" + user + "'@'%'");

            JarProcess.Exit exit = run("--db-url", url, "--db-user", user, "--db-password", "Read-Only-7");

            assertOneLine(exit, StartupException.UNAVAILABLE, "cannot create the schema: ");
            assertThat(exit.stderr()).contains("denied to user '" + user + "'")
                    .contains("(--db-url " + url + " as --db-user " + user + ")").doesNotContain("Read-Only-7");
        } finally {
            db.execute("DROP USER '" + user + "'@'%'");
        }
    }

    /** The jar with the given flags, a free port and a data directory of its own. */
    private JarProcess.Exit run(String... flags) throws Exception {
        List<String> args = new ArrayList<>(List.of(flags));
        if (!args.contains("--data-dir")) {
            args.addAll(List.of("--data-dir", dir.resolve("data").toString()));
        }
        args.addAll(List.of("--port", Integer.toString(JarProcess.freePort())));
        return JarProcess.run(dir, args, RUN_LIMIT);
    }

    /** A wrong password is refused at once, in the database's words, and never printed. */
    private void assertWrongPasswordRefused(String url, String user, String databaseSays) throws Exception {
        String password = "Not-The-Password-5";

        JarProcess.Exit exit = run("--db-url", url, "--db-user", user, "--db-password", password);

        assertOneLine(exit, StartupException.UNAVAILABLE,
                "cannot connect to --db-url " + url + " as --db-user " + user + ": " + databaseSays);
        assertThat(exit.stderr()).doesNotContain(password);
    }

    private JarProcess.Exit runIn(Path dataDir) throws Exception {
        return run("--data-dir", dataDir.toString());
    }

    private static void assertOneLine(JarProcess.Exit exit, int code, String expected) {
        assertThat(exit.stderr().lines().toList()).as("stderr, one line").hasSize(1)
                .first().asString().startsWith("error: ").contains(expected);
        assertThat(exit.stdout()).as("stdout").isEmpty();
        assertThat(exit.code()).as("exit code; stderr: %s", exit.stderr()).isEqualTo(code);
        assertThat(exit.took()).as("the time to exit").isLessThan(AT_ONCE);
    }

    private static String databaseName(TestDb db) {
        Matcher m = MYSQL_URL.matcher(db.url());
        assertThat(m.matches()).as("a jdbc:mysql://host/database URL: %s", db.url()).isTrue();
        return m.group(1);
    }
}
