package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable acceptance on the real jar: kill -9 under load loses no acknowledged event (with {@code --durability
 * journal}, and with {@code journal-async}, whose 202 means written to the journal file, not yet forced), a
 * journal directory that cannot be written stops the start with one line, and a full disk turns 202s into 503s
 * without acknowledging anything that is not on disk. The database is the MariaDB/MySQL named by
 * PIPELINE_TEST_DB_URL.
 */
class CrashIT {
    /**
     * After the load starts: right away, while the queue builds up, and deep into a backlog. The last repetition's
     * restarted service is killed again, mid-replay and under new load.
     */
    static final List<Integer> KILL_AFTER_MS = List.of(100, 700, 1500, 2500);
    /** journal-async shares the journal's code past the force, so fewer kills keep the test's time in bounds. */
    static final List<Integer> ASYNC_KILL_AFTER_MS = List.of(700, 2500);
    static final int KILL_AGAIN_AFTER_MS = 500;
    static final int CLIENTS = 6;
    static final int BATCH = 50;
    static final int PAD_BYTES = 200;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(90);

    /** What one repetition left behind, as printed. */
    record Kill(int afterMs, int acknowledged, int inFlight, int refused, long queuedAtKill, long storedBeforeKill,
                int acknowledgedUnstoredAtKill, long replayed) {}

    /** A load cut short by kill -9, and the service's /metrics just before the kill. */
    record Killed(LoadClients load, JsonNode metricsAtKill) {}

    @TempDir
    Path dir;

    @Test
    @NeedsTestDatabase
    void kill_minus_9_mid_load_loses_no_acknowledged_event() throws Exception {
        killMidLoad("journal", KILL_AFTER_MS);
    }

    /** A 202 here is in the journal file, not forced: the kernel keeps it through the death of the process. */
    @Test
    @NeedsTestDatabase
    void kill_minus_9_mid_load_loses_no_acknowledged_event_with_journal_async() throws Exception {
        killMidLoad("journal-async", ASYNC_KILL_AFTER_MS);
    }

    /** One repetition per kill time, each on a fresh database and data directory; the last one kills twice. */
    private void killMidLoad(String durability, List<Integer> killAfterMs) throws Exception {
        TestDb db = requireDatabase();
        List<Kill> kills = new ArrayList<>();
        for (int rep = 0; rep < killAfterMs.size(); rep++) {
            Kill k = killOnce(db, durability, rep, killAfterMs.get(rep), rep == killAfterMs.size() - 1);
            kills.add(k);
            System.out.printf("CrashIT %s kill after %d ms: acknowledged=%d in_flight=%d refused=%d "
                            + "queued_at_kill=%d stored_before_kill=%d acknowledged_unstored_at_kill=%d "
                            + "replayed_at_restart=%d%n", durability,
                    k.afterMs(), k.acknowledged(), k.inFlight(), k.refused(), k.queuedAtKill(), k.storedBeforeKill(),
                    k.acknowledgedUnstoredAtKill(), k.replayed());
        }
        assertThat(kills).as("at least one kill must land while acknowledged events were only in the journal "
                        + "(else this test proves nothing about it): %s", kills)
                .anyMatch(k -> k.acknowledgedUnstoredAtKill() > 0 && k.replayed() > 0);
    }

    /** @param killAgain whether the restarted service is killed again, mid-replay and under new load */
    private Kill killOnce(TestDb db, String durability, int rep, int killAfterMs, boolean killAgain)
            throws Exception {
        db.reset();
        Path data = dir.resolve(durability + "-kill-" + rep);
        String name = durability + "-kill-" + rep;
        // One worker with small batches stores slower than six clients ingest: the kill finds a backlog that only
        // the journal holds.
        List<String> slow = serviceArgs(durability, db, data, "--workers", "1", "--batch-size", "50");
        Killed first = loadAndKill(slow, name + "-first.log", "k" + rep, killAfterMs);
        // An INSERT the dead process had sent may still commit; count once the table has settled.
        long storedBeforeKill = awaitSettledCount(db);
        Set<String> unstoredAtKill = minus(first.load().acknowledged, db.storedIds());
        List<LoadClients> loads = new ArrayList<>(List.of(first.load()));

        if (killAgain) {
            // Killed again while it replays the first backlog (tiny batches keep it at that) and takes new events:
            // the journal then holds the recovered segment, not yet released, and a new one.
            Killed again = loadAndKill(serviceArgs(durability, db, data, "--workers", "1", "--batch-size", "5"),
                    name + "-again.log", "k" + rep + "again", KILL_AGAIN_AFTER_MS);
            loads.add(again.load());
            System.out.printf("CrashIT killed again %d ms into the restart: replayed=%d acknowledged=%d "
                            + "queued_at_kill=%d%n", KILL_AGAIN_AFTER_MS,
                    again.metricsAtKill().path("replayed").asLong(), again.load().acknowledged.size(),
                    again.metricsAtKill().path("queue").path("depth").asLong());
        }
        Set<String> acknowledged = union(loads, l -> l.acknowledged);

        long replayed;
        try (JarProcess restarted = JarProcess.start(dir.resolve(name + "-restarted.log"),
                serviceArgs(durability, db, data))) {
            restarted.awaitHealthy(START_TIMEOUT);
            db.awaitStored(acknowledged, STORE_TIMEOUT);
            HttpTestClient http = new HttpTestClient(restarted.port());
            assertThat(http.get("/health").json().path("durability").asText()).isEqualTo(durability);
            Eventually.await(STORE_TIMEOUT, "the restarted service's queue is empty",
                    () -> metrics(http).path("queue").path("depth").asLong(-1) == 0);
            replayed = metrics(http).path("replayed").asLong();
            // The killed runs' segments are deleted once what they held is stored; only the new active one stays.
            Eventually.await(Duration.ofSeconds(10), "the journal holds only the active segment",
                    () -> segmentFiles(data.resolve("journal")).size() == 1);
        }

        Set<String> stored = db.storedIds();
        assertNone("acknowledged but not stored (kill after " + killAfterMs + " ms)", minus(acknowledged, stored));
        assertNone("refused with 503 but stored", intersection(union(loads, l -> l.refused), stored));
        assertNone("stored but never sent", minus(stored, union(loads, l -> l.sent)));
        assertThat(db.strings("SELECT id FROM events GROUP BY id HAVING COUNT(*) > 1")).as("ids stored twice")
                .isEmpty();
        assertThat(db.countEvents()).as("rows vs distinct ids")
                .isEqualTo(db.count("SELECT COUNT(DISTINCT id) FROM events"));
        if (loads.size() == 1) {
            assertThat(replayed).as("every acknowledged event missing at the kill came back from the journal")
                    .isGreaterThanOrEqualTo(unstoredAtKill.size());
        }
        LoadClients load = first.load();
        return new Kill(killAfterMs, load.acknowledged.size(), load.inFlightAtFailure.size(), load.refused.size(),
                first.metricsAtKill().path("queue").path("depth").asLong(), storedBeforeKill, unstoredAtKill.size(),
                replayed);
    }

    /** Starts the service on {@code args}, loads it from several clients for {@code ms}, and kills it with -9. */
    private Killed loadAndKill(List<String> args, String logName, String idPrefix, int ms) throws Exception {
        try (JarProcess service = JarProcess.start(dir.resolve(logName), args)) {
            service.awaitHealthy(START_TIMEOUT);
            LoadClients load = LoadClients.start(service.port(), idPrefix, CLIENTS, BATCH, PAD_BYTES);
            try {
                Thread.sleep(ms);
                JsonNode atKill = new HttpTestClient(service.port()).get("/metrics").json();
                service.kill();
                load.stop(Duration.ofSeconds(30));
                return new Killed(load, atKill);
            } finally {
                load.close();
            }
        }
    }

    @Test
    void an_unwritable_journal_directory_stops_the_service_at_start_with_one_clear_line() throws Exception {
        // Root may write anywhere, so permissions prove nothing: put a regular file where a directory must be.
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        Path underFile = file.resolve("data");
        assertStartFailsWithOneLine(List.of("--data-dir", underFile.toString()), "start-under-file.log",
                underFile.toString());

        Path data = Files.createDirectories(dir.resolve("data"));
        Path journal = Files.writeString(data.resolve("journal"), "a file where the journal directory goes");
        assertStartFailsWithOneLine(List.of("--data-dir", data.toString()), "start-journal-file.log",
                journal.toString());
    }

    /** Without a --db-url the service would use H2 under the data dir: the journal is opened before either. */
    private void assertStartFailsWithOneLine(List<String> args, String logName, String path) throws Exception {
        try (JarProcess service = JarProcess.start(dir.resolve(logName), args)) {
            int code = service.awaitExit(Duration.ofSeconds(30));
            String output = service.output();
            assertThat(code).as(output).isNotZero();
            assertOneErrorLineWithoutStackTrace(output, path);
        }
    }

    private static void assertOneErrorLineWithoutStackTrace(String output, String path) {
        List<String> lines = output.lines().toList();
        List<String> errors = lines.stream().filter(l -> l.startsWith("error: ")).toList();
        assertThat(errors).as(output).hasSize(1);
        assertThat(errors.getFirst()).as("the error names the directory").contains(path)
                .containsAnyOf("journal", "data directory")
                .as("the cause in words, not a Java class name").doesNotContain("Exception");
        assertThat(lines).as("no stack trace in:\n%s", output)
                .noneMatch(l -> l.startsWith("\tat ") || l.startsWith("Exception in thread")
                        || l.startsWith("Caused by:"));
    }

    @Test
    @NeedsTestDatabase
    void a_full_disk_makes_ingest_answer_503_and_acknowledges_nothing_that_is_not_on_disk() throws Exception {
        TestDb db = requireDatabase();
        db.reset();
        Path disk = Files.createDirectories(dir.resolve("disk"));
        mountTinyTmpfs(disk);
        try {
            fullDiskScenario(db, disk);
        } finally {
            unmount(disk);
        }
    }

    private void fullDiskScenario(TestDb db, Path disk) throws Exception {
        Path data = disk.resolve("data");
        Path filler = disk.resolve("filler");
        List<String> args = serviceArgs(db, data, "--workers", "1", "--batch-size", "50");
        LoadClients load;
        try (JarProcess service = JarProcess.start(dir.resolve("full-disk.log"), args)) {
            service.awaitHealthy(START_TIMEOUT);
            HttpTestClient http = new HttpTestClient(service.port());
            // Something else fills the disk, leaving the journal room for about 1500 events.
            fill(filler, 512 << 10);
            load = LoadClients.start(service.port(), "disk", 4, BATCH, PAD_BYTES);
            try {
                Eventually.await(Duration.ofSeconds(30), "a 503 for a full disk (" + load.refusals + ")",
                        () -> load.refusedWith("not_durable") || !load.unexpected.isEmpty());
                load.stop(Duration.ofSeconds(30));
            } finally {
                load.close();
            }
            assertThat(load.acknowledged).as("202s before the disk was full").isNotEmpty();
            HttpTestClient.Response refusal = load.firstRefusal.get("not_durable");
            assertThat(refusal.raw().headers().firstValue("Retry-After")).as("Retry-After").isPresent();
            assertThat(refusal.json().path("error").asText()).as(refusal.body()).contains("journal");

            assertThat(http.get("/health").status()).as("the service stays up on a full disk").isEqualTo(200);
            // Once every acknowledged event is stored, the records filling the journal are garbage: ingest must
            // take events again on the same full disk, without a restart and without anyone freeing space. The
            // batch is larger than any slack a failed write can leave.
            db.awaitStored(load.acknowledged, STORE_TIMEOUT);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 4 * BATCH; i++) {
                ids.add("disk-after-" + i);
            }
            load.sent.addAll(ids);
            Eventually.await(Duration.ofSeconds(10), "a 202 on the full disk once the journal's events are stored",
                    () -> postBatch(http, ids) == 202);
            load.acknowledged.addAll(ids);
            // Killed with that batch perhaps still queued: the restart below must find it in the journal.
            service.kill();
        }

        // A disk with not one free page: the next start cannot open a segment and must say so, briefly.
        fill(filler, 0);
        try (JarProcess full = JarProcess.start(dir.resolve("full-disk-restart.log"), args)) {
            int code = full.awaitExit(Duration.ofSeconds(30));
            String output = full.output();
            assertThat(code).as(output).isNotZero();
            assertOneErrorLineWithoutStackTrace(output, "journal");
            assertThat(output).containsIgnoringCase("No space left on device");
        }

        Files.delete(filler);
        try (JarProcess restarted = JarProcess.start(dir.resolve("full-disk-freed.log"), serviceArgs(db, data))) {
            restarted.awaitHealthy(START_TIMEOUT);
            db.awaitStored(load.acknowledged, STORE_TIMEOUT);
            HttpTestClient http = new HttpTestClient(restarted.port());
            Eventually.await(STORE_TIMEOUT, "the queue is empty",
                    () -> metrics(http).path("queue").path("depth").asLong(-1) == 0);
            System.out.printf("CrashIT full disk: acknowledged=%d refused=%d (%s) replayed_at_restart=%d%n",
                    load.acknowledged.size(), load.refused.size(), load.refusals,
                    metrics(http).path("replayed").asLong());
        }
        Set<String> stored = db.storedIds();
        assertNone("acknowledged on a filling disk but not stored", minus(load.acknowledged, stored));
        assertNone("refused for a full disk but stored anyway", intersection(load.refused, stored));
        assertNone("stored but never sent", minus(stored, load.sent));
        assertThat(db.countEvents()).as("rows vs distinct ids")
                .isEqualTo(db.count("SELECT COUNT(DISTINCT id) FROM events"));
    }

    private static int postBatch(HttpTestClient http, List<String> ids) {
        String events = String.join(",", ids.stream()
                .map(id -> HttpTestClient.event(id, "crash", "{\"pad\":\"" + "x".repeat(PAD_BYTES) + "\"}")).toList());
        try {
            return http.post("/events/batch", "{\"events\":[" + events + "]}").status();
        } catch (IOException e) {
            throw new AssertionError("the service went away on a full disk", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Appends to {@code file} until at most {@code leaveBytes} of the file system are free (0: until ENOSPC). */
    private static void fill(Path file, long leaveBytes) throws IOException {
        byte[] chunk = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            while (leaveBytes == 0 || Files.getFileStore(file).getUsableSpace() > leaveBytes) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException full) {
            if (leaveBytes != 0) {
                throw full;
            }
        }
    }

    private static void mountTinyTmpfs(Path at) throws Exception {
        String why = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", at.toString());
        if (why != null) {
            String message = "cannot mount a 4 MiB tmpfs to fill (" + why + "): the full-disk test did not run. "
                    + "It needs root with CAP_SYS_ADMIN (e.g. a privileged container).";
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
    }

    private static void unmount(Path at) throws Exception {
        String why = run("umount", at.toString());
        if (why != null && run("umount", "-l", at.toString()) != null) {
            System.err.println("WARNING: could not unmount the test tmpfs at " + at + ": " + why);
        }
    }

    /** Runs a command; null when it exited 0, else its output. */
    private static String run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return String.join(" ", command) + " did not finish within 30s";
        }
        String output = new String(p.getInputStream().readAllBytes()).strip();
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + output;
    }

    private static List<String> serviceArgs(TestDb db, Path data, String... extra) {
        return serviceArgs("journal", db, data, extra);
    }

    private static List<String> serviceArgs(String durability, TestDb db, Path data, String... extra) {
        List<String> args = new ArrayList<>(List.of("--db-url", db.url(), "--data-dir", data.toString(),
                "--durability", durability));
        args.addAll(List.of(extra));
        return args;
    }

    private static TestDb requireDatabase() {
        TestDb db = TestDb.fromEnvironment();
        if (db == null) {
            String message = TestDb.ENV + " is not set: the crash tests did not run. Set it to e.g. "
                    + "jdbc:mysql://127.0.0.1:3306/pipeline_it?user=root&password= (an empty database).";
            if (TestDb.requiredHere()) {
                fail(message + " In CI they must run.");
            }
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
        return db;
    }

    private static JsonNode metrics(HttpTestClient http) {
        try {
            return http.get("/metrics").json();
        } catch (IOException e) {
            throw new AssertionError("the service went away", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The row count once it stopped moving for a moment. */
    private static long awaitSettledCount(TestDb db) throws Exception {
        long last = db.countEvents();
        for (int i = 0; i < 50; i++) {
            Thread.sleep(200);
            long now = db.countEvents();
            if (now == last) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the events table kept growing after the kill: " + last);
    }

    private static List<Path> segmentFiles(Path journal) {
        try (Stream<Path> files = Files.list(journal)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wal")).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertNone(String what, Set<String> ids) {
        if (!ids.isEmpty()) {
            throw new AssertionError(ids.size() + " ids " + what + ", e.g. "
                    + ids.stream().sorted().limit(10).toList());
        }
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static Set<String> union(List<LoadClients> loads, Function<LoadClients, Set<String>> ids) {
        Set<String> out = new HashSet<>();
        loads.forEach(l -> out.addAll(ids.apply(l)));
        return out;
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> out = new HashSet<>(a);
        out.retainAll(b);
        return out;
    }
}
