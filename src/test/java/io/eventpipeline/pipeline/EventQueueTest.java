package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.fail;

import io.eventpipeline.Eventually;
import io.eventpipeline.event.Event;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EventQueueTest {
    /** An envelope whose event counts exactly {@code sizeBytes} in {@link Event#sizeBytes()}. */
    private static Envelope envelope(String id, long sizeBytes) {
        long overhead = 96 + 2L * (id.length() + "t".length() + "s".length());
        byte[] data = new byte[(int) (sizeBytes - overhead)];
        Event e = new Event(id, "t", "s", null, null, data, Instant.EPOCH, null);
        assertThat(e.sizeBytes()).isEqualTo(sizeBytes);
        return new Envelope(e, -1, 0);
    }

    private static Envelope envelope(String id) {
        return envelope(id, 200);
    }

    /** Reserves and puts, as ingest does. */
    private static void put(EventQueue q, Envelope e) {
        assertThat(q.tryReserve(1, e.event().sizeBytes())).isTrue();
        q.putReserved(e);
    }

    @Test
    void is_bounded_in_events() {
        EventQueue q = new EventQueue(3, 1 << 20);

        assertThat(q.tryReserve(2, 400)).isTrue();
        assertThat(q.tryReserve(2, 400)).as("2 + 2 > 3").isFalse();
        assertThat(q.tryReserve(1, 200)).isTrue();
        assertThat(q.tryReserve(1, 1)).isFalse();
        assertThat(q.bytes()).isEqualTo(600);
    }

    @Test
    void is_bounded_in_bytes() {
        EventQueue q = new EventQueue(100, 1000);

        assertThat(q.tryReserve(1, 600)).isTrue();
        assertThat(q.tryReserve(1, 401)).as("601 + 400 > 1000").isFalse();
        assertThat(q.tryReserve(1, 400)).as("exactly full").isTrue();
        assertThat(q.tryReserve(1, 1)).isFalse();
        assertThat(q.bytes()).isEqualTo(1000);
    }

    @Test
    void refuses_a_request_whole_when_either_bound_would_be_exceeded() {
        EventQueue q = new EventQueue(10, 1000);
        assertThat(q.tryReserve(5, 500)).isTrue();

        assertThat(q.tryReserve(6, 60)).as("events").isFalse();
        assertThat(q.tryReserve(2, 501)).as("bytes").isFalse();
        assertThat(q.bytes()).as("a refusal reserves nothing").isEqualTo(500);
        assertThat(q.tryReserve(5, 500)).isTrue();
    }

    @Test
    void a_single_event_bigger_than_max_bytes_still_fits_an_empty_queue() {
        EventQueue q = new EventQueue(10, 1000);
        Envelope big = envelope("b", 5000);

        put(q, big);

        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.bytes()).isEqualTo(5000);
        assertThat(q.tryReserve(1, 1)).as("nothing more while it is there").isFalse();
        assertThat(q.drainTo(new ArrayList<>(), 10)).isEqualTo(1);
        assertThat(q.tryReserve(1, 1)).isTrue();
    }

    @Test
    void never_takes_more_events_than_its_capacity_even_when_empty() {
        EventQueue q = new EventQueue(3, 1 << 20);

        assertThat(q.tryReserve(4, 4)).isFalse();
        assertThat(q.tryReserve(3, 3)).isTrue();
    }

    @Test
    void unreserve_gives_the_room_back() {
        EventQueue q = new EventQueue(2, 1000);
        assertThat(q.tryReserve(2, 1000)).isTrue();
        assertThat(q.tryReserve(1, 1)).isFalse();

        q.unreserve(2, 1000);

        assertThat(q.bytes()).isZero();
        assertThat(q.depth()).isZero();
        assertThat(q.tryReserve(2, 1000)).isTrue();
    }

    @Test
    void a_put_without_a_reservation_beyond_capacity_is_a_bug_and_says_so() {
        EventQueue q = new EventQueue(1, 1000);
        put(q, envelope("a"));

        assertThatIllegalStateException().isThrownBy(() -> q.putReserved(envelope("b")))
                .withMessageContaining("without a reservation");
    }

    @Test
    void keeps_exact_depth_and_byte_accounting() {
        EventQueue q = new EventQueue(10, 10_000);
        put(q, envelope("a", 200));
        put(q, envelope("b", 300));
        put(q, envelope("c", 500));

        assertThat(q.depth()).isEqualTo(3);
        assertThat(q.bytes()).isEqualTo(1000);
        assertThat(q.isEmpty()).isFalse();
        assertThat(q.capacity()).isEqualTo(10);
        assertThat(q.maxBytes()).isEqualTo(10_000);

        // Reserved but not yet put counts in bytes, not in depth.
        assertThat(q.tryReserve(2, 700)).isTrue();
        assertThat(q.depth()).isEqualTo(3);
        assertThat(q.bytes()).isEqualTo(1700);
        q.unreserve(2, 700);
        assertThat(q.bytes()).isEqualTo(1000);
    }

    @Test
    void poll_takes_in_order_and_releases_the_bytes() throws InterruptedException {
        EventQueue q = new EventQueue(10, 10_000);
        put(q, envelope("a", 200));
        put(q, envelope("b", 300));

        assertThat(q.poll(1, TimeUnit.SECONDS).event().id()).isEqualTo("a");
        assertThat(q.bytes()).isEqualTo(300);
        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.poll(1, TimeUnit.SECONDS).event().id()).isEqualTo("b");
        assertThat(q.bytes()).isZero();
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.poll(0, TimeUnit.SECONDS)).isNull();
        assertThat(q.bytes()).isZero();
    }

    @Test
    void drain_to_moves_up_to_max_in_order_and_releases_their_bytes() {
        EventQueue q = new EventQueue(10, 10_000);
        put(q, envelope("a", 200));
        put(q, envelope("b", 300));
        put(q, envelope("c", 500));
        List<Envelope> into = new ArrayList<>(List.of(envelope("x", 1000)));

        assertThat(q.drainTo(into, 2)).isEqualTo(2);

        assertThat(into).extracting(e -> e.event().id()).containsExactly("x", "a", "b");
        assertThat(q.bytes()).as("only the 200 + 300 drained, not what the list held before").isEqualTo(500);
        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.drainTo(into, 10)).isEqualTo(1);
        assertThat(q.bytes()).isZero();
        assertThat(q.drainTo(into, 10)).isZero();
        assertThat(q.bytes()).isZero();
    }

    @Test
    void put_blocking_waits_for_room_and_goes_in_when_a_consumer_polls() throws Exception {
        EventQueue q = new EventQueue(1, 10_000);
        put(q, envelope("first"));
        Thread producer = startPutBlocking(q, envelope("second"));

        awaitWaiting(producer);
        assertThat(q.depth()).isEqualTo(1);

        assertThat(q.poll(1, TimeUnit.SECONDS).event().id()).isEqualTo("first");

        producer.join(10_000);
        assertThat(producer.isAlive()).isFalse();
        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.bytes()).isEqualTo(200);
        assertThat(q.poll(1, TimeUnit.SECONDS).event().id()).isEqualTo("second");
    }

    @Test
    void put_blocking_waits_for_bytes_and_goes_in_when_a_consumer_drains() throws Exception {
        EventQueue q = new EventQueue(100, 1000);
        put(q, envelope("a", 600));
        put(q, envelope("b", 300));
        Thread producer = startPutBlocking(q, envelope("c", 500));

        awaitWaiting(producer);
        List<Envelope> into = new ArrayList<>();
        assertThat(q.drainTo(into, 1)).isEqualTo(1); // frees 600: 300 + 500 fits

        producer.join(10_000);
        assertThat(producer.isAlive()).isFalse();
        assertThat(q.depth()).isEqualTo(2);
        assertThat(q.bytes()).isEqualTo(800);
    }

    @Test
    void put_blocking_goes_straight_in_when_there_is_room() throws InterruptedException {
        EventQueue q = new EventQueue(2, 1000);

        q.putBlocking(envelope("a"));

        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.bytes()).isEqualTo(200);
    }

    @Test
    void an_interrupted_put_blocking_reserves_nothing() throws Exception {
        EventQueue q = new EventQueue(1, 10_000);
        put(q, envelope("first"));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        Thread producer = Thread.ofPlatform().name("test-producer").start(() -> {
            try {
                q.putBlocking(envelope("second"));
            } catch (Throwable t) {
                outcome.set(t);
            }
            done.countDown();
        });

        awaitWaiting(producer);
        producer.interrupt();

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(q.depth()).isEqualTo(1);
        assertThat(q.bytes()).isEqualTo(200);
    }

    @Test
    void many_producers_and_a_consumer_leave_the_accounting_at_zero() throws Exception {
        EventQueue q = new EventQueue(8, 2000);
        int producers = 4;
        int each = 500;
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            int id = p;
            threads.add(Thread.ofPlatform().name("test-producer-" + p).start(() -> {
                try {
                    for (int i = 0; i < each; i++) {
                        q.putBlocking(envelope("p" + id, 200 + (i % 5) * 50));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        int taken = 0;
        List<Envelope> into = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (taken < producers * each) {
            assertThat(q.bytes()).isBetween(0L, 2000L);
            assertThat(q.depth()).isBetween(0, 8);
            Envelope e = q.poll(100, TimeUnit.MILLISECONDS);
            if (e != null) {
                taken++;
            }
            into.clear();
            taken += q.drainTo(into, 3);
            if (System.nanoTime() > deadline) {
                fail("took only " + taken + " events");
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(q.depth()).isZero();
        assertThat(q.bytes()).isZero();
    }

    private static Thread startPutBlocking(EventQueue q, Envelope e) {
        return Thread.ofPlatform().name("test-producer").start(() -> {
            try {
                q.putBlocking(e);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Until the thread parks on the queue's condition; fails at once if it ends instead, else after 10 s. */
    private static void awaitWaiting(Thread t) throws InterruptedException {
        Eventually.await(Duration.ofSeconds(10), t.getName() + " waits on the queue", () -> {
            if (!t.isAlive()) {
                fail("the thread did not wait: " + t.getState());
            }
            return t.getState() == Thread.State.WAITING;
        });
    }
}
