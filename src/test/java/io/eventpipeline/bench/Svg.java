package io.eventpipeline.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** throughput.svg: a horizontal bar chart of (a)-(d) per database, plain SVG with its text inline, no assets. */
final class Svg {
    private static final int WIDTH = 900;
    private static final int LABEL_WIDTH = 340;
    private static final int BAR_MAX = 430;
    private static final int ROW = 24;
    private static final int BAR = 16;

    private record Bar(String label, Double value, String color) {
    }

    private Svg() {
    }

    static String chart(Results r) {
        List<Object> rows = new ArrayList<>(); // a String is a group heading, a Bar is a bar
        double a = r.httpCeiling().single().acceptedPerSecond();
        for (Results.Target t : r.targets().values()) {
            double b = t.dbCeiling().eventsPerSecond();
            rows.add(t.name() + ": " + t.database().get("product") + " " + t.database().get("version"));
            rows.add(new Bar("(a) HTTP ceiling: bare Javalin", a, "#8c8c8c"));
            rows.add(new Bar("(b) DB ceiling: multi-row INSERT x500, 4 conns", b, "#8c8c8c"));
            rows.add(new Bar("(a) and (b) in series: 1/(1/a+1/b)", 1 / (1 / a + 1 / b), "#bdbdbd"));
            rows.add(new Bar("(c) naive design: INSERT per event", t.seedDesign().eventsPerSecond(), "#d95f02"));
            for (var e : t.service().entrySet()) {
                String which = switch (e.getKey()) {
                    case "journal" -> "default (journal)";
                    case ServiceBench.KAFKA -> "--queue kafka, 1 broker";
                    case ServiceBench.KAFKA_3 -> "--queue kafka, 3 brokers";
                    default -> "--durability " + e.getKey();
                };
                String color = switch (e.getKey()) {
                    case "journal" -> "#1b9e77";
                    case "journal-async" -> "#66a61e";
                    default -> "#7570b3";
                };
                rows.add(new Bar("(d) " + which + ": single events, end-to-end",
                        e.getValue().single().endToEndPerSecond(), color));
                rows.add(new Bar("(d) " + which + ": batches of 100, end-to-end",
                        e.getValue().batch().endToEndPerSecond(), color));
                Results.SdkBatches sdk = e.getValue().sdkBatches();
                if (sdk != null) {
                    rows.add(new Bar("(d) " + which + ": Segment /v1/batch, end-to-end",
                            sdk.v1Batch().endToEndPerSecond(), "#e7298a"));
                    rows.add(new Bar("(d) " + which + ": same events via /events/batch",
                            sdk.eventsBatch().endToEndPerSecond(), color));
                }
            }
        }
        double max = rows.stream().filter(Bar.class::isInstance).map(Bar.class::cast)
                .mapToDouble(b -> b.value() == null ? 0 : b.value()).max().orElse(1);
        int top = 70;
        int height = top + rows.size() * ROW + 44;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"13\">%n", WIDTH, height, WIDTH,
                height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        text(sb, 10, 22, 16, "bold", "Event Pipeline: throughput in events/s (higher is better), one run");
        Machine m = r.machine();
        text(sb, 10, 42, 12, "normal", m.summary());
        text(sb, 10, 58, 12, "normal", r.startedAt() + ", commit " + (m.gitCommit() == null ? "?" : m.gitCommit())
                + ", " + r.secondsPerPhase() + " s per phase, load average " + m.loadAverageAtStart());
        int y = top;
        for (Object row : rows) {
            if (row instanceof String heading) {
                text(sb, 10, y + 16, 13, "bold", heading);
            } else {
                Bar bar = (Bar) row;
                text(sb, 20, y + 13, 12, "normal", bar.label());
                double v = bar.value() == null ? 0 : bar.value();
                int w = (int) Math.round(BAR_MAX * v / max);
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
                        + "fill=\"%s\"/>%n", LABEL_WIDTH, y + 2, Math.max(1, w), BAR, bar.color()));
                text(sb, LABEL_WIDTH + Math.max(1, w) + 6, y + 14, 12, "normal",
                        bar.value() == null ? "did not complete" : String.format(Locale.ROOT, "%,.0f", v));
            }
            y += ROW;
        }
        text(sb, 10, y + 16, 11, "normal", "End-to-end: from the first request until the last accepted event is in "
                + "the database. (a)-(c) and the service ran one after another, on the same machine.");
        text(sb, 10, y + 32, 11, "normal", "Load generator: " + r.loadGenerator() + ".");
        return sb.append("</svg>\n").toString();
    }

    private static void text(StringBuilder sb, int x, int y, int size, String weight, String s) {
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" font-weight=\"%s\">%s</text>%n",
                x, y, size, weight, escape(s)));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
