package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GoalsTest {
    private static Results.Ingest ingest(Double endToEnd) {
        return new Results.Ingest(1, 1, 1, 1, 0, 0, 1, 1, 1L, 1.0, endToEnd, 0, 0, 1);
    }

    private static Results.Service service(Double singleE2e, Double batchE2e, double p99, double rss, long startMs) {
        return service(singleE2e, batchE2e, p99, rss, startMs, null);
    }

    private static Results.Service service(Double singleE2e, Double batchE2e, double p99, double rss, long startMs,
            Long aotStartMs) {
        return new Results.Service("(default)", "journal", startMs, aotStartMs, rss, 1, ingest(singleE2e),
                ingest(batchE2e),
                new Results.Latency(1, 1, 1, 1, 0, 0, 1, p99, p99, p99, 1), null, null, Map.of());
    }

    /** A tier's row with only what the tier goals read: the 4-connection rate and the open loop at 25% of (a). */
    private static Results.Service tier(String name, double rate4, double p99At25, double p999At25) {
        Results.Latency open = new Results.Latency(2_500, 2_500, 12_500, 12_500, 0, 0, 0.5, p99At25, p999At25,
                p999At25, 1);
        Results.LatencyMatrix matrix = new Results.LatencyMatrix(5,
                List.of(new Results.ClosedLatency(4, 1, 0, 0, 5, rate4, 1, 2, 3, 4, 1),
                        new Results.ClosedLatency(16, 1, 0, 0, 5, rate4 * 3, 1, 2, 3, 4, 1)),
                List.of(new Results.OpenLatency(0.10, new Results.Latency(1_000, 1_000, 1, 1, 0, 0, 9, 99, 99, 99, 1)),
                        new Results.OpenLatency(0.25, open),
                        new Results.OpenLatency(0.50, new Results.Latency(5_000, 5_000, 1, 1, 0, 0, 9, 99, 99, 99, 1))),
                null);
        return new Results.Service(name, name, 500, null, 100, 1, ingest(1.0), ingest(1.0), open, null, matrix,
                Map.of());
    }

    /** A probe whose one write + fdatasync averaged {@code meanMs}, with {@code p99Ms} at the 99th percentile. */
    private static Results.FsyncProbe probe(double meanMs, double p99Ms) {
        return new Results.FsyncProbe("ext4", "/tmp", 171, "memory, 4 connections", 1000, 5, meanMs, meanMs, p99Ms,
                p99Ms, p99Ms);
    }

    private static Map<String, Results.Service> tiers(Results.Service journal, Results.Service async,
            Results.Service memory) {
        Map<String, Results.Service> m = new java.util.LinkedHashMap<>();
        m.put("journal", journal);
        if (async != null) {
            m.put("journal-async", async);
        }
        m.put("memory", memory);
        return m;
    }

    /** The tier goals, with a probe whose mean is 2 ms and p99 4 ms. */
    private static List<Goal> judge(Results.Service journal, Results.Service async, Results.Service memory) {
        return Goals.tiers(tiers(journal, async, memory), probe(2, 4));
    }

    private static Goal named(List<Goal> goals, String name) {
        return goals.stream().filter(g -> g.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void unforced_tiers_are_held_to_5_ms_p99_and_20_ms_p999_at_a_quarter_of_the_http_ceiling() {
        List<Goal> goals = judge(tier("journal", 1_000, 9, 30), tier("journal-async", 7_000, 5.0, 20.0),
                tier("memory", 8_000, 5.01, 19));

        // The 25% row is judged, not the 10% or 50% ones (p99 99 ms there).
        assertThat(named(goals, "journal_async_p99_open_25pct").measured()).isEqualTo(5.0);
        assertThat(named(goals, "journal_async_p99_open_25pct").pass()).isTrue();
        assertThat(named(goals, "journal_async_p999_open_25pct").pass()).isTrue();
        assertThat(named(goals, "memory_p99_open_25pct").pass()).isFalse();
        assertThat(named(goals, "memory_p999_open_25pct").reference()).isEqualTo(20.0);
        assertThat(named(goals, "memory_p999_open_25pct").pass()).isTrue();
    }

    @Test
    void journal_async_with_4_connections_needs_nine_tenths_of_memorys_rate() {
        List<Goal> pass = judge(tier("journal", 1_000, 9, 30), tier("journal-async", 7_200, 1, 1),
                tier("memory", 8_000, 1, 1));
        List<Goal> miss = judge(tier("journal", 1_000, 9, 30), tier("journal-async", 7_199, 1, 1),
                tier("memory", 8_000, 1, 1));

        assertThat(named(pass, "journal_async_4_connections").reference()).isEqualTo(8_000.0);
        assertThat(named(pass, "journal_async_4_connections").ratio()).isEqualTo(0.9);
        assertThat(named(pass, "journal_async_4_connections").pass()).isTrue();
        assertThat(named(miss, "journal_async_4_connections").pass()).isFalse();
    }

    @Test
    void journal_is_judged_against_the_fsync_probe() {
        // Probe mean 2 ms: 4 connections, one force each per event, make at most 2,000 events/s; 0.8 of that is
        // 1,600. Probe p99 4 ms: the journal's p99 may be 1.5 x 4 + 1 = 7 ms.
        List<Goal> pass = judge(tier("journal", 1_600, 7, 30), tier("journal-async", 1, 1, 1),
                tier("memory", 1, 1, 1));
        List<Goal> miss = judge(tier("journal", 1_599, 7.01, 30), tier("journal-async", 1, 1, 1),
                tier("memory", 1, 1, 1));

        assertThat(named(pass, "journal_4_connections_vs_fsync").reference()).isEqualTo(2_000.0);
        assertThat(named(pass, "journal_4_connections_vs_fsync").pass()).isTrue();
        assertThat(named(pass, "journal_p99_vs_fsync").reference()).isEqualTo(7.0);
        assertThat(named(pass, "journal_p99_vs_fsync").pass()).isTrue();
        assertThat(named(miss, "journal_4_connections_vs_fsync").pass()).isFalse();
        assertThat(named(miss, "journal_p99_vs_fsync").pass()).isFalse();
    }

    @Test
    void a_tier_not_run_or_a_missing_probe_is_a_miss_with_no_ratio() {
        List<Goal> goals = Goals.tiers(tiers(tier("journal", 1_600, 7, 30), null, tier("memory", 8_000, 1, 1)),
                null);

        assertThat(goals).hasSize(7);
        for (String name : new String[] {"journal_async_p99_open_25pct", "journal_async_p999_open_25pct",
                "journal_async_4_connections", "journal_p99_vs_fsync", "journal_4_connections_vs_fsync"}) {
            assertThat(named(goals, name).ratio()).as(name).isNull();
            assertThat(named(goals, name).pass()).as(name).isFalse();
        }
        assertThat(named(goals, "memory_p99_open_25pct").pass()).isTrue();
    }

    @Test
    void single_event_goal_is_judged_against_http_and_database_in_series() {
        // a = 10,000 and b = 40,000 in series: 8,000/s; 0.8 of that is 6,400/s.
        List<Goal> pass = Goals.judge(10_000, 40_000, 100, service(6_400.0, 40_000.0, 1, 100, 500));
        List<Goal> miss = Goals.judge(10_000, 40_000, 100, service(6_399.0, 40_000.0, 1, 100, 500));

        assertThat(pass.getFirst().reference()).isEqualTo(8_000.0);
        assertThat(pass.getFirst().pass()).isTrue();
        assertThat(miss.getFirst().pass()).isFalse();
    }

    @Test
    void costs_pass_at_or_under_their_limit() {
        List<Goal> goals = Goals.judge(10_000, 40_000, 100, service(8_000.0, 40_000.0, 5.0, 300.5, 1000));

        assertThat(goals).extracting(Goal::name, Goal::pass).contains(
                org.assertj.core.groups.Tuple.tuple("p99_accept_latency", true),
                org.assertj.core.groups.Tuple.tuple("peak_rss", false),
                org.assertj.core.groups.Tuple.tuple("startup", true));
    }

    @Test
    void a_rate_that_could_not_be_measured_is_a_miss_with_no_ratio() {
        List<Goal> goals = Goals.judge(10_000, 40_000, 100, service(null, null, 1, 100, 500));

        assertThat(goals.get(1).ratio()).isNull();
        assertThat(goals.get(1).pass()).isFalse();
        assertThat(goals.get(2).pass()).isFalse();
    }

    @Test
    void start_up_from_an_aot_cache_is_judged_on_its_own_line_when_it_was_measured() {
        List<Goal> without = Goals.judge(10_000, 40_000, 100, service(8_000.0, 40_000.0, 1, 100, 1200));
        List<Goal> with = Goals.judge(10_000, 40_000, 100, service(8_000.0, 40_000.0, 1, 100, 1200, 600L));

        assertThat(without).extracting(Goal::name).doesNotContain("startup_aot_cache");
        assertThat(with).extracting(Goal::name, Goal::pass).contains(
                org.assertj.core.groups.Tuple.tuple("startup", false),
                org.assertj.core.groups.Tuple.tuple("startup_aot_cache", true));
    }
}
