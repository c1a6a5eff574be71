package io.eventpipeline.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text format 0.0.4, for tests: every line must be a HELP or TYPE comment or
 * a sample {@code name{labels} value}, every sample must belong to a family whose TYPE came before it, and a
 * line that is neither fails with the line quoted.
 */
public final class PrometheusText {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE) (" + NAME + ") (.*)");
    private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{.*\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"(,|$)");

    public record Sample(String family, String name, Map<String, String> labels, double value) {
    }

    public final Map<String, String> types = new LinkedHashMap<>();
    public final Map<String, String> helps = new LinkedHashMap<>();
    public final List<Sample> samples = new ArrayList<>();

    public static PrometheusText parse(String text) {
        PrometheusText t = new PrometheusText();
        if (!text.endsWith("\n")) {
            throw new AssertionError("the exposition must end with a line feed");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            t.read(lines[i], i + 1);
        }
        return t;
    }

    private void read(String line, int n) {
        Matcher c = COMMENT.matcher(line);
        if (c.matches()) {
            if (c.group(1).equals("HELP")) {
                check(helps.put(c.group(2), c.group(3)) == null, n, line, "a second HELP for the family");
            } else {
                check(List.of("counter", "gauge", "histogram", "summary", "untyped").contains(c.group(3)), n, line,
                        "unknown type");
                check(types.put(c.group(2), c.group(3)) == null, n, line, "a second TYPE for the family");
            }
            return;
        }
        check(!line.startsWith("#"), n, line, "a comment that is neither HELP nor TYPE");
        Matcher s = SAMPLE.matcher(line);
        check(s.matches(), n, line, "not `name{labels} value`");
        String name = s.group(1);
        String family = familyOf(name);
        check(family != null, n, line, "a sample before the TYPE of its family");
        Map<String, String> labels = labels(s.group(2) == null ? "" : s.group(2), n, line);
        double value;
        try {
            value = switch (s.group(3)) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(s.group(3));
            };
        } catch (NumberFormatException e) {
            throw new AssertionError("line " + n + ": not a number: " + line);
        }
        samples.add(new Sample(family, name, labels, value));
    }

    private String familyOf(String name) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return null;
    }

    private static Map<String, String> labels(String braces, int n, String line) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (braces.isEmpty()) {
            return labels;
        }
        String inner = braces.substring(1, braces.length() - 1);
        Matcher m = LABEL.matcher(inner);
        int at = 0;
        while (at < inner.length()) {
            check(m.find(at) && m.start() == at, n, line, "bad labels");
            String value = unescape(m.group(2));
            check(labels.put(m.group(1), value) == null, n, line, "a label twice");
            at = m.end();
        }
        return labels;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char next = s.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void check(boolean ok, int n, String line, String what) {
        if (!ok) {
            throw new AssertionError("line " + n + ": " + what + ": " + line);
        }
    }

    /** The value of the one sample with this name and these labels (given as name, value, name, value, …). */
    public double value(String name, String... labelPairs) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labelPairs.length; i += 2) {
            want.put(labelPairs[i], labelPairs[i + 1]);
        }
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(want)).toList();
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples named " + name + " " + want);
        }
        return found.getFirst().value();
    }

    /** The _bucket samples of a histogram, in order, as le → cumulative count. */
    public LinkedHashMap<String, Double> buckets(String family) {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.name().equals(family + "_bucket")) {
                out.put(s.labels().get("le"), s.value());
            }
        }
        return out;
    }

    /**
     * The rules every histogram and counter must keep: counters end in _total; buckets have a numeric le that
     * grows, cumulative counts that never fall, a last +Inf bucket equal to _count, and a _sum.
     */
    public void assertWellFormed() {
        types.forEach((family, type) -> {
            if (type.equals("counter") && !family.endsWith("_total")) {
                throw new AssertionError("counter " + family + " does not end in _total");
            }
            if (!family.startsWith("pipeline_")) {
                throw new AssertionError(family + " lacks the pipeline_ prefix");
            }
            if (!helps.containsKey(family)) {
                throw new AssertionError(family + " has no HELP");
            }
            if (type.equals("histogram")) {
                assertHistogram(family);
            }
        });
    }

    private void assertHistogram(String family) {
        LinkedHashMap<String, Double> buckets = buckets(family);
        if (buckets.isEmpty()) {
            throw new AssertionError(family + " has no buckets");
        }
        double previousLe = Double.NEGATIVE_INFINITY;
        double previousCount = 0;
        String last = null;
        for (var b : buckets.entrySet()) {
            double le = b.getKey().equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(b.getKey());
            if (le <= previousLe) {
                throw new AssertionError(family + ": le " + b.getKey() + " does not grow");
            }
            if (b.getValue() < previousCount) {
                throw new AssertionError(family + ": bucket le=" + b.getKey() + " falls below the one before");
            }
            previousLe = le;
            previousCount = b.getValue();
            last = b.getKey();
        }
        if (!"+Inf".equals(last)) {
            throw new AssertionError(family + ": the last bucket is not +Inf");
        }
        if (buckets.get("+Inf") != value(family + "_count")) {
            throw new AssertionError(family + ": +Inf bucket " + buckets.get("+Inf") + " != _count");
        }
        value(family + "_sum");
    }
}
