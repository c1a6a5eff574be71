package io.eventpipeline.bench;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Open-loop latency: requests go out on a fixed schedule whatever the server does, and each latency is measured
 * from the time the request was SCHEDULED, not from when it was sent. A server that stalls therefore shows its
 * stall in every request that should have gone out meanwhile (no coordinated omission). The bench runs it in a
 * JVM of its own ({@link OpenLoopProcess}). Latencies in ms, rates in requests/s.
 */
final class OpenLoop {
    /** Keeps the sample array (8 bytes each) and so the bench's memory bounded whatever --seconds says. */
    static final int MAX_REQUESTS = 2_000_000;
    /** Connections the generator may open at most; past that a request waits, and the wait counts as latency. */
    static final int MAX_IN_FLIGHT = 256;

    private final LoadGenerator load;

    OpenLoop(LoadGenerator load) {
        this.load = load;
    }

    record Result(double targetPerSecond, int scheduled, int answered, long refused, long failed,
            double achievedPerSecond, Percentiles latency) {
    }

    Result run(URI uri, double perSecond, Duration duration, Supplier<byte[]> body) throws InterruptedException {
        int count = (int) Math.max(1, Math.min(MAX_REQUESTS, Math.round(perSecond * duration.toNanos() / 1e9)));
        double intervalNanos = 1e9 / perSecond;
        long[] latency = new long[count];
        Arrays.fill(latency, -1);
        LongAdder refused = new LongAdder();
        LongAdder failed = new LongAdder();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor();
        long start = System.nanoTime() + 1_000_000;
        long lastAnswer = start;
        try {
            for (int i = 0; i < count; i++) {
                long scheduled = start + (long) (i * intervalNanos);
                for (long wait; (wait = scheduled - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(wait);
                }
                inFlight.acquire();
                int slot = i;
                byte[] payload = body.get();
                senders.execute(() -> {
                    try {
                        int status = load.post(uri, payload);
                        latency[slot] = System.nanoTime() - scheduled;
                        if (status == 503) {
                            refused.increment();
                        } else if (status != 202) {
                            failed.increment();
                        }
                    } finally {
                        inFlight.release();
                    }
                });
            }
            // Every request is bounded by the generator's timeout, so this wait is too.
            if (inFlight.tryAcquire(MAX_IN_FLIGHT, LoadGenerator.REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
                inFlight.release(MAX_IN_FLIGHT);
            }
            lastAnswer = System.nanoTime();
        } finally {
            senders.shutdownNow();
            senders.awaitTermination(5, TimeUnit.SECONDS);
        }
        long[] answered = Arrays.stream(latency).filter(l -> l >= 0).toArray();
        double achieved = answered.length / ((lastAnswer - start) / 1e9);
        return new Result(perSecond, count, answered.length, refused.sum(), failed.sum(), achieved,
                Percentiles.of(answered));
    }
}
