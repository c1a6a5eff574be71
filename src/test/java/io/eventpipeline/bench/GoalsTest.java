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
                new Results.Latency(1, 1, 1, 1, 0, 0, 1, p99, p99, p99, 1), null, Map.of());
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
