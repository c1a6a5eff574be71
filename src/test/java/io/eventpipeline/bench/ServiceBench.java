package io.eventpipeline.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.eventpipeline.event.EventCodec;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The service (d) in one child process: start-up time, single-event ingest, batch ingest (each with its end-to-end
 * rate) and open-loop latency at half the single-event rate it just reached, then its peak RSS; with default flags,
 * then the SDK-shaped batches (Segment's POST /v1/batch beside our /events/batch with the same events); in each
 * durability tier (not with Kafka), then the latency matrix ({@link Results.LatencyMatrix}). Open-loop phases run
 * their generator in a JVM of its own ({@link OpenLoopProcess}). Rates are events (or requests) per second,
 * latencies ms.
 */
final class ServiceBench {
    static final int SINGLE_CONNECTIONS = 64;
    static final int BATCH_CONNECTIONS = 8;
    static final int BATCH_EVENTS = 100;
    /** The latency matrix's closed-loop rows; the 64 row is the single-event phase (SINGLE_CONNECTIONS). */
    static final List<Integer> MATRIX_CONNECTIONS = List.of(4, 16, SINGLE_CONNECTIONS);
    /** The latency matrix's open-loop rows, as shares of (a), the HTTP ceiling. */
    static final List<Double> MATRIX_SHARES = List.of(0.10, 0.25, 0.50);
    /**
     * The fsync probe runs beside this tier's 4-connection phase. That phase puts the database under the load of
     * four single-event clients, as the journal tier's does, but the service forces nothing itself: the probe's
     * forces do not queue behind the journal's (which would inflate the probe and slow the journal rows it judges),
     * and the tier's 202s do not wait on the disk, so its rates barely feel the probe.
     */
    static final String FSYNC_PROBE_TIER = "memory";
    static final int FSYNC_PROBE_CONNECTIONS = 4;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The service row on a single Kafka broker. */
    static final String KAFKA = "kafka";
    /** The service row on three Kafka brokers (replication factor 3, {@code min.insync.replicas=2}). */
    static final String KAFKA_3 = "kafka-3";

    private final BenchOptions options;
    private final LoadGenerator load;
    private final EventFactory events;
    private final SegmentEventFactory segment;
    private final Progress progress;
    /** Numbers each open-loop generator's event ids, so that no two generators send the same id. */
    private final AtomicInteger openLoopRuns = new AtomicInteger();

    /** One closed-loop load: where, in which format, over how many connections, which bodies, the events in each. */
    record Load(URI uri, LoadGenerator.Format format, int connections, Supplier<byte[]> body, int eventsPerRequest) {
        /** A load of JSON bodies, the service's own format. */
        Load(URI uri, int connections, Supplier<byte[]> body, int eventsPerRequest) {
            this(uri, LoadGenerator.Format.JSON, connections, body, eventsPerRequest);
        }
    }

    ServiceBench(BenchOptions options, LoadGenerator load, EventFactory events, SegmentEventFactory segment,
            Progress progress) {
        this.options = options;
        this.load = load;
        this.events = events;
        this.segment = segment;
        this.progress = progress;
    }

    /**
     * @param durability  null for the default flags, else the --durability value
     * @param httpCeiling (a), requests/s: the latency matrix's open-loop rates are shares of it
     */
    Results.Service run(BenchTarget target, String durability, double httpCeiling) throws Exception {
        return run(target, durability, durability == null ? List.of() : List.of("--durability", durability),
                httpCeiling);
    }

    /**
     * The service with {@code --queue kafka} (one process, both roles) on a topic of its own on {@code bootstrap},
     * with the default partitions and the brokers' default replication factor: the same phases as
     * {@link #run(BenchTarget, String, double)}, without the SDK ones and the latency matrix.
     *
     * @param row {@link #KAFKA} (one broker) or {@link #KAFKA_3} (three): the row's name, in its log files too
     */
    Results.Service runKafka(BenchTarget target, String row, String bootstrap) throws Exception {
        String topic = "bench-" + target.name() + "-" + Long.toString(System.currentTimeMillis(), 36);
        return run(target, row, List.of("--queue", "kafka", "--kafka-bootstrap", bootstrap, "--kafka-topic",
                topic), 0);
    }

    /**
     * @param mode        null for the default flags, else what {@code flags} change: a --durability value, or a
     *                    Kafka row's name
     * @param httpCeiling (a), requests/s; unused with Kafka (no latency matrix)
     */
    private Results.Service run(BenchTarget target, String mode, List<String> flags, double httpCeiling)
            throws Exception {
        String run = "service-" + (mode == null ? "default" : mode);
        Path dataDir = TempDirs.create("pipeline-bench-data-");
        String dbUrl = target.serviceUrl(run);
        ServiceProcess.Running service = ServiceProcess.start(options.jar(), options.jvmFlags(), dbUrl, flags,
                dataDir, options.outDir().resolve(target.name() + "-" + run + ".log"));
        try (ChildJvm jvm = service.jvm()) {
            Duration startup = jvm.awaitHealthy(load.client(), service.health(), START_TIMEOUT);
            String reported = String.valueOf(json(service.health()).get("durability"));
            progress.say("(d) %s on %s: up in %d ms, durability %s", run, target.name(), startup.toMillis(),
                    reported);
            try (EventTable table = new EventTable(dbUrl)) {
                WarmUp.Done warm = warmUp(options.serverWarmUp(), table,
                        new Load(service.events(), SINGLE_CONNECTIONS, events::single, 1),
                        new Load(service.batch(), BATCH_CONNECTIONS, () -> events.batch(BATCH_EVENTS), BATCH_EVENTS));
                progress.say("(d) %s: warmed up in %.1f s (%d rounds)", run, warm.seconds(), warm.rounds());
                progress.say("(d) %s: single events, %d connections", run, SINGLE_CONNECTIONS);
                Phase singlePhase = phase(jvm, table, new Load(service.events(), SINGLE_CONNECTIONS, events::single,
                        1), options.phase());
                Results.Ingest single = singlePhase.ingest();
                progress.say("(d) %s: batches of %d, %d connections", run, BATCH_EVENTS, BATCH_CONNECTIONS);
                Results.Ingest batch = ingest(jvm, table, service.batch(), BATCH_CONNECTIONS, BATCH_EVENTS,
                        () -> events.batch(BATCH_EVENTS));
                double rate = Math.max(1, single.acceptedPerSecond() / 2);
                progress.say("(d) %s: open-loop latency at %.0f requests/s", run, rate);
                Results.Latency latency = latency(table, service.events(), rate, options.phase(),
                        logOf(target, run, "open-loop-half-single"));
                // Before the SDK phases, so that the RSS goal judges what it always judged.
                double peakRssMib = jvm.peakRssKib() / 1024.0;
                Results.SdkBatches sdk = mode == null ? sdkBatches(jvm, table, service, batch, run) : null;
                Results.LatencyMatrix matrix = KAFKA.equals(mode) || KAFKA_3.equals(mode) ? null
                        : latencyMatrix(jvm, table, service, singlePhase, httpCeiling, target, run,
                                FSYNC_PROBE_TIER.equals(mode));
                Map<String, Object> metrics = json(service.metrics());
                jvm.close(); // before the next process starts
                Long aotStartup = mode == null ? startupWithAotCache(target, run) : null;
                return new Results.Service(mode == null ? "(default)" : mode, reported,
                        startup.toMillis(), aotStartup, peakRssMib, warm.seconds(), single, batch, latency, sdk,
                        matrix, metrics);
            }
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    /**
     * Start-up as {@code make run} does it on JDK 25+: one run records an AOT cache (written when it stops), the
     * next starts from it. Null on an older JDK, or when no cache was written (the log says why).
     */
    private Long startupWithAotCache(BenchTarget target, String run) throws Exception {
        if (Runtime.version().feature() < 25) {
            return null;
        }
        Path dataDir = TempDirs.create("pipeline-bench-aot-");
        Path cache = dataDir.resolve("event-pipeline.aot");
        String dbUrl = target.serviceUrl(run);
        try {
            List<String> training = new ArrayList<>(options.jvmFlags());
            training.add("-XX:AOTCacheOutput=" + cache);
            ServiceProcess.Running trainer = ServiceProcess.start(options.jar(), training, dbUrl, List.of(),
                    dataDir.resolve("data"), options.outDir().resolve(target.name() + "-" + run + "-aot-training.log"));
            try (ChildJvm jvm = trainer.jvm()) {
                jvm.awaitHealthy(load.client(), trainer.health(), START_TIMEOUT);
                // What a first run meets: both ingest routes, then a stop (the cache is written on exit).
                load.closedLoop(trainer.events(), 4, Duration.ofMillis(500), events::single, 1);
                load.closedLoop(trainer.batch(), 2, Duration.ofMillis(500), () -> events.batch(BATCH_EVENTS),
                        BATCH_EVENTS);
            }
            if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
                progress.say("(d) %s: no AOT cache was written; see the training log", run);
                return null;
            }
            List<String> flags = new ArrayList<>(options.jvmFlags());
            flags.add("-XX:AOTCache=" + cache);
            ServiceProcess.Running cached = ServiceProcess.start(options.jar(), flags, dbUrl, List.of(),
                    dataDir.resolve("data"), options.outDir().resolve(target.name() + "-" + run + "-aot.log"));
            try (ChildJvm jvm = cached.jvm()) {
                long ms = jvm.awaitHealthy(load.client(), cached.health(), START_TIMEOUT).toMillis();
                progress.say("(d) %s: up in %d ms from an AOT cache (as make run starts on JDK 25+)", run, ms);
                return ms;
            }
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    /**
     * SDK-shaped batches: after a warm-up of both routes (the Segment door's code is new to this process), 100
     * Segment track calls a request to POST /v1/batch, and the same events, as the door stores them, to our own
     * POST /events/batch; both over the batch row's connections, each for two half phases (in the order
     * v1, events, events, v1), its two halves summed. The ratios divide the /v1/batch figures by the
     * /events/batch ones of the same process: those with the same events (rates, and server CPU per event), and
     * the batch row's small events.
     */
    private Results.SdkBatches sdkBatches(ChildJvm jvm, EventTable table, ServiceProcess.Running service,
            Results.Ingest smallEvents, String run) throws Exception {
        Load v1 = new Load(service.segmentBatch(), BATCH_CONNECTIONS, () -> segment.v1Batch(BATCH_EVENTS),
                BATCH_EVENTS);
        Load same = new Load(service.batch(), BATCH_CONNECTIONS, () -> segment.eventsBatch(BATCH_EVENTS),
                BATCH_EVENTS);
        WarmUp.Done warm = warmUp(options.routeWarmUp(), table, v1, same);
        progress.say("(d) %s: /v1/batch and /events/batch with the same events warmed up in %.1f s (%d rounds)",
                run, warm.seconds(), warm.rounds());
        // Two halves each, in the order v1, events, events, v1: whichever runs second after a phase (the
        // database still writing back the rows just truncated) or drift in what else the machine runs would
        // otherwise weigh on one route only.
        Duration half = options.phase().dividedBy(2);
        progress.say("(d) %s: Segment batches of %d to /v1/batch, then the same events to /events/batch, %d "
                + "connections, %.1f s each, then again in the other order", run, BATCH_EVENTS, BATCH_CONNECTIONS,
                half.toMillis() / 1000.0);
        Results.Ingest v1First = ingest(jvm, table, v1, half);
        Results.Ingest eventsBatch = ingest(jvm, table, same, half).plus(ingest(jvm, table, same, half));
        Results.Ingest v1Batch = v1First.plus(ingest(jvm, table, v1, half));
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("same_events_end_to_end", Bench.ratio(v1Batch.endToEndPerSecond(), eventsBatch.endToEndPerSecond()));
        ratios.put("same_events_accepted", Bench.ratio(v1Batch.acceptedPerSecond(), eventsBatch.acceptedPerSecond()));
        ratios.put("small_events_end_to_end",
                Bench.ratio(v1Batch.endToEndPerSecond(), smallEvents.endToEndPerSecond()));
        // The server's CPU per accepted event: on a shared machine the least noisy of these.
        ratios.put("same_events_server_cpu_per_event",
                Bench.ratio(cpuPerEvent(v1Batch), cpuPerEvent(eventsBatch)));
        return new Results.SdkBatches(SegmentEventFactory.LIBRARY + " " + SegmentEventFactory.LIBRARY_VERSION,
                segment.v1Batch(BATCH_EVENTS).length, segment.eventsBatch(BATCH_EVENTS).length,
                events.batch(BATCH_EVENTS).length, warm.seconds(), v1Batch, eventsBatch, ratios,
                jvm.peakRssKib() / 1024.0);
    }

    /** The server's CPU seconds per accepted event while sending; null when none was accepted. */
    static Double cpuPerEvent(Results.Ingest i) {
        return i.acceptedEvents() == 0 ? null : i.serverCpuSeconds() / i.acceptedEvents();
    }

    /**
     * From an empty table, runs the loads, an equal share of a round each, until their rates settle (the geometric
     * mean, so that any route still speeding up keeps the warm-up going); then waits for the events to be stored
     * and empties the table.
     */
    WarmUp.Done warmUp(WarmUp.Plan plan, EventTable table, Load... loads) throws Exception {
        // Rows an earlier phase left (the naive design's, the other service's) would let the wait below end while
        // warm-up events are still queued, to land in the first measured phase.
        table.truncate();
        long[] accepted = {0};
        WarmUp.Done done = WarmUp.run(plan, round -> {
            Duration share = round.dividedBy(loads.length);
            double logRates = 0;
            for (Load l : loads) {
                LoadGenerator.ClosedLoop r = load.closedLoop(l.uri(), l.format(), l.connections(), share, l.body(),
                        l.eventsPerRequest());
                accepted[0] += r.acceptedEvents();
                logRates += Math.log(r.acceptedPerSecond());
            }
            return Math.exp(logRates / loads.length);
        });
        table.awaitCount(accepted[0], options.drainTimeout());
        table.truncate();
        return done;
    }

    private Results.Ingest ingest(ChildJvm jvm, EventTable table, URI uri, int connections, int eventsPerRequest,
            Supplier<byte[]> body) throws Exception {
        return ingest(jvm, table, new Load(uri, connections, body, eventsPerRequest), options.phase());
    }

    /**
     * One closed-loop phase of {@code length} from an empty table, its end-to-end rate counted until every accepted
     * event is a row, with the server's, the load generator's and the machine's CPU while sending.
     */
    Results.Ingest ingest(ChildJvm jvm, EventTable table, Load l, Duration length) throws Exception {
        return phase(jvm, table, l, length).ingest();
    }

    /** A closed-loop phase's figures, with its requests' latencies. */
    record Phase(Results.Ingest ingest, Percentiles latency) {
    }

    /** {@link #ingest(ChildJvm, EventTable, Load, Duration)}, with the requests' latencies. */
    Phase phase(ChildJvm jvm, EventTable table, Load l, Duration length) throws Exception {
        table.truncate();
        Duration serverCpu = jvm.cpuTime();
        long benchCpu = benchCpuNanos();
        MachineCpu machine = MachineCpu.start();
        LoadGenerator.ClosedLoop r = load.closedLoop(l.uri(), l.format(), l.connections(), length, l.body(),
                l.eventsPerRequest());
        double loadCpu = (benchCpuNanos() - benchCpu) / 1e9;
        double busyCores = machine.busyCores();
        double serverCpuSeconds = jvm.cpuTime().minus(serverCpu).toMillis() / 1000.0;
        EventTable.Stored stored = table.awaitCount(r.acceptedEvents(), options.drainTimeout());
        double e2eSeconds = (stored.atNanos() - r.startNanos()) / 1e9;
        return new Phase(new Results.Ingest(l.connections(), l.eventsPerRequest(), r.requests(), r.acceptedEvents(),
                r.refused(), r.failed(), r.seconds(), r.acceptedPerSecond(), stored.rows(), e2eSeconds,
                stored.complete() ? r.acceptedEvents() / e2eSeconds : null, serverCpuSeconds, loadCpu, busyCores),
                r.latency());
    }

    /**
     * The latency matrix, after the process's other phases: closed loop over {@link #MATRIX_CONNECTIONS} (the 64
     * row from the single-event phase already run), with the fsync probe beside the 4-connection phase when
     * {@code probe}, then open loop at {@link #MATRIX_SHARES} of (a).
     */
    private Results.LatencyMatrix latencyMatrix(ChildJvm jvm, EventTable table, ServiceProcess.Running service,
            Phase single, double httpCeiling, BenchTarget target, String run, boolean probe) throws Exception {
        Duration length = options.latencyPhase();
        long t0 = System.nanoTime();
        List<Results.ClosedLatency> closed = new ArrayList<>();
        Results.FsyncProbe fsync = null;
        for (int connections : MATRIX_CONNECTIONS) {
            if (connections == SINGLE_CONNECTIONS) {
                closed.add(Results.ClosedLatency.of(single.ingest(), single.latency()));
                continue;
            }
            boolean withProbe = probe && connections == FSYNC_PROBE_CONNECTIONS;
            progress.say("(d) %s: latency, closed loop, %d connections, %.1f s%s", run, connections,
                    length.toMillis() / 1000.0, withProbe ? ", with the fsync probe beside it" : "");
            FsyncProbe p = withProbe ? FsyncProbe.start(fsyncProbeRecordBytes(),
                    target.name() + " " + run + ", closed loop, " + connections + " connections") : null;
            Phase phase;
            try {
                phase = phase(jvm, table, new Load(service.events(), connections, events::single, 1), length);
            } finally {
                if (p != null) {
                    fsync = p.stop();
                }
            }
            closed.add(Results.ClosedLatency.of(phase.ingest(), phase.latency()));
            if (fsync != null && withProbe) {
                progress.say("(d) fsync probe: %d writes of %d bytes, mean %.2f ms, p99 %.2f ms", fsync.writes(),
                        fsync.recordBytes(), fsync.meanMs(), fsync.p99Ms());
            }
        }
        List<Results.OpenLatency> open = new ArrayList<>();
        for (double share : MATRIX_SHARES) {
            double rate = Math.max(1, share * httpCeiling);
            progress.say("(d) %s: latency, open loop at %.0f%% of (a): %.0f requests/s, %.1f s", run, share * 100,
                    rate, length.toMillis() / 1000.0);
            open.add(new Results.OpenLatency(share, latency(table, service.events(), rate, length,
                    logOf(target, run, "open-loop-" + Math.round(share * 100) + "pct"))));
        }
        progress.say("(d) %s: the latency matrix took %.1f s", run, (System.nanoTime() - t0) / 1e9);
        return new Results.LatencyMatrix(length.toMillis() / 1000.0, closed, open, fsync);
    }

    /** One single event's journal record: the journal's header and the event as the service encodes it. */
    private int fsyncProbeRecordBytes() {
        return FsyncProbe.RECORD_HEADER_BYTES + EventCodec.encode(events.events(1).getFirst()).length;
    }

    private Path logOf(BenchTarget target, String run, String phase) {
        return options.outDir().resolve(target.name() + "-" + run + "-" + phase + ".log");
    }

    /**
     * An open-loop phase at {@code perSecond} requests/s for {@code length}, its generator in a JVM of its own
     * (which first warms up at the same rate), from an empty table; waits for the events to be stored after.
     */
    private Results.Latency latency(EventTable table, URI uri, double perSecond, Duration length, Path log)
            throws Exception {
        table.truncate();
        OpenLoopProcess.Report report = OpenLoopProcess.run(options.jar(), uri, perSecond,
                options.generatorWarmUp(), length, events.idPrefix() + "o" + openLoopRuns.incrementAndGet() + "-",
                log);
        // Not measured, but the next phase must not start while this one is still writing.
        table.awaitCount(report.acceptedEvents(), options.drainTimeout());
        OpenLoop.Result r = report.measured();
        Percentiles p = r.latency();
        return new Results.Latency(r.targetPerSecond(), r.achievedPerSecond(), r.scheduled(), r.answered(),
                r.refused(), r.failed(), p.p50Ms(), p.p99Ms(), p.p999Ms(), p.maxMs(), report.machineBusyCores());
    }

    /** A JSON document the service answers, such as /health or /metrics. */
    Map<String, Object> json(URI uri) throws Exception {
        String body = load.get(uri, Duration.ofSeconds(5)).body();
        return Results.mapper().readValue(body, new TypeReference<Map<String, Object>>() { });
    }

    /** The bench JVM's own CPU time: the load generator's cost, since it shares the cores with the server. */
    static long benchCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return 0;
    }
}
