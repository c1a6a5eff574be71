package io.eventpipeline.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A writer node's consumer lag, in records, per partition of the topic it holds now: the partition's log end
 * offset (as of the consumer's last fetch) minus the offset the node has committed or is storing from. A partition
 * appears once one of the node's consumers owns it and has fetched from it, and goes when that consumer gives it
 * up, so the series are bounded by the topic's partitions. Each entry remembers which consumer set it, so that a
 * consumer giving a partition up never removes the entry of the one that took it over.
 */
public final class PartitionLag {
    private record Entry(int owner, long lag) {
    }

    private final ConcurrentHashMap<Integer, Entry> lags = new ConcurrentHashMap<>();

    /** The lag of {@code partition}, in records, as consumer {@code owner} of this node sees it now. */
    public void set(int owner, int partition, long lag) {
        lags.put(partition, new Entry(owner, Math.max(0, lag)));
    }

    /** {@code owner} gave {@code partition} up: its entry goes, unless another consumer has set it since. */
    public void remove(int owner, int partition) {
        lags.computeIfPresent(partition, (p, e) -> e.owner() == owner ? null : e);
    }

    /** Each partition held, in order, with its lag in records. */
    public Map<Integer, Long> snapshot() {
        Map<Integer, Long> out = new TreeMap<>();
        lags.forEach((p, e) -> out.put(p, e.lag()));
        return out;
    }
}
