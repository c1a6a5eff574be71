package io.eventpipeline.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Open-loop latency: requests go out on a fixed schedule whatever the server does, and each latency is measured
 * from the time the request was SCHEDULED, not from when it was sent. A server that stalls therefore shows its
 * stall in every request that should have gone out meanwhile (no coordinated omission). As wrk2 does it: a fixed
 * set of keep-alive connections, each with its own share of the schedule (request i goes on connection i mod
 * {@link #CONNECTIONS}), each sent by a platform thread with blocking calls ({@link PlainHttpSender}); a request
 * whose connection is still busy with an earlier one goes out late, and that wait counts as latency. The bench
 * runs it in a JVM of its own ({@link OpenLoopProcess}). Latencies in ms, rates in requests/s.
 */
final class OpenLoop {
    /** Keeps the sample array (8 bytes each) and so the bench's memory bounded whatever --seconds says. */
    static final int MAX_REQUESTS = 2_000_000;
    /**
     * Connections, and so requests in flight at most: at 8,000 requests/s each connection sends every 8 ms, so a
     * request that takes longer delays its connection's next ones (counted, from their schedule).
     */
    static final int CONNECTIONS = 64;

    record Result(double targetPerSecond, int scheduled, int answered, long refused, long failed,
            double achievedPerSecond, Percentiles latency) {
    }

    /** The last run's latencies in ns (-1: no answer), when its first request was due (epoch µs), its spacing. */
    private long[] lastLatency = new long[0];
    private long lastStartEpochMicros;
    private double lastIntervalNanos;

    /**
     * Sends {@code perSecond} requests/s of {@code body} to {@code uri} for {@code duration}.
     *
     * @return what was answered; a request without an answer (no connection, reset, timed out after
     *     {@link LoadGenerator#REQUEST_TIMEOUT}) counts as failed and has no latency
     */
    Result run(URI uri, double perSecond, Duration duration, Supplier<byte[]> body) throws InterruptedException {
        int count = (int) Math.max(1, Math.min(MAX_REQUESTS, Math.round(perSecond * duration.toNanos() / 1e9)));
        double intervalNanos = 1e9 / perSecond;
        long[] latency = new long[count];
        Arrays.fill(latency, -1);
        LongAdder refused = new LongAdder();
        LongAdder failed = new LongAdder();
        int connections = Math.min(CONNECTIONS, count);
        long[] lastAnswer = new long[connections];
        long start = System.nanoTime() + 5_000_000;
        java.time.Instant now0 = java.time.Instant.now();
        lastStartEpochMicros = now0.getEpochSecond() * 1_000_000 + now0.getNano() / 1_000 + 5_000;
        lastIntervalNanos = intervalNanos;
        lastLatency = latency;
        List<Thread> senders = new ArrayList<>(connections);
        for (int c = 0; c < connections; c++) {
            int first = c;
            senders.add(Thread.ofPlatform().daemon(true).name("open-loop-" + c).start(() -> {
                try (PlainHttpSender sender = new PlainHttpSender(uri,
                        (int) LoadGenerator.REQUEST_TIMEOUT.toMillis())) {
                    for (int i = first; i < count; i += connections) {
                        long scheduled = start + (long) (i * intervalNanos);
                        byte[] payload = body.get();
                        for (long wait; (wait = scheduled - System.nanoTime()) > 0; ) {
                            LockSupport.parkNanos(wait);
                        }
                        int status = sender.post(payload);
                        long now = System.nanoTime();
                        lastAnswer[first] = now;
                        if (status < 0) {
                            failed.increment();
                            continue;
                        }
                        latency[i] = now - scheduled;
                        if (status == 503) {
                            refused.increment();
                        } else if (status != 202) {
                            failed.increment();
                        }
                    }
                }
            }));
        }
        for (Thread t : senders) {
            // A connection's requests are each bounded by the timeout; a stuck server ends them all as failed.
            t.join(duration.plus(LoadGenerator.REQUEST_TIMEOUT.multipliedBy(2)).plusSeconds(5));
        }
        long last = start;
        for (long t : lastAnswer) {
            last = Math.max(last, t);
        }
        long[] answered = Arrays.stream(latency).filter(l -> l >= 0).toArray();
        double achieved = last > start ? answered.length / ((last - start) / 1e9) : 0;
        return new Result(perSecond, count, answered.length, refused.sum(), failed.sum(), achieved,
                Percentiles.of(answered));
    }

    /**
     * Writes the last run's requests at or above its {@code percentile} latency (99: the slowest 1%), one a line:
     * when each was due and when it was answered, in µs since the epoch, as {@link TailBlame} reads them beside
     * a JFR recording of the server (both clocks are the machine's).
     */
    void writeSlowest(Path file, double percentile) throws IOException {
        long[] answered = Arrays.stream(lastLatency).filter(l -> l >= 0).sorted().toArray();
        if (answered.length == 0) {
            Files.writeString(file, "");
            return;
        }
        long threshold = answered[(int) Math.min(answered.length - 1, Math.floor(answered.length * percentile / 100))];
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lastLatency.length; i++) {
            if (lastLatency[i] >= threshold) {
                long due = lastStartEpochMicros + (long) (i * lastIntervalNanos) / 1_000;
                sb.append(due).append(' ').append(due + lastLatency[i] / 1_000).append('\n');
            }
        }
        Files.writeString(file, sb);
    }
}
