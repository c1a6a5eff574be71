package io.eventpipeline.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Closed-loop HTTP load: {@code connections} virtual threads, each sending its next request as soon as the last one
 * is answered, for a fixed time. One HTTP/1.1 client, so each sender keeps its own pooled keep-alive connection.
 * Each request's latency (send to answer, in the sender's own timeline) is kept, at most {@link #MAX_SAMPLES} a
 * phase, for the phase's percentiles.
 */
final class LoadGenerator implements AutoCloseable {
    static final String NAME = "closed loop: java.net.http.HttpClient (HTTP/1.1, keep-alive) on virtual threads in "
            + "the bench JVM; open loop: 64 keep-alive connections, blocking sockets on platform threads, wrk2's "
            + "schedule, in a JVM of its own";
    /** Bounds every request, so a stuck server cannot hang a phase. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** A 503 says "retry later": a sender that retried at once would only spin. */
    private static final long BACKOFF_AFTER_REFUSAL_NANOS = 5_000_000;
    /**
     * Latency samples a closed-loop phase keeps at most (8 bytes each, so 16 MB): past that, later requests are
     * counted but not sampled. A default phase makes far fewer (15,000 req/s x 8 s = 120,000).
     */
    static final int MAX_SAMPLES = 2_000_000;

    private final ExecutorService clientExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(clientExecutor)
            .build();

    /**
     * How a phase's requests are made: their Content-Type, and how many of a request's events a 2xx answer refused,
     * read from its body; null for the routes whose 2xx takes every event, whose answers are then not read.
     */
    record Format(String contentType, ToIntFunction<byte[]> refusedInAnswer) {
        /** The service's own routes: JSON, and a 2xx takes every event of the bench's (they are all valid). */
        static final Format JSON = new Format("application/json", null);
    }

    /** A request's HTTP status (-1 when there was no answer), and the events its 2xx answer said it refused. */
    private record Answer(int status, int refusedEvents) {
    }

    /**
     * What a closed-loop phase did; times are System.nanoTime() values. {@code latency} covers every answered or
     * failed request (2xx, 503 or other), up to {@link #MAX_SAMPLES} of them, in ms.
     */
    record ClosedLoop(long requests, long acceptedEvents, long refused, long failed, long startNanos,
            long lastAnswerNanos, Percentiles latency) {
        double seconds() {
            return (lastAnswerNanos - startNanos) / 1e9;
        }

        double acceptedPerSecond() {
            return lastAnswerNanos > startNanos ? acceptedEvents / seconds() : 0;
        }
    }

    HttpClient client() {
        return client;
    }

    /** {@link #closedLoop(URI, Format, int, Duration, Supplier, int)} with JSON bodies. */
    ClosedLoop closedLoop(URI uri, int connections, Duration duration, Supplier<byte[]> body, int eventsPerRequest)
            throws InterruptedException {
        return closedLoop(uri, Format.JSON, connections, duration, body, eventsPerRequest);
    }

    /**
     * Posts bodies from {@code body} over {@code connections} connections for {@code duration}. A 2xx counts
     * {@code eventsPerRequest} accepted events, less those its answer refused ({@link Format#refusedInAnswer}):
     * our own routes answer 202, the Segment door's /v1/batch and OTLP's /v1/logs 200, each once the events are
     * accepted.
     */
    ClosedLoop closedLoop(URI uri, Format format, int connections, Duration duration, Supplier<byte[]> body,
            int eventsPerRequest) throws InterruptedException {
        LongAdder requests = new LongAdder();
        LongAdder accepted = new LongAdder();
        LongAdder refused = new LongAdder();
        LongAdder failed = new LongAdder();
        long[] lastAnswer = new long[connections];
        Samples[] samples = new Samples[connections];
        AtomicInteger sampled = new AtomicInteger();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        List<Thread> senders = new ArrayList<>(connections);
        for (int i = 0; i < connections; i++) {
            int slot = i;
            Samples mine = samples[i] = new Samples();
            senders.add(Thread.ofVirtual().name("load-" + i).start(() -> {
                while (System.nanoTime() < deadline) {
                    byte[] payload = body.get();
                    long sent = System.nanoTime();
                    Answer answer = send(uri, format, payload);
                    int status = answer.status();
                    long answered = System.nanoTime();
                    lastAnswer[slot] = answered;
                    if (sampled.getAndIncrement() < MAX_SAMPLES) {
                        mine.add(answered - sent);
                    }
                    requests.increment();
                    if (status >= 200 && status < 300) {
                        accepted.add(eventsPerRequest - answer.refusedEvents());
                    } else if (status == 503) {
                        refused.increment();
                        LockSupport.parkNanos(BACKOFF_AFTER_REFUSAL_NANOS);
                    } else {
                        failed.increment();
                        LockSupport.parkNanos(BACKOFF_AFTER_REFUSAL_NANOS);
                    }
                }
            }));
        }
        for (Thread t : senders) {
            // Every request is bounded by REQUEST_TIMEOUT, so this is too.
            t.join(duration.plus(REQUEST_TIMEOUT).plusSeconds(5));
        }
        long last = start;
        for (long t : lastAnswer) {
            last = Math.max(last, t);
        }
        return new ClosedLoop(requests.sum(), accepted.sum(), refused.sum(), failed.sum(), start, last,
                Percentiles.of(Samples.concat(samples)));
    }

    /** One sender's latency samples in ns, in an array that grows as needed (a sender is one thread). */
    private static final class Samples {
        private long[] nanos = new long[1024];
        private int size;

        void add(long n) {
            if (size == nanos.length) {
                nanos = Arrays.copyOf(nanos, size * 2);
            }
            nanos[size++] = n;
        }

        static long[] concat(Samples[] all) {
            long[] out = new long[Arrays.stream(all).mapToInt(s -> s.size).sum()];
            int at = 0;
            for (Samples s : all) {
                System.arraycopy(s.nanos, 0, out, at, s.size);
                at += s.size;
            }
            return out;
        }
    }

    /** POSTs one body as {@code format} says; its 2xx answer's body is read only when the format reads it. */
    private Answer send(URI uri, Format format, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", format.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            if (format.refusedInAnswer() == null) {
                return new Answer(client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode(), 0);
            }
            HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            int status = response.statusCode();
            return new Answer(status, status >= 200 && status < 300
                    ? format.refusedInAnswer().applyAsInt(response.body()) : 0);
        } catch (IOException e) {
            return new Answer(-1, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, 0);
        }
    }

    /** GETs a JSON document as text; throws when there is no answer. */
    HttpResponse<String> get(URI uri, Duration timeout) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        client.close();
        clientExecutor.shutdown();
        clientExecutor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
