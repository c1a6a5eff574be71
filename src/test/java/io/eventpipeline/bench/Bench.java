package io.eventpipeline.bench;

import io.eventpipeline.kafka.KafkaBroker;
import io.eventpipeline.kafka.KafkaCluster;
import io.eventpipeline.mqtt.MosquittoBroker;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * `make bench`: measures, in one run on one machine, (a) the HTTP ceiling, (b) the database ceiling, (c) the naive
 * one-INSERT-per-event design and (d) the service (default flags, i.e. --durability journal, then --durability
 * journal-async and memory, each with a latency matrix, and --queue kafka on a single broker started here, then on
 * three brokers started for that row alone; with default flags, MQTT through a Mosquitto started here, and OTLP
 * logs), and an fsync probe, and judges the
 * service against the project's performance goals as ratios of those numbers (absolute rates on a shared 2-core
 * machine say little; ratios within one run say more). Prints a table, writes results.json and throughput.svg. See
 * {@link BenchOptions#USAGE}.
 */
public final class Bench {
    private final BenchOptions options;
    private final Progress progress;

    private Bench(BenchOptions options, Progress progress) {
        this.options = options;
        this.progress = progress;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the bench; 0 when it measured everything (goals missed or not), 1 when it could not, 2 on bad flags. */
    public static int run(String... args) {
        return run(System.out, System.err, args);
    }

    /** {@link #run(String...)} with the table going to {@code out} and progress and errors to {@code err}. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            err.println("bench: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            out.print(BenchOptions.USAGE);
            return 0;
        }
        if (!Files.isRegularFile(options.jar())) {
            err.println("bench: the service jar " + options.jar() + " is missing: run `make build` first");
            return 1;
        }
        try {
            Results results = new Bench(options, new Progress(err)).measure();
            Files.createDirectories(options.outDir());
            Path json = options.outDir().resolve("results.json");
            Path svg = options.outDir().resolve("throughput.svg");
            results.write(json);
            Files.writeString(svg, Svg.chart(results));
            ReportTable.print(results, out);
            out.println("\nwrote " + json + " and " + svg);
            return 0;
        } catch (Exception e) {
            err.println("bench: failed: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private Results measure() throws Exception {
        Files.createDirectories(options.outDir());
        Machine machine = Machine.describe();
        String startedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        List<String> targetNames = targetNames();
        progress.say("%s; targets %s; tiers %s; %.1f s per phase, %.1f s per latency-matrix phase; load generator: "
                + "%s", machine.summary(), targetNames, options.tiers(), options.seconds(), options.latencySeconds(),
                LoadGenerator.NAME);
        // Ids differ between runs too, so that a leftover row can never pass for one of this run's.
        EventFactory events = new EventFactory("b" + Long.toString(System.currentTimeMillis(), 36) + "-");
        Map<String, Results.Target> targets = new LinkedHashMap<>();
        Results.HttpCeiling http;
        Path brokerDir = TempDirs.create("pipeline-bench-kafka-");
        Path mqttDir = TempDirs.create("pipeline-bench-mosquitto-");
        try (LoadGenerator load = new LoadGenerator()) {
            http = httpCeiling(load, events);
            ServiceBench service = new ServiceBench(options, load, events, new SegmentEventFactory(), progress);
            long t0 = System.nanoTime();
            try (KafkaBroker broker = KafkaBroker.start(brokerDir);
                    MosquittoBroker mqtt = startMosquitto(mqttDir)) {
                progress.say("a single Kafka broker (KRaft) up at %s in %d ms, for the --queue kafka rows",
                        broker.bootstrap(), (System.nanoTime() - t0) / 1_000_000);
                MqttBench mqttBench = mqtt == null ? null : new MqttBench(options, load, events, progress);
                OtlpBench otlpBench = new OtlpBench(options, load, events, service, progress);
                for (String name : targetNames) {
                    try (BenchTarget target = open(name)) {
                        targets.put(name, measure(target, http, events, service, broker.bootstrap(), mqttBench,
                                mqtt, otlpBench));
                    }
                }
            }
        } finally {
            TempDirs.delete(brokerDir);
            TempDirs.delete(mqttDir);
        }
        return new Results(Results.SCHEMA_VERSION, startedAt, options.seconds(), options.latencySeconds(),
                options.serverWarmUp().max().toMillis() / 1000.0,
                machine.withLoadAverageAtEnd(), LoadGenerator.NAME, options.jvmFlags(), http, targets,
                Math.round(progress.elapsedSeconds() * 10) / 10.0);
    }

    /** (a): the bare Javalin server in its own JVM, single events over 64 connections. */
    private Results.HttpCeiling httpCeiling(LoadGenerator load, EventFactory events) throws Exception {
        ServiceProcess.Running bare = ServiceProcess.startBare(options.jar(), options.jvmFlags(),
                options.outDir().resolve("bare-http.log"));
        try (ChildJvm jvm = bare.jvm()) {
            long startupMs = jvm.awaitHealthy(load.client(), bare.health(), java.time.Duration.ofSeconds(60))
                    .toMillis();
            progress.say("(a) HTTP ceiling: bare Javalin up in %d ms; %d connections", startupMs,
                    ServiceBench.SINGLE_CONNECTIONS);
            WarmUp.Done warm = WarmUp.run(options.serverWarmUp(), d -> load.closedLoop(bare.events(),
                    ServiceBench.SINGLE_CONNECTIONS, d, events::single, 1).acceptedPerSecond());
            progress.say("(a) warmed up in %.1f s (%d rounds, last %.0f ev/s)", warm.seconds(), warm.rounds(),
                    warm.lastRate());
            java.time.Duration cpu = jvm.cpuTime();
            long benchCpu = ServiceBench.benchCpuNanos();
            MachineCpu machine = MachineCpu.start();
            LoadGenerator.ClosedLoop r = load.closedLoop(bare.events(), ServiceBench.SINGLE_CONNECTIONS,
                    options.phase(), events::single, 1);
            Results.Ingest single = new Results.Ingest(ServiceBench.SINGLE_CONNECTIONS, 1, r.requests(),
                    r.acceptedEvents(), r.refused(), r.failed(), r.seconds(), r.acceptedPerSecond(), null, null, null,
                    jvm.cpuTime().minus(cpu).toMillis() / 1000.0, (ServiceBench.benchCpuNanos() - benchCpu) / 1e9,
                    machine.busyCores());
            return new Results.HttpCeiling(startupMs, jvm.peakRssKib() / 1024.0, warm.seconds(), single);
        }
    }

    private Results.Target measure(BenchTarget target, Results.HttpCeiling http, EventFactory events,
            ServiceBench service, String kafkaBootstrap, MqttBench mqttBench, MosquittoBroker mqtt,
            OtlpBench otlpBench) throws Exception {
        Path scratch = TempDirs.create("pipeline-bench-jdbc-");
        try {
            progress.say("(b) DB ceiling on %s: multi-row INSERT, %d connections x %d rows", target.name(),
                    JdbcCeiling.CONNECTIONS, JdbcCeiling.ROWS_PER_STATEMENT);
            JdbcPhase.Result ceiling = JdbcCeiling.run(target.ceilingUrl(), scratch, events, options.jdbcWarmUp(),
                    options.phase());
            progress.say("(c) naive design on %s: one INSERT per event, autocommit, %d connections", target.name(),
                    SeedDesign.CONNECTIONS);
            JdbcPhase.Result seed = SeedDesign.run(target.ceilingUrl(), scratch, events, options.jdbcWarmUp(),
                    options.phase());
            Map<String, Results.Service> runs = new LinkedHashMap<>();
            double httpCeiling = http.single().acceptedPerSecond();
            for (String tier : options.tiers()) {
                runs.put(tier, service.run(target, tier.equals("journal") ? null : tier, httpCeiling));
            }
            runs.put(ServiceBench.KAFKA, service.runKafka(target, ServiceBench.KAFKA, kafkaBootstrap));
            long clusterStartupMs = onThreeBrokers(target, service, runs);
            List<Goal> goals = new ArrayList<>(Goals.judge(httpCeiling, ceiling.eventsPerSecond(),
                    seed.eventsPerSecond(), runs.get("journal")));
            goals.addAll(Goals.tiers(runs, runs.get(ServiceBench.FSYNC_PROBE_TIER).latencyMatrix().fsyncProbe()));
            Results.Mqtt mqttRow = mqttBench == null ? null
                    : mqttBench.run(target, mqtt, runs.get("journal").batch());
            Results.Otlp otlpRow = otlpBench.run(target, runs.get("journal").batch());
            return new Results.Target(target.name(), target.describe(), ceiling, seed, runs, goals,
                    journalOverMemory(runs.get("journal"), runs.get("memory")), clusterStartupMs,
                    runs.get(ServiceBench.KAFKA_3).over(runs.get(ServiceBench.KAFKA)), mqttRow, otlpRow);
        } finally {
            TempDirs.delete(scratch);
        }
    }

    /**
     * The {@link ServiceBench#KAFKA_3} row: a {@link KafkaCluster} (three broker processes, replication factor 3,
     * {@code min.insync.replicas=2}) started for it and stopped after it, so that its three JVMs idle through no
     * other row; their start takes about half a minute on 2 cores. Returns the start's ms, until every replica was
     * in sync.
     */
    private long onThreeBrokers(BenchTarget target, ServiceBench service, Map<String, Results.Service> runs)
            throws Exception {
        Path dir = TempDirs.create("pipeline-bench-kafka-cluster-");
        try {
            long t0 = System.nanoTime();
            long startupMs;
            try (KafkaCluster cluster = KafkaCluster.start(dir)) {
                startupMs = (System.nanoTime() - t0) / 1_000_000;
                progress.say("three Kafka brokers (KRaft, replication factor %d, min.insync.replicas %d) up at %s in "
                        + "%d ms, for the %s row on %s", KafkaCluster.REPLICATION_FACTOR,
                        KafkaCluster.MIN_INSYNC_REPLICAS, cluster.bootstrap(), startupMs, ServiceBench.KAFKA_3,
                        target.name());
                runs.put(ServiceBench.KAFKA_3, service.runKafka(target, ServiceBench.KAFKA_3, cluster.bootstrap()));
                t0 = System.nanoTime(); // the try's close stops them
            }
            progress.say("three Kafka brokers stopped in %d ms", (System.nanoTime() - t0) / 1_000_000);
            return startupMs;
        } finally {
            TempDirs.delete(dir);
        }
    }

    /**
     * A Mosquitto of the bench's own for the MQTT row, on a free port (never the 1883 a system broker may hold);
     * null, said, when the binary is missing (Debian's package mosquitto).
     */
    private MosquittoBroker startMosquitto(Path dir) throws Exception {
        java.util.Optional<String> missing = MosquittoBroker.unavailableReason();
        if (missing.isPresent()) {
            progress.say("no MQTT row: %s", missing.get());
            return null;
        }
        MosquittoBroker broker = MosquittoBroker.start(dir);
        progress.say("%s up at %s, for the MQTT row", MosquittoBroker.version(), broker.url());
        return broker;
    }

    /** What the journal costs: default-flag rates over --durability memory rates, from the same run. */
    private static Map<String, Double> journalOverMemory(Results.Service journal, Results.Service memory) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("single_end_to_end", ratio(journal.single().endToEndPerSecond(), memory.single().endToEndPerSecond()));
        m.put("batch_end_to_end", ratio(journal.batch().endToEndPerSecond(), memory.batch().endToEndPerSecond()));
        m.put("single_accepted", ratio(journal.single().acceptedPerSecond(), memory.single().acceptedPerSecond()));
        m.put("p99_latency", ratio(journal.latency().p99Ms(), memory.latency().p99Ms()));
        return m;
    }

    /** {@code a / b}; null when either is unknown (events that never all arrived) or {@code b} is 0. */
    static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    /** The targets asked for; by default the MariaDB when it answers (say so when it does not), then H2. */
    private List<String> targetNames() {
        if (options.targets() != null) {
            return options.targets();
        }
        List<String> names = new ArrayList<>();
        if (options.dbUrlGiven() || MariaDbTarget.answers(options.dbUrl())) {
            names.add("mariadb");
        } else {
            progress.say("no MariaDB/MySQL at %s and PIPELINE_BENCH_DB_URL is unset: running on H2 only",
                    io.eventpipeline.config.Config.redactUrl(options.dbUrl()));
        }
        names.add("h2");
        return names;
    }

    private BenchTarget open(String name) throws Exception {
        return name.equals("h2") ? H2Target.create() : MariaDbTarget.create(options.dbUrl());
    }
}
