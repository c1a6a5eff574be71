package io.eventpipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Clients posting batches of events with unique ids at a steady pace, as producers do, and recording which ids
 * were accepted. A refused client waits what Retry-After says, then goes on with new ids. Each client stops by
 * itself after {@code maxRun}, so a test that fails half-way leaves no load behind.
 */
final class SteadyLoad implements AutoCloseable {
    private final HttpTestClient http;
    private final int eventsPerPost;
    private final Duration pause;
    private final Set<String> accepted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger acceptedPosts = new AtomicInteger();
    private final AtomicInteger refusedPosts = new AtomicInteger();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Thread> clients = new ArrayList<>();
    private volatile boolean stopping;

    SteadyLoad(HttpTestClient http, int clients, int eventsPerPost, Duration pause, Duration maxRun) {
        this.http = http;
        this.eventsPerPost = eventsPerPost;
        this.pause = pause;
        long deadline = System.nanoTime() + maxRun.toNanos();
        for (int c = 0; c < clients; c++) {
            int client = c;
            this.clients.add(Thread.ofVirtual().name("load-" + c).start(() -> run(client, deadline)));
        }
    }

    private void run(int client, long deadline) {
        int post = 0;
        try {
            while (!stopping && System.nanoTime() < deadline) {
                List<String> ids = FaultInjectionSupport.ids("load-" + client + "-" + post + "-", 0, eventsPerPost);
                post++;
                var outcome = FaultInjectionSupport.postBatch(http, ids, "{\"client\":" + client + "}");
                if (outcome.refused()) {
                    refusedPosts.incrementAndGet();
                    Thread.sleep(Duration.ofSeconds(outcome.retryAfterSeconds()));
                } else {
                    accepted.addAll(outcome.accepted());
                    acceptedPosts.incrementAndGet();
                    Thread.sleep(pause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            errors.add(t);
        }
    }

    /** The ids accepted so far (a live view). */
    Set<String> accepted() {
        return accepted;
    }

    int acceptedPosts() {
        return acceptedPosts.get();
    }

    int refusedPosts() {
        return refusedPosts.get();
    }

    /** Stops the clients, waits for their last requests, and fails if any got an answer it should not have. */
    void stop() throws InterruptedException {
        stopping = true;
        for (Thread t : clients) {
            if (!t.join(Duration.ofSeconds(40))) {
                t.interrupt();
                throw new AssertionError("a load client did not stop within 40s");
            }
        }
        if (!errors.isEmpty()) {
            AssertionError e = new AssertionError("a load client failed: " + errors.getFirst(), errors.getFirst());
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        for (Thread t : clients) {
            t.interrupt();
            t.join(Duration.ofSeconds(5));
        }
    }
}
