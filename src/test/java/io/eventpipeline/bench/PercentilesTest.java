package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void percentiles_are_nearest_rank_in_milliseconds() {
        long[] nanos = LongStream.rangeClosed(1, 1000).map(i -> i * 1_000_000).toArray(); // 1..1000 ms

        Percentiles p = Percentiles.of(nanos);

        assertThat(p.count()).isEqualTo(1000);
        assertThat(p.p50Ms()).isEqualTo(500.0);
        assertThat(p.p99Ms()).isEqualTo(990.0);
        assertThat(p.p999Ms()).isEqualTo(999.0);
        assertThat(p.maxMs()).isEqualTo(1000.0);
    }

    @Test
    void one_slow_request_in_a_thousand_shows_at_p999_not_at_p99() {
        long[] nanos = new long[1000];
        java.util.Arrays.fill(nanos, 1_000_000);
        nanos[17] = 250_000_000;

        Percentiles p = Percentiles.of(nanos);

        assertThat(p.p99Ms()).isEqualTo(1.0);
        assertThat(p.p999Ms()).isEqualTo(1.0);
        assertThat(p.maxMs()).isEqualTo(250.0);
    }

    @Test
    void no_samples_give_zeros_not_an_exception() {
        assertThat(Percentiles.of(new long[0]).count()).isZero();
    }
}
