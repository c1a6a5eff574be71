package io.eventpipeline.bench;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The OTLP row: OTLP/HTTP logs in protobuf, as an OpenTelemetry SDK's OTLP exporter posts them, to POST /v1/logs of
 * the service with default flags in a process of its own; {@link #RECORDS} of the bench's events a request as log
 * records ({@link EventFactory#otlpLogs}), over the /events/batch row's connections, after a warm-up of its own.
 * Records/s count from the first request to the moment the last record was a row, as the other rows' end-to-end
 * rates do, and are set beside the default-flags process's /events/batch row of the same run.
 */
final class OtlpBench {
    /**
     * Log records a request: the SDKs' BatchLogRecordProcessor default maxExportBatchSize. A processor exports as
     * soon as that many are queued, so under a load like the bench's (its queue of 2048 fills in well under its
     * 1 s schedule delay) every export an application's SDK makes is a full one of 512.
     */
    static final int RECORDS = 512;
    static final String CONTENT_TYPE = "application/x-protobuf";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The run's name in the progress lines and its log's name. */
    private static final String RUN = "service-otlp";

    private final BenchOptions options;
    private final LoadGenerator load;
    private final EventFactory events;
    private final ServiceBench phases;
    private final Progress progress;

    /** @param phases the service rows' warm-up and measured phase, which this row runs on its own route */
    OtlpBench(BenchOptions options, LoadGenerator load, EventFactory events, ServiceBench phases, Progress progress) {
        this.options = options;
        this.load = load;
        this.events = events;
        this.phases = phases;
        this.progress = progress;
    }

    /**
     * Measures the row on {@code target}; {@code eventsBatch} is the default-flags process's /events/batch phase of
     * the same run, for the ratios.
     */
    Results.Otlp run(BenchTarget target, Results.Ingest eventsBatch) throws Exception {
        Path dataDir = TempDirs.create("pipeline-bench-data-");
        String dbUrl = target.serviceUrl(RUN);
        ServiceProcess.Running service = ServiceProcess.start(options.jar(), options.jvmFlags(), dbUrl, List.of(),
                dataDir, options.outDir().resolve(target.name() + "-" + RUN + ".log"));
        try (ChildJvm jvm = service.jvm()) {
            // Before the table is opened: on H2 the service must be the first to open its database (AUTO_SERVER).
            Duration startup = jvm.awaitHealthy(load.client(), service.health(), START_TIMEOUT);
            progress.say("(d) %s on %s: up in %d ms", RUN, target.name(), startup.toMillis());
            try (EventTable table = new EventTable(dbUrl)) {
                LongAdder refusedRecords = new LongAdder();
                LoadGenerator.Format protobuf = new LoadGenerator.Format(CONTENT_TYPE, answer -> {
                    int refused = refusedRecords(answer);
                    refusedRecords.add(refused);
                    return refused;
                });
                ServiceBench.Load logs = new ServiceBench.Load(service.otlpLogs(), protobuf,
                        ServiceBench.BATCH_CONNECTIONS, () -> events.otlpLogs(RECORDS), RECORDS);
                WarmUp.Done warm = phases.warmUp(options.serverWarmUp(), table, logs);
                progress.say("(d) %s: warmed up in %.1f s (%d rounds)", RUN, warm.seconds(), warm.rounds());
                progress.say("(d) %s: OTLP requests of %d log records in protobuf to /v1/logs, %d connections", RUN,
                        RECORDS, ServiceBench.BATCH_CONNECTIONS);
                refusedRecords.reset();
                Results.Ingest ingest = phases.ingest(jvm, table, logs, options.phase());
                return new Results.Otlp(CONTENT_TYPE, RECORDS, events.otlpLogs(RECORDS).length, startup.toMillis(),
                        warm.seconds(), ingest, refusedRecords.sum(),
                        Bench.ratio(ingest.endToEndPerSecond(), eventsBatch.endToEndPerSecond()),
                        Bench.ratio(ServiceBench.cpuPerEvent(ingest), ServiceBench.cpuPerEvent(eventsBatch)),
                        phases.json(service.metrics()));
            }
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    /**
     * The records a 200's {@code ExportLogsServiceResponse} says its {@code partial_success} refused; all of them
     * when the answer is not one, which the row then shows as refused records.
     */
    private static int refusedRecords(byte[] answer) {
        try {
            return Math.toIntExact(ExportLogsServiceResponse.parseFrom(answer).getPartialSuccess()
                    .getRejectedLogRecords());
        } catch (com.google.protobuf.InvalidProtocolBufferException | ArithmeticException e) {
            return RECORDS;
        }
    }
}
