package io.eventpipeline.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventpipeline.HttpTestClient;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Polls GET /health/ready of some nodes every {@value #INTERVAL_MS} ms and keeps each change of what a node answers
 * (its status and body, without the ever-changing {@code uptime_seconds} and {@code queue}), so that a test can print
 * what an operator's probes saw through a failure. It only records: a test asserts on it as it sees fit.
 */
final class HealthWatch implements AutoCloseable {
    static final int INTERVAL_MS = 250;

    /** A node's answer that differed from its previous one, at {@link System#nanoTime} {@code atNanos}. */
    record Change(String node, long atNanos, String answer) {
    }

    private final Queue<Change> changes = new ConcurrentLinkedQueue<>();
    private final ExecutorService pollers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean stop;

    private HealthWatch() {
    }

    /** Starts one virtual thread per node that polls until {@link #close}. */
    static HealthWatch start(List<KafkaClusterSupport.Node> nodes) {
        HealthWatch watch = new HealthWatch();
        for (KafkaClusterSupport.Node node : nodes) {
            watch.pollers.submit(() -> watch.poll(node));
        }
        return watch;
    }

    private void poll(KafkaClusterSupport.Node node) {
        String last = null;
        while (!stop) {
            String answer = answer(node.http());
            if (!answer.equals(last)) {
                changes.add(new Change(node.name(), System.nanoTime(), answer));
                last = answer;
            }
            try {
                Thread.sleep(INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String answer(HttpTestClient http) {
        try {
            HttpTestClient.Response r = http.get("/health/ready");
            if (r.json() instanceof ObjectNode body) {
                body.remove("uptime_seconds");
                body.remove("queue");
                return r.status() + " " + body;
            }
            return r.status() + " " + r.body();
        } catch (Exception e) {
            return "no answer: " + e;
        }
    }

    /**
     * The changes as lines {@code <prefix> <node> <ms from zero> <status> <body>}, in the order they came.
     */
    List<String> timeline(String prefix, long zeroNanos) {
        return changes.stream().sorted(Comparator.comparingLong(Change::atNanos))
                .map(c -> prefix + " " + c.node() + " " + (c.atNanos() - zeroNanos) / 1_000_000 + "ms " + c.answer())
                .toList();
    }

    /** The statuses (200, 503; 0 for no answer) {@code node} answered after {@code afterNanos}, in order. */
    List<Integer> statusesOf(String node, long afterNanos) {
        return changes.stream().filter(c -> c.node().equals(node) && c.atNanos() >= afterNanos)
                .sorted(Comparator.comparingLong(Change::atNanos))
                .map(c -> c.answer().startsWith("no answer") ? 0 : Integer.parseInt(c.answer().substring(0, 3)))
                .toList();
    }

    /** Stops polling and waits for the pollers. */
    @Override
    public void close() throws InterruptedException {
        stop = true;
        pollers.shutdownNow();
        if (!pollers.awaitTermination(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("a health poller did not stop within 5 s");
        }
    }
}
