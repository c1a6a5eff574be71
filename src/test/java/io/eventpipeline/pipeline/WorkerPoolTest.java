package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.Eventually;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.metrics.SizeHistogram;
import io.eventpipeline.storage.H2Pool;
import io.eventpipeline.storage.Dialect;
import io.eventpipeline.storage.JdbcEventRepository;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The workers' batching, against the embedded H2 through the service's own repository. */
class WorkerPoolTest {
    private HikariDataSource pool;
    private JdbcEventRepository repository;
    private final Metrics metrics = new Metrics();
    private final EventQueue queue = new EventQueue(10_000, 64L << 20);

    @BeforeEach
    void database() throws Exception {
        pool = H2Pool.inMemory("workers", 4);
        repository = new JdbcEventRepository(pool, Dialect.H2);
    }

    @AfterEach
    void close() {
        pool.close();
    }

    @Test
    void events_that_trickle_in_within_the_linger_are_stored_in_few_batches() throws Exception {
        WorkerPool workers = start(4, Duration.ofMillis(400));
        // 50 events over about 100 ms: without a linger each would find the queue all but empty.
        for (int i = 0; i < 50; i++) {
            enqueue("t-" + i);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        assertThat(workers.drain(Duration.ofSeconds(10))).isEmpty();

        assertThat(storedRows()).isEqualTo(50);
        SizeHistogram.Snapshot batches = metrics.batchSize.snapshot();
        // The collector waits up to 400 ms from its first event; 50 events sent within ~100 ms (a slow machine may
        // stretch that) cannot need more than a handful of batches.
        assertThat(batches.sum()).isEqualTo(50);
        assertThat(batches.count()).isLessThanOrEqualTo(5);
    }

    @Test
    void without_a_linger_a_worker_writes_what_is_queued_at_once() throws Exception {
        WorkerPool workers = start(1, Duration.ZERO);
        for (int i = 0; i < 20; i++) {
            enqueue("z-" + i);
            awaitStored(i + 1); // each event is stored before the next is queued: 20 batches of one
        }
        assertThat(workers.drain(Duration.ofSeconds(10))).isEmpty();
        assertThat(metrics.batchSize.snapshot().count()).isEqualTo(20);
        assertThat(metrics.batchSize.snapshot().max()).isEqualTo(1);
    }

    @Test
    void a_backlog_fills_whole_batches_without_waiting_for_the_linger() throws Exception {
        for (int i = 0; i < 1000; i++) {
            enqueue("b-" + i);
        }
        // A linger far longer than the drain may take: full batches must not wait for it.
        WorkerPool workers = start(2, Duration.ofSeconds(10));
        assertThat(workers.drain(Duration.ofSeconds(5))).isEmpty();
        assertThat(storedRows()).isEqualTo(1000);
        assertThat(metrics.batchSize.snapshot().max()).isEqualTo(100);
    }

    @Test
    void a_stop_does_not_wait_out_the_linger() throws Exception {
        WorkerPool workers = start(2, Duration.ofSeconds(10));
        enqueue("s-1");
        awaitCollected();
        long started = System.nanoTime();
        assertThat(workers.drain(Duration.ofSeconds(30))).isEmpty();
        // The collector holds one event in a 10 s linger; the stop ends it. Generous bound for a loaded machine.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(storedRows()).isEqualTo(1);
    }

    @Test
    void a_stop_without_a_drain_hands_back_every_event_it_did_not_store() throws Exception {
        for (int i = 0; i < 5000; i++) {
            enqueue("h-" + i);
        }
        WorkerPool workers = start(2, Duration.ZERO);
        List<Envelope> unstored = workers.stop(Duration.ofSeconds(5));

        assertThat(unstored.stream().map(e -> e.event().id()).distinct()).hasSize(unstored.size());
        assertThat(storedRows() + unstored.size()).as("stored or handed back, each once").isEqualTo(5000);
        assertThat(queue.isEmpty()).isTrue();
    }

    private WorkerPool start(int n, Duration linger) {
        BatchWriter writer = new BatchWriter(repository, new NoAcceptLog(), metrics, 0,
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)),
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));
        WorkerPool workers = new WorkerPool(queue, writer, n, 100, linger);
        workers.start();
        return workers;
    }

    private void enqueue(String id) throws InterruptedException {
        Event e = new Event(id, "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8),
                Instant.parse("2024-05-01T12:00:00Z"), null);
        queue.putBlocking(new Envelope(e, 1, System.nanoTime()));
    }

    /** Until a worker has taken everything queued (it then lingers with it). */
    private void awaitCollected() throws InterruptedException {
        Eventually.await(Duration.ofSeconds(10), "a worker has taken the queued event", queue::isEmpty);
        assertThat(queue.isEmpty()).isTrue();
    }

    private void awaitStored(int n) throws Exception {
        Eventually.await(Duration.ofSeconds(10), "events holds " + n + " rows", () -> storedRows() >= n);
        assertThat(storedRows()).isEqualTo(n);
    }

    private int storedRows() throws Exception {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM events")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
