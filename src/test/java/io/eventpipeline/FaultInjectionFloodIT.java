package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A flood while the database is away, on a small heap: ten times the queue's capacity in events of 16 KiB each,
 * more bytes than the whole heap, from clients that ignore Retry-After. The queue bounds what is kept, the rest
 * is refused with 503, the heap stays bounded, the service keeps answering, and once the database is back every
 * accepted event is stored.
 */
class FaultInjectionFloodIT extends FaultInjectionSupport {
    static final int FLOOD_EVENTS = 10 * QUEUE_CAPACITY;
    static final int EVENTS_PER_POST = 100;
    static final int CLIENTS = 4;
    static final String DATA = "{\"pad\":\"" + "x".repeat(16 * 1024) + "\"}";
    static final Duration SLOWEST_HEALTH_ALLOWED = Duration.ofSeconds(5);

    @Test
    void a_flood_of_ten_times_the_queue_with_the_database_away_gets_503s_in_bounded_heap_and_stores_all_it_accepted()
            throws Exception {
        Path gcLog = dir.resolve("gc.log");
        JarProcess service = startService(List.of("-Xmx160m", "-XX:+UseG1GC", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + gcLog), serviceArgs());
        HttpTestClient http = new HttpTestClient(service.port());

        proxy.cut();
        awaitHealth(http, 503, "DOWN");

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refusedPosts = new AtomicInteger();
        AtomicInteger nextPost = new AtomicInteger();
        AtomicLong slowestHealthNanos = new AtomicLong();
        AtomicInteger healthProbes = new AtomicInteger();
        long floodStart = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(pool.submit(() -> {
                    // Clients that do not back off: the next post right after a 503.
                    for (int p; (p = nextPost.getAndIncrement()) < FLOOD_EVENTS / EVENTS_PER_POST; ) {
                        var outcome = postBatch(http, ids("flood-" + p + "-", 0, EVENTS_PER_POST), DATA);
                        accepted.addAll(outcome.accepted());
                        if (outcome.refused()) {
                            refusedPosts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            Future<?> prober = pool.submit(() -> {
                // The service answers /health, promptly and truthfully, all through the flood.
                while (clients.stream().anyMatch(f -> !f.isDone())) {
                    long t0 = System.nanoTime();
                    var r = http.get("/health");
                    slowestHealthNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                    healthProbes.incrementAndGet();
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.json().get("database").asText()).isEqualTo("DOWN");
                    Thread.sleep(200);
                }
                return null;
            });
            for (Future<?> f : clients) {
                f.get();
            }
            prober.get();
        }
        Duration flood = Duration.ofNanos(System.nanoTime() - floodStart);

        assertThat(service.isAlive()).as("alive after the flood").isTrue();
        assertThat(service.output()).doesNotContain("OutOfMemoryError");
        assertThat(refusedPosts.get()).as("posts refused with 503 + Retry-After").isPositive();
        // Whole requests are queued or refused; the workers hold at most a batch each while they retry.
        assertThat(accepted.size()).isLessThanOrEqualTo(QUEUE_CAPACITY + WORKERS * BATCH_SIZE)
                .isGreaterThanOrEqualTo(QUEUE_CAPACITY - EVENTS_PER_POST);
        assertThat(accepted.size() + refusedPosts.get() * EVENTS_PER_POST).isEqualTo(FLOOD_EVENTS);
        var single = postOne(http, "flood-single", "{}");
        assertThat(single.status()).as("a single event is refused too while the queue is full").isEqualTo(503);
        assertThat(single.retryAfterSeconds()).isPositive();
        JsonNode during = metrics(http);
        assertThat(during.get("throttled").asLong()).isEqualTo(FLOOD_EVENTS - accepted.size() + 1);
        assertThat(during.get("queue").get("depth").asInt()).isGreaterThan(QUEUE_CAPACITY - EVENTS_PER_POST);
        assertThat(Duration.ofNanos(slowestHealthNanos.get())).as("slowest /health during the flood")
                .isLessThan(SLOWEST_HEALTH_ALLOWED);

        proxy.restore();
        long restoredAt = System.nanoTime();
        awaitStored(accepted, STORE_TIMEOUT);
        Duration recovery = Duration.ofNanos(System.nanoTime() - restoredAt);
        awaitHealth(http, 200, "UP");
        assertStoredExactlyOnce(accepted);

        // The same process takes events again, and stores them.
        var after = postBatch(http, ids("after-flood-", 0, EVENTS_PER_POST), DATA);
        assertThat(after.status()).isEqualTo(202);
        Set<String> all = new HashSet<>(accepted);
        all.addAll(after.accepted());
        awaitStored(all, STORE_TIMEOUT);
        assertStoredExactlyOnce(all);

        service.terminate();
        assertThat(service.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(30))).as(service.output()).isZero();
        assertThat(service.output()).doesNotContain("OutOfMemoryError");
        GcLog heap = GcLog.read(gcLog);
        assertThat(heap.collections()).as("the GC log was read").isPositive();
        assertThat(heap.peakCommittedBytes()).isLessThanOrEqualTo(160L << 20);
        System.out.printf("fault-injection flood: %d events of 16 KiB in %.1fs (%d MiB, heap -Xmx160m): %d accepted, "
                + "%d posts refused with 503; %d /health probes, slowest %d ms; every accepted event stored %.2fs "
                + "after the restore; %s%n", FLOOD_EVENTS, seconds(flood),
                (long) FLOOD_EVENTS * DATA.length() >> 20, accepted.size(), refusedPosts.get(), healthProbes.get(),
                slowestHealthNanos.get() / 1_000_000, seconds(recovery), heap);
    }
}
