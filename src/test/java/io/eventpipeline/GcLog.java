package io.eventpipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a child JVM's heap use from its {@code -Xlog:gc:file=...} log: each collection logs
 * {@code used-before->used-after(committed)}, so the largest "before" is the heap's high-water mark and the largest
 * "after" the most the service ever kept alive.
 */
record GcLog(int collections, long peakBeforeBytes, long peakAfterBytes, long peakCommittedBytes) {
    private static final Pattern SIZES = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    static GcLog read(Path file) throws IOException {
        int n = 0;
        long before = 0;
        long after = 0;
        long committed = 0;
        for (String line : Files.readAllLines(file)) {
            Matcher m = SIZES.matcher(line);
            if (m.find()) {
                n++;
                before = Math.max(before, bytes(m.group(1), m.group(2)));
                after = Math.max(after, bytes(m.group(3), m.group(4)));
                committed = Math.max(committed, bytes(m.group(5), m.group(6)));
            }
        }
        return new GcLog(n, before, after, committed);
    }

    private static long bytes(String n, String unit) {
        long v = Long.parseLong(n);
        return switch (unit) {
            case "K" -> v << 10;
            case "M" -> v << 20;
            default -> v << 30;
        };
    }

    static long mib(long bytes) {
        return bytes >> 20;
    }

    @Override
    public String toString() {
        return String.format("%d collections, heap high-water %d MiB before GC, at most %d MiB live after GC, "
                + "at most %d MiB committed", collections, mib(peakBeforeBytes), mib(peakAfterBytes),
                mib(peakCommittedBytes));
    }
}
