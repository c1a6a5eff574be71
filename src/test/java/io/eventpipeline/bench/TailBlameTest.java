package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TailBlameTest {
    @Test
    void each_slow_request_is_blamed_once_on_the_first_stall_it_overlaps_in_order_of_blame() {
        List<TailBlame.Stall> stalls = List.of(
                new TailBlame.Stall(1_000, 1_500, "a garbage-collection pause"),
                new TailBlame.Stall(5_000, 9_000, "another safepoint operation (ICBufferFull)"),
                new TailBlame.Stall(1_200, 1_300, "a force (fsync) of a journal file"),
                new TailBlame.Stall(20_000, 30_000, "a force (fsync) of a journal file"));

        Map<String, Integer> counts = TailBlame.blame(stalls, List.of(
                "900 1100",      // overlaps the pause (and the force inside it): the pause
                "1499 2000",     // overlaps the pause's last µs
                "4000 5001",     // the safepoint operation
                "25000 25100",   // the force alone
                "10000 12000",   // nothing
                "1500 1600",     // starts as the pause ends: nothing
                ""));

        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(
                "a garbage-collection pause", 2,
                "another safepoint operation", 1,
                "a force (fsync) of a journal file", 1,
                "nothing JFR records (a core, the network, a lock)", 2));
    }
}
