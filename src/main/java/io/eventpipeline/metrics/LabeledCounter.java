package io.eventpipeline.metrics;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A counter split by one label whose values are fixed at creation (a refusal's reason, an error's kind), so that
 * every series exists from the start at 0 and their number never grows with what clients send. JSON shows it as
 * an object of the values, Prometheus as one sample per value; both iterate {@link Metrics#labeledCounters()}.
 */
public final class LabeledCounter {
    private final String key;
    private final String prometheusName;
    private final String label;
    private final String unit;
    private final String help;
    private final Map<String, LongAdder> values = new LinkedHashMap<>();

    /**
     * @param key            the JSON key, such as {@code refusals}
     * @param prometheusName a {@code pipeline_} prefix and a {@code _total} suffix, as Prometheus names counters
     * @param label          the Prometheus label's name, such as {@code reason}
     * @param values         every value the label takes, in the order both renderings list them
     * @param unit           what one count is, in the plural ({@code requests})
     */
    LabeledCounter(String key, String prometheusName, String label, List<String> values, String unit, String help) {
        this.key = key;
        this.prometheusName = prometheusName;
        this.label = label;
        this.unit = unit;
        this.help = help;
        values.forEach(v -> this.values.put(v, new LongAdder()));
    }

    /**
     * Adds {@code n} counts under {@code value}.
     *
     * @throws IllegalArgumentException for a value not given at creation: a bug, never a client's input
     */
    public void add(String value, long n) {
        LongAdder adder = values.get(value);
        if (adder == null) {
            throw new IllegalArgumentException(key + " has no " + label + " " + value + "; it has " + values.keySet());
        }
        adder.add(n);
    }

    /** Adds one count under {@code value}. */
    public void increment(String value) {
        add(value, 1);
    }

    /** The counts since start under {@code value}, 0 for a value never counted. */
    public long sum(String value) {
        LongAdder adder = values.get(value);
        return adder == null ? 0 : adder.sum();
    }

    /** Every value of the label with its count, in the order given at creation. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new LinkedHashMap<>();
        values.forEach((v, adder) -> out.put(v, adder.sum()));
        return out;
    }

    /** The key in the JSON of GET /metrics. */
    public String key() {
        return key;
    }

    /** The metric's name in the Prometheus text, {@code _total} included. */
    public String prometheusName() {
        return prometheusName;
    }

    /** The Prometheus label's name. */
    public String label() {
        return label;
    }

    /** What one count is, in the plural. */
    public String unit() {
        return unit;
    }

    /** The Prometheus HELP text: what the counter counts. */
    public String help() {
        return help;
    }
}
