package io.eventpipeline.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * One named counter of the registry: its key in the JSON of GET /metrics, its Prometheus name, the unit one
 * count stands for, and the HELP text that says what it counts. Both renderings iterate
 * {@link Metrics#counters()}, so a counter exists in both or in neither. Written on the hot path: a
 * {@link LongAdder}.
 */
public final class Counter {
    private final String key;
    private final String prometheusName;
    private final String unit;
    private final String help;
    private final LongAdder value = new LongAdder();

    /**
     * @param key            the JSON key, such as {@code rate_limited}
     * @param prometheusName a {@code pipeline_} prefix and a {@code _total} suffix, as Prometheus names counters
     * @param unit           what one count is, in the plural ({@code events}); the help names it
     */
    Counter(String key, String prometheusName, String unit, String help) {
        this.key = key;
        this.prometheusName = prometheusName;
        this.unit = unit;
        this.help = help;
    }

    public void add(long n) {
        value.add(n);
    }

    public void increment() {
        value.increment();
    }

    public long sum() {
        return value.sum();
    }

    public String key() {
        return key;
    }

    public String prometheusName() {
        return prometheusName;
    }

    public String unit() {
        return unit;
    }

    public String help() {
        return help;
    }
}
