package io.eventpipeline.bench;

import io.eventpipeline.kafka.KafkaCluster;
import java.io.PrintStream;
import java.util.Map;

/**
 * The human-readable report: rates per phase (events/s), per target the durability tiers' latency matrix (req/s,
 * ms) and the fsync probe, then each goal as measured / reference with PASS or MISS.
 */
final class ReportTable {
    private ReportTable() {
    }

    static void print(Results r, PrintStream out) {
        Machine m = r.machine();
        out.printf("%nEvent Pipeline benchmark, %s, commit %s, %.1f s per phase, each server warmed up until its "
                + "rate settled (at most %.0f s)%n", r.startedAt(), m.gitCommit() == null ? "?" : m.gitCommit(),
                r.secondsPerPhase(), r.maxWarmupSeconds());
        out.printf("machine: %s; load average %s at start, %s at end%n", m.summary(), m.loadAverageAtStart(),
                m.loadAverageAtEnd());
        out.printf("load generator: %s%n", r.loadGenerator());
        out.printf("server JVM flags (bare server and service alike): %s%n",
                r.jvmFlags().isEmpty() ? "none (as `java -jar`)" : String.join(" ", r.jvmFlags()));
        Results.HttpCeiling a = r.httpCeiling();
        out.printf("%n%-62s %10s ev/s   start %,d ms, peak RSS %.0f MiB, warm-up %.0f s%n",
                "(a) HTTP ceiling: bare Javalin, parse + 202, 64 connections", rate(a.single().acceptedPerSecond()),
                a.startupMs(), a.peakRssMib(), a.warmupSeconds());
        out.printf("    server CPU %.1f s, load generator CPU %.1f s in %.1f s; the machine kept %.1f of %d cores "
                + "busy%n", a.single().serverCpuSeconds(), a.single().loadGeneratorCpuSeconds(),
                a.single().sendSeconds(), a.single().machineBusyCores(), m.cores());
        for (Results.Target t : r.targets().values()) {
            printTarget(t, out);
        }
        out.printf("%ntotal %.0f s%n", r.totalSeconds());
    }

    private static void printTarget(Results.Target t, PrintStream out) {
        out.printf("%n%s: %s %s%n", t.name(), t.database().get("product"), t.database().get("version"));
        out.printf("  %-60s %12s %12s%n", "phase", "accepted/s", "stored/s");
        out.printf("  %-60s %12s %12s   (machine busy: %.1f cores)%n",
                "(b) DB ceiling: multi-row INSERT, 4 connections x 500 rows", "", rate(t.dbCeiling().eventsPerSecond()),
                t.dbCeiling().machineBusyCores());
        out.printf("  %-60s %12s %12s   (machine busy: %.1f cores)%n",
                "(c) naive design: one INSERT per event, autocommit, 4 conns", "",
                rate(t.seedDesign().eventsPerSecond()), t.seedDesign().machineBusyCores());
        for (Map.Entry<String, Results.Service> e : t.service().entrySet()) {
            Results.Service s = e.getValue();
            String flags = switch (e.getKey()) {
                case "journal" -> "default flags (--durability journal)";
                case ServiceBench.KAFKA -> "--queue kafka, a single broker on this machine";
                case ServiceBench.KAFKA_3 -> String.format("--queue kafka, three brokers on this machine (RF %d, "
                        + "min ISR %d; up in %,d ms)", KafkaCluster.REPLICATION_FACTOR,
                        KafkaCluster.MIN_INSYNC_REPLICAS, t.kafkaClusterStartupMs());
                default -> "--durability " + s.durabilityFlag();
            };
            out.printf("  (d) service, %s (durability it reports: %s)%n", flags, s.durabilityReported());
            ingestRow(out, "single events, " + s.single().connections() + " connections", s.single());
            ingestRow(out, "batches of " + s.batch().eventsPerRequest() + ", " + s.batch().connections()
                    + " connections", s.batch());
            Results.Latency l = s.latency();
            out.printf("      open loop at %,.0f req/s (%,.0f achieved): p50 %.2f  p99 %.2f  p99.9 %.2f ms "
                    + "(max %.1f; machine busy %.1f cores)%s%n", l.targetRequestsPerSecond(),
                    l.achievedRequestsPerSecond(), l.p50Ms(), l.p99Ms(), l.p999Ms(), l.maxMs(), l.machineBusyCores(),
                    l.refused() + l.failed() > 0 ? ", " + l.refused() + " refused, " + l.failed() + " failed" : "");
            out.printf("      start %,d ms%s, peak RSS %.0f MiB, warm-up %.0f s%n", s.startupMs(),
                    s.startupAotCacheMs() == null ? "" : String.format(" (%,d ms from an AOT cache)",
                            s.startupAotCacheMs()), s.peakRssMib(), s.warmupSeconds());
            if (s.sdkBatches() != null) {
                sdkRows(out, s.sdkBatches());
            }
        }
        if (t.mqtt() != null) {
            mqttRows(out, t.mqtt());
        }
        if (t.otlp() != null) {
            otlpRows(out, t.otlp());
        }
        latencyMatrix(out, t);
        out.printf("  %-52s %14s %14s %7s %8s%n", "goals (the service with default flags unless a tier is named)",
                "measured", "reference", "ratio", "need");
        for (Goal g : t.goals()) {
            out.printf("    %-50s %14s %14s %7s %8s  %s%n", g.rule(), value(g.measured(), g.unit()),
                    value(g.reference(), g.unit()), g.ratio() == null ? "-" : String.format("%.2f", g.ratio()),
                    (g.higherIsBetter() ? ">= " : "<= ") + String.format("%.2f", g.requiredRatio()),
                    g.pass() ? "PASS" : "MISS");
        }
        out.printf("  (b)/(c) = %.1f: what batching alone buys on this database (the 15x goal needs more than that)%n",
                t.dbCeiling().eventsPerSecond() / t.seedDesign().eventsPerSecond());
        ratios(out, "  journal / memory (default flags over --durability memory):", t.journalOverMemory());
        Results.Service kafka = t.service().get(ServiceBench.KAFKA);
        Results.Service journal = t.service().get("journal");
        if (kafka != null && journal != null) {
            ratios(out, "  kafka / journal (--queue kafka over default flags):", kafka.over(journal));
        }
        if (t.threeBrokersOverOne() != null) {
            ratios(out, "  kafka-3 / kafka (three brokers over one):", t.threeBrokersOverOne());
        }
    }

    /** One line of ratios, e.g. {@code single_accepted 0.32, ...}, each rounded to two places. */
    private static void ratios(PrintStream out, String label, Map<String, Double> ratios) {
        StringBuilder line = new StringBuilder(label);
        ratios.forEach((k, v) -> line.append(' ').append(k).append(' ').append(ratio(v)).append(','));
        out.println(line.substring(0, line.length() - 1));
    }

    /**
     * Per durability tier, single events: closed loop over 4/16/64 connections, open loop at shares of (a) from a
     * generator in its own JVM; then the fsync probe.
     */
    private static void latencyMatrix(PrintStream out, Results.Target t) {
        Results.FsyncProbe probe = null;
        boolean header = false;
        for (Map.Entry<String, Results.Service> e : t.service().entrySet()) {
            Results.LatencyMatrix m = e.getValue().latencyMatrix();
            if (m == null) {
                continue;
            }
            if (!header) {
                out.printf("  latency of single events by durability tier, ms (%.1f s a phase, the 64-connection one "
                        + "excepted;%n  open loop: a generator in its own JVM, latency from the scheduled send)%n",
                        m.seconds());
                out.printf("    %-14s %-24s %10s %10s %8s %8s %8s %8s%n", "tier", "load", "target/s", "req/s",
                        "p50", "p99", "p99.9", "max");
                header = true;
            }
            for (Results.ClosedLatency c : m.closed()) {
                out.printf("    %-14s %-24s %10s %10s %8.2f %8.2f %8.2f %8.1f%s%n", e.getKey(),
                        "closed, " + c.connections() + " connections", "", rate(c.acceptedPerSecond()), c.p50Ms(),
                        c.p99Ms(), c.p999Ms(), c.maxMs(), problems(c.refused(), c.failed()));
            }
            for (Results.OpenLatency o : m.open()) {
                Results.Latency l = o.latency();
                out.printf("    %-14s %-24s %10s %10s %8.2f %8.2f %8.2f %8.1f%s%n", e.getKey(),
                        String.format("open, %.0f%% of (a)", o.shareOfHttpCeiling() * 100),
                        rate(l.targetRequestsPerSecond()), rate(l.achievedRequestsPerSecond()), l.p50Ms(), l.p99Ms(),
                        l.p999Ms(), l.maxMs(), problems(l.refused(), l.failed()));
            }
            if (m.fsyncProbe() != null) {
                probe = m.fsyncProbe();
            }
        }
        for (String tier : BenchOptions.TIERS) {
            if (!t.service().containsKey(tier)) {
                out.printf("    %-14s not run (--tiers left it out)%n", tier);
            }
        }
        if (probe != null) {
            out.printf("    fsync probe: write %d B + fdatasync, %s on %s, during %s:%n      %,d in %.1f s, mean "
                    + "%.2f ms, p50 %.2f  p99 %.2f  p99.9 %.2f  max %.1f ms%n", probe.recordBytes(),
                    probe.fileSystem(), probe.directory(), probe.during(), probe.writes(), probe.seconds(),
                    probe.meanMs(), probe.p50Ms(), probe.p99Ms(), probe.p999Ms(), probe.maxMs());
        }
    }

    private static String problems(long refused, long failed) {
        return refused + failed > 0 ? "  (" + refused + " refused, " + failed + " failed)" : "";
    }

    /** The MQTT row: QoS 1 messages through Mosquitto, beside the default-flags process's /events/batch. */
    private static void mqttRows(PrintStream out, Results.Mqtt m) {
        out.printf("  (d) service, default flags + --mqtt-url: %s, one Paho publisher at QoS 1 (%d awaiting PUBACK),%n"
                + "      a message of %d bytes per event; up and subscribed in %,d ms, warm-up %.0f s%n", m.broker(),
                m.publisherMaxInflight(), m.payloadBytes(), m.startupMs(), m.warmupSeconds());
        ingestRow(out, "MQTT messages, publish to stored (accepted = broker PUBACK)", m.qos1());
        out.printf("      MQTT over /events/batch (default flags), end-to-end: %s%n",
                ratio(m.overEventsBatchEndToEnd()));
    }

    /** The OTLP row: protobuf log records to /v1/logs, beside the default-flags process's /events/batch. */
    private static void otlpRows(PrintStream out, Results.Otlp o) {
        out.printf("  (d) service, default flags: POST /v1/logs, OTLP/HTTP in %s as an SDK's exporter sends it,%n"
                + "      %d log records a request (%s, one resource and scope); up in %,d ms, warm-up %.0f s%n",
                o.encoding(), o.recordsPerRequest(), kib(o.requestBytes()), o.startupMs(), o.warmupSeconds());
        ingestRow(out, String.format("OTLP log records, %d a request, %d connections", o.recordsPerRequest(),
                o.logs().connections()), o.logs());
        out.printf("      /v1/logs over /events/batch (default flags), end-to-end: %s (server CPU per event: %s);%n"
                + "        refused in partial_success: %,d records%n", ratio(o.overEventsBatchEndToEnd()),
                ratio(o.serverCpuPerRecordOverEventsBatch()), o.rejectedLogRecords());
    }

    /** The SDK-shaped batches and their ratios, under the default-flags rows. */
    private static void sdkRows(PrintStream out, Results.SdkBatches sdk) {
        out.printf("      SDK-shaped batches: %d Segment track calls a request as %s sends them (own warm-up %.0f s;%n"
                + "      each route in two halves, in the order /v1/batch, /events/batch, /events/batch, /v1/batch)%n",
                sdk.v1Batch().eventsPerRequest(), sdk.library(), sdk.warmupSeconds());
        ingestRow(out, String.format("POST /v1/batch, %s a request, %d connections", kib(sdk.v1RequestBytes()),
                sdk.v1Batch().connections()), sdk.v1Batch());
        ingestRow(out, String.format("the same events to /events/batch, %s, %d conns",
                kib(sdk.eventsRequestBytes()), sdk.eventsBatch().connections()), sdk.eventsBatch());
        Map<String, Double> r = sdk.v1OverEventsBatch();
        out.printf("      /v1/batch over /events/batch, end-to-end: %s with the same events (accepted: %s, server CPU "
                + "per event: %s),%n        %s over the batches of small events above (%s a request); peak RSS "
                + "after these %.0f MiB%n", ratio(r.get("same_events_end_to_end")),
                ratio(r.get("same_events_accepted")), ratio(r.get("same_events_server_cpu_per_event")),
                ratio(r.get("small_events_end_to_end")), kib(sdk.smallEventsRequestBytes()), sdk.peakRssMibAfter());
    }

    private static String kib(int bytes) {
        return String.format("%.0f KiB", bytes / 1024.0);
    }

    private static String ratio(Double v) {
        return v == null ? "-" : String.format("%.2f", v);
    }

    private static void ingestRow(PrintStream out, String label, Results.Ingest i) {
        String problems = i.refused() + i.failed() > 0 ? "  (" + i.refused() + " refused, " + i.failed()
                + " failed requests)" : "";
        String stored = i.endToEndPerSecond() != null ? rate(i.endToEndPerSecond())
                : "incomplete: " + i.storedEvents() + "/" + i.acceptedEvents();
        out.printf("      %-56s %12s %12s%s%n", label, rate(i.acceptedPerSecond()), stored, problems);
        out.printf("        sent for %.1f s (server CPU %.1f s, load generator CPU %.1f s, machine busy %.1f cores), "
                + "all stored after %.1f s%n", i.sendSeconds(), i.serverCpuSeconds(), i.loadGeneratorCpuSeconds(),
                i.machineBusyCores(), i.endToEndSeconds() == null ? Double.NaN : i.endToEndSeconds());
    }

    private static String rate(double v) {
        return String.format("%,.0f", v);
    }

    private static String value(Double v, String unit) {
        if (v == null) {
            return "-";
        }
        return switch (unit) {
            case "events/s" -> String.format("%,.0f ev/s", v);
            case "ms" -> v >= 100 ? String.format("%,.0f ms", v) : String.format("%.2f ms", v);
            default -> String.format("%,.0f %s", v, unit);
        };
    }
}
