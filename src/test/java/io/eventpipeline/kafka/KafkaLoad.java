package io.eventpipeline.kafka;

import io.eventpipeline.HttpTestClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.function.IntPredicate;

/**
 * Clients posting batches of events with their own ids ({@code <prefix>-c<client>-<batch>-<index>}) to ingest nodes
 * at a pace, each client to one node, and keeping apart what each answer means for those ids: a 202 acknowledged
 * them; a 503 refused them, but the broker may still have written some (stored or not, both are right); a request
 * that failed without an answer left them unknown. A 503 must carry Retry-After and a reason; any other answer is
 * unexpected and fails the test.
 *
 * <p>A client that {@code retries} posts a refused batch again, with the same ids, after a short pause (not the full
 * Retry-After, so that a test sees the recovery soon), until it is acknowledged; the others go on with new ids.
 * Each client posts until {@link #stop}, at most {@code maxBatches} batches, and stops by itself after
 * {@link #MAX_RUN}, so a test that fails half-way leaves no load behind.
 */
final class KafkaLoad implements AutoCloseable {
    static final Duration MAX_RUN = Duration.ofSeconds(150);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(300);

    final Set<String> sent = ConcurrentHashMap.newKeySet();
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    /** Ids of 503-refused batches that were never acknowledged later. */
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    final Set<String> unknown = ConcurrentHashMap.newKeySet();
    /**
     * Requests that failed without an answer (the client gave up or the connection broke), each counted once even if
     * its ids were acknowledged later: the server may have refused any of them all the same.
     */
    final AtomicInteger unansweredPosts = new AtomicInteger();
    /** 503s by their reason, e.g. broker_unavailable. */
    final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicInteger acceptedPosts = new AtomicInteger();
    /** The longest a request took until its 503, in ms: reported, never asserted. */
    final LongAccumulator slowestRefusalMillis = new LongAccumulator(Math::max, 0);
    /** Every request answered 202 or 503, with its times: for the stalls and recoveries a test measures. */
    final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Throwable> crashed = new AtomicReference<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    private KafkaLoad() {
    }

    /**
     * One request's answer: its status, when it was sent and answered ({@link System#nanoTime}), and its ids.
     */
    record Answer(int status, long sentNanos, long answeredNanos, List<String> ids) {
    }

    /** The answers with this status, by the time they came. */
    List<Answer> answers(int status) {
        return answers.stream().filter(a -> a.status() == status)
                .sorted(Comparator.comparingLong(Answer::answeredNanos)).toList();
    }

    /**
     * The longest time without a 202 between {@code from} and {@code to} ({@link System#nanoTime}), in ms: from the
     * last 202 before {@code from} (or {@code from} itself) to the next, and so on, the last gap ending at the last
     * 202 before {@code to}.
     */
    long longestAckGapMillis(long from, long to) {
        long previous = from;
        long longest = 0;
        for (Answer a : answers(202)) {
            if (a.answeredNanos() - from <= 0) {
                previous = a.answeredNanos();
            } else if (a.answeredNanos() - to <= 0) {
                longest = Math.max(longest, a.answeredNanos() - previous);
                previous = a.answeredNanos();
            }
        }
        return longest / 1_000_000;
    }

    /** The first answer with this status to a request sent after {@code t}, if any. */
    Optional<Answer> firstSentAfter(int status, long t) {
        return answers(status).stream().filter(a -> a.sentNanos() - t > 0).findFirst();
    }

    /** The first answer with this status that came after {@code t}, if any. */
    Optional<Answer> firstAnsweredAfter(int status, long t) {
        return answers(status).stream().filter(a -> a.answeredNanos() - t > 0).findFirst();
    }

    /**
     * Starts {@code clients} virtual threads; client {@code c} posts to {@code nodes.get(c % nodes.size())} batches of
     * {@code batchSize} events, {@code pause} apart, at most {@code maxBatches} of them.
     */
    static KafkaLoad start(String prefix, List<HttpTestClient> nodes, int clients, int batchSize, Duration pause,
            int maxBatches, IntPredicate retries) {
        KafkaLoad load = new KafkaLoad();
        long deadline = System.nanoTime() + MAX_RUN.toNanos();
        for (int c = 0; c < clients; c++) {
            int client = c;
            HttpTestClient http = nodes.get(c % nodes.size());
            load.threads.add(Thread.ofVirtual().name("load-" + prefix + "-" + c).start(() -> load.run(http,
                    prefix + "-c" + client, batchSize, pause, maxBatches, retries.test(client), deadline)));
        }
        return load;
    }

    private void run(HttpTestClient http, String prefix, int batchSize, Duration pause, int maxBatches,
            boolean retry, long deadline) {
        try {
            for (int b = 0; b < maxBatches && !stop && System.nanoTime() < deadline; b++) {
                List<String> ids = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    ids.add(prefix + "-" + b + "-" + i);
                }
                sent.addAll(ids);
                while (!post(http, ids) && retry && !stop && System.nanoTime() < deadline) {
                    Thread.sleep(RETRY_PAUSE);
                }
                Thread.sleep(pause);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            crashed.compareAndSet(null, t);
        }
    }

    /** Posts one batch; true when it was acknowledged. */
    private boolean post(HttpTestClient http, List<String> ids) throws InterruptedException {
        HttpTestClient.Response r;
        long t0 = System.nanoTime();
        try {
            r = http.post("/events/batch", body(ids));
        } catch (IOException e) {
            unknown.addAll(ids);
            unansweredPosts.incrementAndGet();
            return false;
        }
        answers.add(new Answer(r.status(), t0, System.nanoTime(), List.copyOf(ids)));
        if (r.status() == 202) {
            acknowledged.addAll(ids);
            ids.forEach(refused::remove);
            ids.forEach(unknown::remove);
            acceptedPosts.incrementAndGet();
            return true;
        }
        if (r.status() == 503) {
            slowestRefusalMillis.accumulate((System.nanoTime() - t0) / 1_000_000);
            String reason = r.json().path("reason").asText("none");
            refusals.merge(reason, 1, Integer::sum);
            if (r.raw().headers().firstValue("Retry-After").isEmpty()) {
                unexpected.add("a 503 without Retry-After: " + r.body());
            }
            refused.addAll(ids);
            return false;
        }
        unexpected.add(r.status() + " " + r.body());
        return false;
    }

    static String body(List<String> ids) {
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < ids.size(); i++) {
            b.append(i == 0 ? "" : ",").append(HttpTestClient.event(ids.get(i), "kafka.it", "{\"n\":" + i + "}"));
        }
        return b.append("]}").toString();
    }

    /** Stops the clients, waits for their last requests, and fails if one crashed or got an unexpected answer. */
    void stop() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(40))) {
                t.interrupt();
                throw new AssertionError("a load client did not stop within 40 s");
            }
        }
        if (crashed.get() != null) {
            throw new AssertionError("a load client failed: " + crashed.get(), crashed.get());
        }
        if (!unexpected.isEmpty()) {
            throw new AssertionError(unexpected.size() + " unexpected answers, e.g. " + unexpected.peek());
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.interrupt();
            t.join(Duration.ofSeconds(5));
        }
    }
}
