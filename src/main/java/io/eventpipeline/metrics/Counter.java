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

    /** Adds {@code n} counts ({@link #unit()}s); never negative, as a Prometheus counter only grows. */
    public void add(long n) {
        value.add(n);
    }

    /** Adds one count. */
    public void increment() {
        value.increment();
    }

    /** The counts since start: exact when nothing is adding, else a value it passed through. */
    public long sum() {
        return value.sum();
    }

    /** The key in the JSON of GET /metrics. */
    public String key() {
        return key;
    }

    /** The metric's name in the Prometheus text, {@code _total} included. */
    public String prometheusName() {
        return prometheusName;
    }

    /** What one count is, in the plural ({@code events}, {@code ranges}). */
    public String unit() {
        return unit;
    }

    /** The Prometheus HELP text: what the counter counts. */
    public String help() {
        return help;
    }
}
