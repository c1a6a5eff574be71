package io.eventpipeline.bench;

import java.util.List;

/** The project's performance goals, each a ratio within one run, judged for the service with default flags. */
final class Goals {
    static final double MAX_P99_MS = 5;
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
        List<Goal> goals = new java.util.ArrayList<>(List.of(
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
}
