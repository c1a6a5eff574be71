package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.event.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a request meets at a full queue: a bounded wait for room, then a 503. */
@Timeout(30)
class LocalIngestTest {
    private static final long EVENT_BYTES = 200;

    @Test
    void a_request_at_a_full_queue_is_accepted_once_a_worker_makes_room() throws Exception {
        EventQueue queue = new EventQueue(4, 1 << 20);
        LocalIngest ingest = filled(queue);

        CompletableFuture<Ingest.Refusal> waiting = acceptAsync(ingest, events("next-", 2));
        awaitWaiting(ingest);
        assertThat(waiting).isNotDone();
        List<Envelope> taken = new ArrayList<>();
        queue.drainTo(taken, 2); // a worker takes a batch

        assertThat(waiting.get(10, TimeUnit.SECONDS)).as("accepted, not refused").isNull();
        assertThat(queue.depth()).isEqualTo(4);
        assertThat(ingest.waitingBytes()).isZero();
    }

    @Test
    void a_full_queue_that_stays_full_refuses_after_the_wait() throws Exception {
        EventQueue queue = new EventQueue(4, 1 << 20);
        LocalIngest ingest = filled(queue);

        long started = System.nanoTime();
        Ingest.Refusal refusal = acceptAsync(ingest, events("late-", 1)).get(10, TimeUnit.SECONDS);

        assertThat(refusal).isEqualTo(Ingest.Refusal.QUEUE_FULL);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(LocalIngest.ROOM_WAIT);
        assertThat(queue.depth()).isEqualTo(4);
        assertThat(ingest.waitingBytes()).isZero();
    }

    @Test
    void once_the_waiting_room_is_full_the_next_request_is_refused_at_once() throws Exception {
        // 4,000 bytes of queue: a waiting room of 1,000 bytes, so five 200-byte events may wait and no more.
        EventQueue queue = new EventQueue(1000, 20 * EVENT_BYTES);
        LocalIngest ingest = new LocalIngest(queue, new NoAcceptLog());
        ingest.accept(events("full-", 20));

        CompletableFuture<Ingest.Refusal> waiting = acceptAsync(ingest, events("w-", 5));
        awaitWaiting(ingest);
        long started = System.nanoTime();
        Ingest.Refusal refusal = acceptAsync(ingest, events("over-", 1)).get(10, TimeUnit.SECONDS);

        assertThat(refusal).isEqualTo(Ingest.Refusal.QUEUE_FULL);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LocalIngest.ROOM_WAIT);
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(Ingest.Refusal.QUEUE_FULL);
    }

    @Test
    void closing_ends_the_wait_with_a_draining_refusal() throws Exception {
        EventQueue queue = new EventQueue(4, 1 << 20);
        LocalIngest ingest = filled(queue);
        CompletableFuture<Ingest.Refusal> waiting = acceptAsync(ingest, events("next-", 1));
        awaitWaiting(ingest);

        ingest.close(Duration.ofSeconds(10));

        assertThat(waiting.get(10, TimeUnit.SECONDS)).isEqualTo(Ingest.Refusal.DRAINING);
        assertThat(queue.depth()).as("nothing queued by a refused request").isEqualTo(4);
    }

    /** LocalIngest in front of {@code queue}, which it fills to its capacity in events. */
    private LocalIngest filled(EventQueue queue) throws Exception {
        LocalIngest ingest = new LocalIngest(queue, new NoAcceptLog());
        ingest.accept(events("full-", queue.capacity()));
        return ingest;
    }

    private static CompletableFuture<Ingest.Refusal> acceptAsync(LocalIngest ingest, List<Event> events) {
        CompletableFuture<Ingest.Refusal> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                ingest.accept(events);
                result.complete(null);
            } catch (Ingest.RefusedException e) {
                result.complete(e.refusal());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    private static void awaitWaiting(LocalIngest ingest) throws InterruptedException {
        Eventually.await(Duration.ofSeconds(10), "a request waits for room", () -> ingest.waitingBytes() > 0);
        assertThat(ingest.waitingBytes()).as("a request is waiting for room").isPositive();
    }

    private static List<Event> events(String prefix, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            long overhead = 96 + 2L * (id.length() + 2);
            Event e = new Event(id, "t", "s", null, null, new byte[(int) (EVENT_BYTES - overhead)], Instant.EPOCH,
                    null);
            assertThat(e.sizeBytes()).isEqualTo(EVENT_BYTES);
            events.add(e);
        }
        return events;
    }
}
