package io.eventpipeline;

import io.eventpipeline.config.Config;
import io.eventpipeline.errors.IoReason;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.pipeline.Failures;
import io.eventpipeline.storage.Database;
import io.eventpipeline.storage.Dialect;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The start's first connection to the database, made with the driver directly rather than through a pool, so
 * that the database's own answer arrives at once: a refusal that no wait can change (wrong password, unknown
 * database or host, a URL the driver rejects) ends the start at once with that answer; only a database that does
 * not answer yet (connection refused, a timeout) is waited for.
 */
final class FirstConnection {
    /** Between attempts while the database does not answer. */
    private static final Duration PAUSE = Duration.ofMillis(500);
    /**
     * MySQL/MariaDB errors that name a wrong setting: no such database (1049), access denied (1044 to the
     * database, 1045 and 1698 to the user), an authentication method the client cannot speak (1251, 2059).
     */
    private static final Set<Integer> MYSQL_REFUSALS = Set.of(1044, 1045, 1049, 1251, 1698, 2059);
    /**
     * H2 errors that name a wrong setting: the file is in use by another process (90020), the database does not
     * exist and may not be created (90013, 90146), a malformed URL (90011 relative path, 90046 URL format,
     * 90113 unknown setting, 90066 setting given twice).
     */
    private static final Set<Integer> H2_REFUSALS = Set.of(90011, 90013, 90020, 90046, 90066, 90113, 90146);

    private FirstConnection() {
    }

    /**
     * Connects once and closes, retrying for up to {@code within} while the database does not answer.
     *
     * @throws StartupException at once for a permanent refusal, else after {@code within}; either names
     *                          --db-url (or --data-dir for the embedded database) and the database's own message
     */
    static void await(Config config, Duration within) throws StartupException {
        String url = config.effectiveDbUrl();
        createH2Directory(config, url);
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            SQLException failure;
            try (Connection c = DriverManager.getConnection(probeUrl(url), credentials(config))) {
                requireDatabase(config, c);
                return;
            } catch (SQLException e) {
                failure = e;
            }
            if (isPermanent(failure)) {
                throw new StartupException("cannot connect to " + describe(config) + ": " + reason(failure));
            }
            if (System.nanoTime() + PAUSE.toNanos() > deadline) {
                throw new StartupException("cannot connect to " + describe(config) + " within "
                        + within.toSeconds() + "s: " + reason(failure));
            }
            try {
                Thread.sleep(PAUSE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StartupException("interrupted while waiting for " + describe(config));
            }
        }
    }

    /**
     * MySQL connects without a database when the URL names none, and the schema then fails with "No database
     * selected": say instead what is wrong with the URL.
     */
    private static void requireDatabase(Config config, Connection c) throws SQLException, StartupException {
        String database = c.getCatalog();
        if (Dialect.of(config.effectiveDbUrl()) != Dialect.H2 && (database == null || database.isBlank())) {
            throw StartupException.badValue("--db-url " + Config.redactUrl(config.effectiveDbUrl()) + " names no "
                    + "database: end its path with one, e.g. jdbc:mysql://db:3306/events");
        }
    }

    /**
     * A refusal the database will repeat however long we wait. What is not recognised as one is retried only if it
     * is a failure that passes ({@link Failures#isTransient}: SQLState class 08, timeouts, a socket error).
     */
    static boolean isPermanent(SQLException e) {
        int depth = 0;
        for (Throwable x = e; x != null && depth < 32; x = x.getCause(), depth++) { // bounded: causes may loop
            if (x instanceof UnknownHostException || x instanceof FileSystemException
                    || x instanceof FileNotFoundException || x instanceof IllegalArgumentException) {
                return true; // a name that does not resolve, a database file that cannot be used, a bad URL part
            }
            if (x instanceof SQLException s && isRefusal(s)) {
                return true;
            }
        }
        return !Failures.isTransient(e);
    }

    private static boolean isRefusal(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        // SQL standard classes: 28 invalid authorization, 3D invalid catalog name (an unknown database).
        return state.startsWith("28") || state.startsWith("3D") || MYSQL_REFUSALS.contains(e.getErrorCode())
                || H2_REFUSALS.contains(e.getErrorCode());
    }

    /**
     * The database's own message, on one line. An unknown host and a file problem are worded by their cause,
     * which the driver's wrapper hides behind "Communications link failure" or an H2 error number.
     */
    static String reason(SQLException e) {
        int depth = 0;
        for (Throwable x = e; x != null && depth < 32; x = x.getCause(), depth++) {
            if (x instanceof UnknownHostException u) {
                return "unknown host (" + Messages.innermostMessage(u) + ")";
            }
            if (x instanceof FileSystemException f) {
                return f.getFile() + ": " + IoReason.of(f);
            }
        }
        return Messages.rootMessage(e);
    }

    /** The flag that names the database, its URL without a password, and the user. */
    static String describe(Config config) {
        String url = Config.redactUrl(config.effectiveDbUrl());
        if (config.dbUrl() == null) {
            return "the embedded database " + url + " under --data-dir";
        }
        return "--db-url " + url + (config.dbUser() == null ? "" : " as --db-user " + config.dbUser());
    }

    /**
     * H2 creates the directory of a file database itself, but on failure prints its own stack trace to stderr
     * (it cannot write its trace file there either): creating it first lets the start say why in one line.
     */
    private static void createH2Directory(Config config, String url) throws StartupException {
        Path file = h2File(url);
        if (file == null || file.getParent() == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new StartupException("cannot create the directory " + file.getParent() + " for " + describe(config)
                    + ": " + IoReason.of(e));
        }
    }

    /** The file of an H2 file URL ({@code jdbc:h2:file:/x/db}, {@code jdbc:h2:/x/db}, {@code ./db}), else null. */
    static Path h2File(String url) {
        if (Dialect.of(url) != Dialect.H2) {
            return null;
        }
        String rest = url.substring("jdbc:h2:".length());
        int semicolon = rest.indexOf(';');
        rest = semicolon < 0 ? rest : rest.substring(0, semicolon);
        if (rest.startsWith("file:")) {
            rest = rest.substring("file:".length());
        } else if (rest.matches("(?i)(mem|tcp|ssl|zip|split|nio\\w*|async|memFS|memLZF|retry):.*")) {
            return null; // not a plain file, or not on this machine
        }
        if (rest.startsWith("~")) {
            rest = System.getProperty("user.home") + rest.substring(1);
        }
        if (rest.isEmpty() || !(rest.startsWith("/") || rest.startsWith("./") || rest.startsWith("../"))) {
            return null; // H2 refuses an implicitly relative path itself, with its own message
        }
        return Path.of(rest);
    }

    /** The pool's URL; for H2 without a trace file, whose write failures H2 prints to stderr with a stack trace. */
    private static String probeUrl(String url) {
        String full = Database.withDriverOptions(url);
        if (Dialect.of(url) == Dialect.H2 && !full.toUpperCase(Locale.ROOT).contains(";TRACE_LEVEL_FILE=")) {
            return full + ";TRACE_LEVEL_FILE=0";
        }
        return full;
    }

    private static Properties credentials(Config config) {
        Properties p = new Properties();
        if (config.dbUser() != null) {
            p.setProperty("user", config.dbUser());
        }
        if (config.dbPassword() != null) {
            p.setProperty("password", config.dbPassword());
        }
        return p;
    }
}
