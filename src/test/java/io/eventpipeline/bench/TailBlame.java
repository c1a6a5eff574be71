package io.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the slowest requests of an open-loop run waited for: each request that {@link OpenLoop#writeSlowest} wrote
 * (due and answered, epoch µs) is set against a JFR recording of the server made over the same run, and blamed on
 * the first of these that overlaps it: a garbage-collection pause ({@code jdk.GCPhasePause}), another safepoint
 * operation ({@code jdk.ExecuteVMOperation}), a force of a journal file ({@code jdk.FileForce}). A request none of
 * them overlaps waited for something JFR does not record as a stall: a core (the run queue), the network, a lock
 * held by a descheduled thread. Record with thresholds of 0 ms for those three events (as
 * {@code jfr configure jdk.GCPhasePause#threshold=0ms jdk.ExecuteVMOperation#threshold=0ms
 * jdk.FileForce#threshold=0ms} makes them).
 *
 * <p>Usage: {@code TailBlame RECORDING.jfr SLOWEST.txt}; prints one line of counts.
 */
final class TailBlame {
    record Stall(long fromMicros, long toMicros, String what) {
    }

    private TailBlame() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: TailBlame RECORDING.jfr SLOWEST.txt");
            System.exit(2);
        }
        System.out.println(blame(stalls(Path.of(args[0])), Files.readAllLines(Path.of(args[1]))));
    }

    /** The stalls of a recording, in the order of blame: pauses first, then other operations, then forces. */
    static List<Stall> stalls(Path recording) throws IOException {
        List<Stall> out = new ArrayList<>();
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            String what = switch (e.getEventType().getName()) {
                case "jdk.GCPhasePause" -> "a garbage-collection pause";
                case "jdk.ExecuteVMOperation" -> "another safepoint operation (" + e.getString("operation") + ")";
                case "jdk.FileForce" -> "a force (fsync) of a journal file";
                default -> null;
            };
            if (what != null) {
                out.add(new Stall(micros(e.getStartTime()), micros(e.getEndTime()), what));
            }
        }
        out.sort(java.util.Comparator.comparingInt(s -> rank(s.what())));
        return out;
    }

    private static int rank(String what) {
        return what.startsWith("a garbage") ? 0 : what.startsWith("another") ? 1 : 2;
    }

    /** Counts of the slow requests by what they overlap; each is blamed once, on the first stall in order. */
    static Map<String, Integer> blame(List<Stall> stalls, List<String> slowest) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : slowest) {
            if (line.isBlank()) {
                continue;
            }
            String[] p = line.trim().split(" ");
            long due = Long.parseLong(p[0]);
            long answered = Long.parseLong(p[1]);
            String blamed = "nothing JFR records (a core, the network, a lock)";
            for (Stall s : stalls) {
                if (s.fromMicros() < answered && s.toMicros() > due) {
                    blamed = s.what().startsWith("another") ? "another safepoint operation" : s.what();
                    break;
                }
            }
            counts.merge(blamed, 1, Integer::sum);
        }
        return counts;
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
    }
}
