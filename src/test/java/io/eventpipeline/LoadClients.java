package io.eventpipeline;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Client threads posting events with their own ids, as fast as the service takes them, and keeping apart what each
 * answer means for those ids: a 202 acknowledged them, a 503 refused them (nothing may be left of them), and a
 * request that died with the connection (the service was killed) left them unknown: stored or not, both are right.
 *
 * <p>A client stops at its first I/O error: after a kill every further request would fail the same way.
 */
final class LoadClients implements AutoCloseable {
    final Set<String> sent = ConcurrentHashMap.newKeySet();
    final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    final Set<String> refused = ConcurrentHashMap.newKeySet();
    final Set<String> inFlightAtFailure = ConcurrentHashMap.newKeySet();
    /** 503s by their "reason", e.g. queue_full or not_durable. */
    final Map<String, Integer> refusals = new ConcurrentHashMap<>();
    /** The first 503 of each reason, for its headers and body. */
    final Map<String, HttpTestClient.Response> firstRefusal = new ConcurrentHashMap<>();
    /** Answers that are neither 202 nor 503: always a test failure. */
    final Queue<String> unexpected = new ConcurrentLinkedQueue<>();
    final AtomicReference<Throwable> crashed = new AtomicReference<>();

    private final HttpTestClient http;
    private final String prefix;
    private final int batchSize;
    private final String pad;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;

    private LoadClients(int port, String prefix, int batchSize, int padBytes) {
        this.http = new HttpTestClient(port);
        this.prefix = prefix;
        this.batchSize = batchSize;
        this.pad = "x".repeat(padBytes);
    }

    /**
     * Starts {@code clients} virtual threads; each sends batches of {@code batchSize} events and every fifth request
     * a single event. Ids are {@code prefix-c<client>-<request>-<index>}.
     */
    static LoadClients start(int port, String prefix, int clients, int batchSize, int padBytes) {
        LoadClients load = new LoadClients(port, prefix, batchSize, padBytes);
        for (int c = 0; c < clients; c++) {
            int client = c;
            load.threads.add(Thread.ofVirtual().name("load-" + prefix + "-" + c).start(() -> load.run(client)));
        }
        return load;
    }

    private void run(int client) {
        try {
            for (int n = 0; !stop; n++) {
                boolean single = n % 5 == 4;
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < (single ? 1 : batchSize); i++) {
                    ids.add(prefix + "-c" + client + "-" + n + "-" + i);
                }
                sent.addAll(ids);
                HttpTestClient.Response r;
                try {
                    r = single ? http.post("/events", event(ids.getFirst()))
                            : http.post("/events/batch", batch(ids));
                } catch (IOException e) {
                    inFlightAtFailure.addAll(ids);
                    return;
                }
                if (r.status() == 202) {
                    acknowledged.addAll(ids);
                } else if (r.status() == 503) {
                    refused.addAll(ids);
                    String reason = r.json().path("reason").asText("none");
                    refusals.merge(reason, 1, Integer::sum);
                    firstRefusal.putIfAbsent(reason, r);
                    Thread.sleep(20);
                } else {
                    unexpected.add(r.status() + " " + r.body());
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            crashed.compareAndSet(null, e);
        }
    }

    private String event(String id) {
        return HttpTestClient.event(id, "crash", "{\"pad\":\"" + pad + "\"}");
    }

    private String batch(List<String> ids) {
        StringBuilder body = new StringBuilder("{\"events\":[");
        for (int i = 0; i < ids.size(); i++) {
            body.append(i == 0 ? "" : ",").append(event(ids.get(i)));
        }
        return body.append("]}").toString();
    }

    /** True once any client got a 503 with this reason. */
    boolean refusedWith(String reason) {
        return refusals.containsKey(reason);
    }

    /** Stops the clients and waits for their last request; fails if one misbehaved or got an unexpected answer. */
    void stop(Duration timeout) throws InterruptedException {
        stop = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            if (!t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                throw new AssertionError("client " + t.getName() + " did not finish within " + timeout);
            }
        }
        if (crashed.get() != null) {
            throw new AssertionError("a client failed", crashed.get());
        }
        if (!unexpected.isEmpty()) {
            throw new AssertionError("answers other than 202 or 503: " + unexpected.stream().limit(5).toList());
        }
    }

    @Override
    public void close() {
        stop = true;
        threads.forEach(Thread::interrupt);
    }
}
