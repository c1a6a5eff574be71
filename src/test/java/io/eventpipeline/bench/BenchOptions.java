package io.eventpipeline.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bench's command line. The database comes from --db-url, else PIPELINE_BENCH_DB_URL, else the local MariaDB
 * when it answers; H2 is always a target unless --targets says otherwise.
 *
 * @param dbUrl        the MariaDB/MySQL server to use (its database name is not used: see MariaDbTarget)
 * @param dbUrlGiven   whether the user named it, so that it failing to answer is an error, not a skip
 * @param targets      null for the default: mariadb when it answers, then h2
 * @param jvmFlags     given to both server JVMs (the bare server and the service) alike
 * @param latencySeconds length of each phase of the latency matrix (closed 4 and 16 connections, open loop)
 * @param tiers        the durability tiers the service runs in, in order (journal and memory always)
 */
record BenchOptions(double seconds, String dbUrl, boolean dbUrlGiven, List<String> targets, Path outDir, Path jar,
        List<String> jvmFlags, double latencySeconds, List<String> tiers, boolean help) {

    static final double DEFAULT_SECONDS = 8;
    static final double DEFAULT_LATENCY_SECONDS = 5;
    /** The service's --durability values the bench runs, "journal" being the default flags. */
    static final List<String> TIERS = List.of("journal", "journal-async", "memory");
    static final String USAGE = """
            Usage: Bench [--seconds N] [--latency-seconds N] [--db-url URL] [--targets mariadb,h2]
                         [--tiers LIST] [--out DIR] [--jar PATH] [--jvm-flag FLAG]... [--jfr]
              --seconds N      length of each measured phase (default 8); each server is first warmed up until
                               its rate settles (1.5 N to 2.5 N s). A default run takes 17-20 minutes
              --latency-seconds N  length of each phase of the latency matrix: closed loop over 4 and 16
                               connections, open loop at 10, 25 and 50% of the HTTP ceiling (default 5)
              --tiers LIST     durability tiers to run the service in (default journal,journal-async,memory;
                               journal and memory cannot be left out: the other goals are judged on them)
              --db-url URL     MariaDB/MySQL server, e.g. jdbc:mysql://127.0.0.1:3306/x?user=root&password=
                               (default: $PIPELINE_BENCH_DB_URL, else the local MariaDB if it answers). The bench
                               creates, uses and drops its own database 'pipeline_bench' on that server.
              --targets LIST   databases to run against: mariadb, h2 (default: both, mariadb if reachable)
              --out DIR        where results.json, throughput.svg and the server logs go (default target/bench)
              --jar PATH       the service's fat jar (default target/event-pipeline.jar)
              --jvm-flag FLAG  a JVM flag for both server JVMs, repeatable (default: none, as `java -jar`)
              --jfr            record a JFR profile of each server JVM into the out directory
            Each target also runs the service with --queue kafka on one Kafka broker (started once) and on
            three (kafka-3: replication factor 3, min.insync.replicas 2, started for that row on each target
            and stopped after it; 13-30 s to start on 2 cores); results.json and the table give three over one.
            """;

    Duration phase() {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    /** A server JVM is warmed up until its rate settles: 1.5 to 2.5 phases (12-20 s by default). */
    WarmUp.Plan serverWarmUp() {
        return new WarmUp.Plan(warmUpRound(), millis(clamp(seconds * 1500, 750, 12_000)),
                millis(clamp(seconds * 2500, 1000, 20_000)));
    }

    /** The bench JVM's own JDBC code settles sooner: half a phase to one phase (4-8 s by default). */
    WarmUp.Plan jdbcWarmUp() {
        return shortWarmUp();
    }

    /**
     * Routes not yet used in a server already warmed up on others (the SDK-shaped batches): only their own code is
     * left to compile, so the same as {@link #jdbcWarmUp()}.
     */
    WarmUp.Plan routeWarmUp() {
        return shortWarmUp();
    }

    private WarmUp.Plan shortWarmUp() {
        return new WarmUp.Plan(warmUpRound(), millis(clamp(seconds * 500, 500, 4_000)),
                millis(clamp(seconds * 1000, 1000, 8_000)));
    }

    private Duration warmUpRound() {
        return millis(clamp(seconds * 125, 250, 1000));
    }

    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }

    private static Duration millis(double ms) {
        return Duration.ofMillis(Math.round(ms));
    }

    /** How long the bench waits for accepted events to reach the database after a phase. */
    Duration drainTimeout() {
        return Duration.ofSeconds(Math.round(Math.max(30, seconds * 10)));
    }

    static BenchOptions parse(String[] args, Map<String, String> env) {
        double seconds = DEFAULT_SECONDS;
        String dbUrl = env.get("PIPELINE_BENCH_DB_URL");
        boolean dbUrlGiven = dbUrl != null && !dbUrl.isBlank();
        List<String> targets = null;
        Path out = Path.of("target", "bench");
        Path jar = Path.of("target", "event-pipeline.jar");
        List<String> jvmFlags = new ArrayList<>();
        double latencySeconds = DEFAULT_LATENCY_SECONDS;
        List<String> tiers = TIERS;
        boolean jfr = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--seconds" -> {
                    seconds = Double.parseDouble(value(args, ++i, a));
                    if (!(seconds >= 0.5 && seconds <= 600)) {
                        throw new IllegalArgumentException("--seconds must be between 0.5 and 600, got " + seconds);
                    }
                }
                case "--latency-seconds" -> {
                    latencySeconds = Double.parseDouble(value(args, ++i, a));
                    if (!(latencySeconds >= 0.5 && latencySeconds <= 600)) {
                        throw new IllegalArgumentException("--latency-seconds must be between 0.5 and 600, got "
                                + latencySeconds);
                    }
                }
                case "--tiers" -> tiers = tiers(value(args, ++i, a));
                case "--db-url" -> {
                    dbUrl = value(args, ++i, a);
                    dbUrlGiven = true;
                }
                case "--targets" -> targets = targets(value(args, ++i, a));
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--jar" -> jar = Path.of(value(args, ++i, a));
                case "--jvm-flag" -> jvmFlags.add(value(args, ++i, a));
                case "--jfr" -> jfr = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'\n" + USAGE);
            }
        }
        if (!dbUrlGiven) {
            dbUrl = MariaDbTarget.LOCAL_DEFAULT_URL;
        }
        if (jfr) {
            // Each JVM names its own file; %p is its pid, so the bare server and the services do not collide.
            jvmFlags.add("-XX:StartFlightRecording=settings=profile,filename="
                    + out.toAbsolutePath().resolve("server-%p.jfr"));
        }
        return new BenchOptions(seconds, dbUrl, dbUrlGiven, targets, out, jar, List.copyOf(jvmFlags),
                latencySeconds, tiers, help);
    }

    /** The tiers named, in {@link #TIERS}' order; journal and memory must be among them. */
    private static List<String> tiers(String list) {
        List<String> named = java.util.Arrays.stream(list.split(",")).map(String::strip).toList();
        for (String t : named) {
            if (!TIERS.contains(t)) {
                throw new IllegalArgumentException("--tiers takes " + String.join(", ", TIERS) + ", got '" + t + "'");
            }
        }
        if (!named.contains("journal") || !named.contains("memory")) {
            throw new IllegalArgumentException("--tiers must name journal and memory: the other goals and rows are "
                    + "judged on them");
        }
        return TIERS.stream().filter(named::contains).toList();
    }

    /** One phase of the latency matrix. */
    Duration latencyPhase() {
        return Duration.ofMillis(Math.round(latencySeconds * 1000));
    }

    /**
     * The open-loop generator's own warm-up before each measured run, at the same rate: a quarter of a latency
     * phase, 0.25 to 1 s.
     */
    Duration generatorWarmUp() {
        return millis(clamp(latencySeconds * 250, 250, 1000));
    }

    private static List<String> targets(String list) {
        List<String> out = new ArrayList<>();
        for (String t : list.split(",")) {
            String name = t.strip().toLowerCase(java.util.Locale.ROOT);
            if (name.equals("mysql")) {
                name = "mariadb";
            }
            if (!name.equals("mariadb") && !name.equals("h2")) {
                throw new IllegalArgumentException("--targets takes mariadb and/or h2, got '" + t + "'");
            }
            if (!out.contains(name)) {
                out.add(name);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--targets is empty: name mariadb and/or h2");
        }
        return List.copyOf(out);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value\n" + USAGE);
        }
        return args[i];
    }
}
