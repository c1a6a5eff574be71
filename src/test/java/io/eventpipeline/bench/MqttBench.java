package io.eventpipeline.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import io.eventpipeline.mqtt.MosquittoBroker;
import io.eventpipeline.mqtt.MqttPublisher;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The MQTT row: a device's Paho client (QoS 1, one connection, {@link MqttPublisher#MAX_INFLIGHT} messages awaiting
 * their PUBACK) publishes the bench's events, one a message, to a Mosquitto of the bench's own; the service runs with
 * default flags plus {@code --mqtt-url}, {@code --mqtt-topics} and {@code --mqtt-id-field id}, in its own process.
 * The rate counts from the first publish to the moment the last message was a row, as the HTTP rows' end-to-end
 * rates do. The publisher stays at most {@link #MAX_BACKLOG} messages ahead of the rows, so that the broker's queue
 * for the service (100,000 messages in its configuration) never overflows and drops.
 */
final class MqttBench {
    static final String TOPIC = "bench/site-1/reading";
    static final String FILTER = "bench/+/reading";
    /** Messages a publish call sends before it waits for their PUBACKs. */
    static final int CHUNK = 2_000;
    /** At most this many messages published and not yet stored. */
    static final int MAX_BACKLOG = 20_000;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The run's name in the progress lines and its log's name. */
    private static final String RUN = "service-mqtt";

    private final BenchOptions options;
    private final LoadGenerator load;
    private final EventFactory events;
    private final Progress progress;

    MqttBench(BenchOptions options, LoadGenerator load, EventFactory events, Progress progress) {
        this.options = options;
        this.load = load;
        this.events = events;
        this.progress = progress;
    }

    /**
     * Measures the row on {@code target} against {@code broker}; {@code eventsBatch} is the default-flags process's
     * /events/batch phase of the same run, for the ratio.
     */
    Results.Mqtt run(BenchTarget target, MosquittoBroker broker, Results.Ingest eventsBatch) throws Exception {
        Path dataDir = TempDirs.create("pipeline-bench-data-");
        String dbUrl = target.serviceUrl(RUN);
        List<String> flags = List.of("--mqtt-url", broker.url(), "--mqtt-topics", FILTER,
                "--mqtt-client-id", "bench-" + target.name(), "--mqtt-id-field", "id");
        ServiceProcess.Running service = ServiceProcess.start(options.jar(), options.jvmFlags(), dbUrl, flags,
                dataDir, options.outDir().resolve(target.name() + "-" + RUN + ".log"));
        try (ChildJvm jvm = service.jvm()) {
            // Before the table is opened: on H2 the service must be the first to open its database (AUTO_SERVER).
            Duration startup = jvm.awaitHealthy(load.client(), service.health(), START_TIMEOUT);
            awaitSubscribed(service.health());
            return measure(target, broker, eventsBatch, service, jvm, dbUrl, startup);
        } finally {
            TempDirs.delete(dataDir);
        }
    }

    private Results.Mqtt measure(BenchTarget target, MosquittoBroker broker, Results.Ingest eventsBatch,
            ServiceProcess.Running service, ChildJvm jvm, String dbUrl, Duration startup) throws Exception {
        try (EventTable table = new EventTable(dbUrl);
                MqttPublisher publisher = MqttPublisher.connect(broker.url(), "bench-device-" + target.name())) {
            progress.say("(d) %s on %s: up and subscribed in %d ms", RUN, target.name(), startup.toMillis());
            table.truncate();
            WarmUp.Done warm = WarmUp.run(options.serverWarmUp(), round -> {
                Published p = publish(publisher, table, round);
                EventTable.Stored stored = table.awaitCount(p.messages(), options.drainTimeout());
                table.truncate();
                return p.messages() / ((stored.atNanos() - p.startNanos()) / 1e9);
            });
            progress.say("(d) %s: warmed up in %.1f s (%d rounds, last %.0f messages/s)", RUN, warm.seconds(),
                    warm.rounds(), warm.lastRate());
            progress.say("(d) %s: QoS 1 messages, one publisher, at most %d awaiting their PUBACK", RUN,
                    MqttPublisher.MAX_INFLIGHT);
            Duration serverCpu = jvm.cpuTime();
            long benchCpu = ServiceBench.benchCpuNanos();
            MachineCpu machine = MachineCpu.start();
            Published p = publish(publisher, table, options.phase());
            double loadCpu = (ServiceBench.benchCpuNanos() - benchCpu) / 1e9;
            double busyCores = machine.busyCores();
            double serverCpuSeconds = jvm.cpuTime().minus(serverCpu).toMillis() / 1000.0;
            EventTable.Stored stored = table.awaitCount(p.messages(), options.drainTimeout());
            double e2eSeconds = (stored.atNanos() - p.startNanos()) / 1e9;
            Results.Ingest qos1 = new Results.Ingest(1, 1, p.messages(), p.messages(), 0, 0, p.seconds(),
                    p.messages() / p.seconds(), stored.rows(), e2eSeconds,
                    stored.complete() ? p.messages() / e2eSeconds : null, serverCpuSeconds, loadCpu, busyCores);
            Map<String, Object> metrics = Results.mapper().readValue(
                    load.get(service.metrics(), Duration.ofSeconds(5)).body(),
                    new TypeReference<Map<String, Object>>() { });
            return new Results.Mqtt(MosquittoBroker.version(), events.single().length, MqttPublisher.MAX_INFLIGHT,
                    startup.toMillis(), warm.seconds(), qos1,
                    Bench.ratio(qos1.endToEndPerSecond(), eventsBatch.endToEndPerSecond()), metrics);
        }
    }

    /** Messages published, when the first was sent, and for how long publishing went on. */
    private record Published(long messages, long startNanos, double seconds) {
    }

    /**
     * Publishes fresh events, {@link #CHUNK} a call, each call waiting for its PUBACKs, for {@code length}; before
     * each call waits until the rows are at most {@link #MAX_BACKLOG} behind.
     */
    private Published publish(MqttPublisher publisher, EventTable table, Duration length) throws Exception {
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long sent = 0;
        while (System.nanoTime() < end) {
            long stalled = System.nanoTime() + options.drainTimeout().toNanos();
            while (sent - table.count() > MAX_BACKLOG - CHUNK) {
                if (System.nanoTime() > stalled) {
                    throw new IllegalStateException("the service stored nothing of the last " + MAX_BACKLOG
                            + " messages for " + options.drainTimeout() + "; see its log");
                }
                Thread.sleep(EventTable.POLL_MILLIS);
            }
            List<byte[]> chunk = new ArrayList<>(CHUNK);
            for (int i = 0; i < CHUNK; i++) {
                chunk.add(events.single());
            }
            publisher.publishBytes(TOPIC, chunk);
            sent += CHUNK;
        }
        return new Published(sent, start, (System.nanoTime() - start) / 1e9);
    }

    private void awaitSubscribed(URI health) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!load.get(health, Duration.ofSeconds(5)).body().contains("\"mqtt\":\"UP\"")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the service's MQTT subscription was not up within " + START_TIMEOUT);
            }
            Thread.sleep(EventTable.POLL_MILLIS);
        }
    }
}
