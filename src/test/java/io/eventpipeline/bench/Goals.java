package io.eventpipeline.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The project's performance goals, each a ratio within one run: {@link #judge} for the service with default flags,
 * {@link #tiers} for the durability tiers' latency matrices against each other and the fsync probe. Rates are
 * events per second, latencies ms.
 */
final class Goals {
    static final double MAX_P99_MS = 5;
    static final double MAX_P999_MS = 20;
    /** The open-loop row the tiers' latency is judged at: a quarter of (a), the HTTP ceiling. */
    static final double JUDGED_SHARE = 0.25;
    /** The closed-loop row the tiers' rates are judged at: a small client's few connections. */
    static final int JUDGED_CONNECTIONS = 4;
    /** The tiers whose 202 does not wait for a force, held to the absolute latency goals. */
    static final List<String> UNFORCED_TIERS = List.of("journal-async", "memory");
    static final double MAX_RSS_MIB = 300;
    static final double MAX_STARTUP_MS = 1000;

    private Goals() {
    }

    /**
     * @param httpCeiling (a), events per second
     * @param dbCeiling   (b)
     * @param seed        (c)
     * @param service     (d) with default flags
     */
    static List<Goal> judge(double httpCeiling, double dbCeiling, double seed, Results.Service service) {
        // HTTP and the database take turns on the same cores: their rates combine like resistors in series.
        double serial = 1 / (1 / httpCeiling + 1 / dbCeiling);
        List<Goal> goals = new ArrayList<>(List.of(
                Goal.atLeast("single_end_to_end", "single-event end-to-end >= 0.8 x 1/(1/(a)+1/(b))",
                        service.single().endToEndPerSecond(), serial, "events/s", 0.8),
                Goal.atLeast("batch_vs_db_ceiling", "batch end-to-end >= 0.8 x (b)",
                        service.batch().endToEndPerSecond(), dbCeiling, "events/s", 0.8),
                Goal.atLeast("batch_vs_seed", "batch end-to-end >= 15 x (c)",
                        service.batch().endToEndPerSecond(), seed, "events/s", 15),
                Goal.atMost("p99_accept_latency", "p99 accept latency <= 5 ms at half the max rate",
                        service.latency().p99Ms(), MAX_P99_MS, "ms"),
                Goal.atMost("peak_rss", "peak RSS <= 300 MiB", service.peakRssMib(), MAX_RSS_MIB, "MiB"),
                Goal.atMost("startup", "java -jar to first /health 200 <= 1 s", (double) service.startupMs(),
                        MAX_STARTUP_MS, "ms")));
        if (service.startupAotCacheMs() != null) {
            goals.add(Goal.atMost("startup_aot_cache", "  the same from make run's AOT cache (JDK 25+)",
                    (double) service.startupAotCacheMs(), MAX_STARTUP_MS, "ms"));
        }
        return goals;
    }

    /**
     * The durability tiers' goals, from their latency matrices ({@link Results.LatencyMatrix}): journal-async and
     * memory, p99 <= 5 ms and p99.9 <= 20 ms open loop at 25% of (a); journal-async's 4-connection rate >= 0.9 x
     * memory's; journal, whose 202 waits for a force, against the fsync probe: p99 at 25% of (a) <= 1.5 x the
     * probe's p99 + 1 ms, and the 4-connection rate >= 0.8 x 4 / the probe's mean (each connection waiting for one
     * force per event). A tier not run, or a probe missing, is a miss with no ratio.
     *
     * @param runs  the service's rows by tier name ("journal" being the default flags)
     * @param probe the fsync probe of the same run, or null
     */
    static List<Goal> tiers(Map<String, Results.Service> runs, Results.FsyncProbe probe) {
        List<Goal> goals = new ArrayList<>();
        for (String tier : UNFORCED_TIERS) {
            Results.Latency open = openAt(runs.get(tier));
            goals.add(Goal.atMost(tier.replace('-', '_') + "_p99_open_25pct",
                    tier + ": p99 <= 5 ms, open loop at 25% of (a)", open == null ? null : open.p99Ms(), MAX_P99_MS,
                    "ms"));
            goals.add(Goal.atMost(tier.replace('-', '_') + "_p999_open_25pct", "  the same, p99.9 <= 20 ms",
                    open == null ? null : open.p999Ms(), MAX_P999_MS, "ms"));
        }
        Double memoryRate = closedRate(runs.get("memory"));
        goals.add(Goal.atLeast("journal_async_4_connections", "journal-async, 4 connections >= 0.9 x memory",
                closedRate(runs.get("journal-async")), memoryRate == null ? 0 : memoryRate, "events/s", 0.9));
        Results.Latency journal = openAt(runs.get("journal"));
        goals.add(Goal.atMost("journal_p99_vs_fsync", "journal: p99 at 25% of (a) <= 1.5 x fsync p99+1 ms",
                journal == null ? null : journal.p99Ms(), probe == null ? 0 : 1.5 * probe.p99Ms() + 1, "ms"));
        goals.add(Goal.atLeast("journal_4_connections_vs_fsync", "journal, 4 connections >= 0.8 x 4 / fsync mean",
                closedRate(runs.get("journal")),
                probe == null || probe.meanMs() <= 0 ? 0 : JUDGED_CONNECTIONS / (probe.meanMs() / 1000), "events/s",
                0.8));
        return goals;
    }

    /** The open-loop row at {@link #JUDGED_SHARE} of a service row's matrix, or null. */
    private static Results.Latency openAt(Results.Service s) {
        Results.OpenLatency o = s == null || s.latencyMatrix() == null ? null
                : s.latencyMatrix().openAt(JUDGED_SHARE);
        return o == null ? null : o.latency();
    }

    /** The 202s a second over {@link #JUDGED_CONNECTIONS} connections in a service row's matrix, or null. */
    private static Double closedRate(Results.Service s) {
        Results.ClosedLatency c = s == null || s.latencyMatrix() == null ? null
                : s.latencyMatrix().closedWith(JUDGED_CONNECTIONS);
        return c == null ? null : c.acceptedPerSecond();
    }
}
