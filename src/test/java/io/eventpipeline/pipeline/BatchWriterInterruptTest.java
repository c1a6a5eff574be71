package io.eventpipeline.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.storage.EventRepository;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A stop past the shutdown deadline interrupts a worker in the middle of an attempt; HikariCP then fails it with
 * "Interrupted during connection acquisition". That is no verdict on the data: the batch must come back to the
 * caller whole, never be split into the dead letter.
 */
class BatchWriterInterruptTest {

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void an_interrupted_attempt_hands_the_batch_back_instead_of_dead_lettering_it_even_without_retries()
            throws Exception {
        AtomicInteger inserts = new AtomicInteger();
        List<String> deadLettered = new ArrayList<>();
        EventRepository interruptedPool = new EventRepository() {
            @Override
            public int insert(List<Event> events) throws SQLException {
                inserts.incrementAndGet();
                Thread.currentThread().interrupt(); // as HikariPool.getConnection does before it throws
                throw new SQLException("pipeline-db - Interrupted during connection acquisition",
                        new InterruptedException());
            }

            @Override
            public boolean deadLetter(Event event, String error, int attempts) throws SQLException {
                deadLettered.add(event.id());
                Thread.currentThread().interrupt();
                throw new SQLException("pipeline-db - Interrupted during connection acquisition");
            }
        };
        Metrics metrics = new Metrics();
        List<Long> released = new ArrayList<>();
        BatchWriter writer = new BatchWriter(interruptedPool, new RecordingLog(released), metrics, 0,
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)),
                new Backoff(Duration.ofMillis(1), Duration.ofMillis(1)));

        assertThatThrownBy(() -> writer.store(batch(8))).isInstanceOf(InterruptedException.class);

        assertThat(inserts.get()).as("one attempt, no bisection").isEqualTo(1);
        assertThat(deadLettered).isEmpty();
        assertThat(metrics.failed.sum()).isZero();
        assertThat(released).as("nothing released from the journal").isEmpty();
    }

    private static List<Envelope> batch(int n) {
        List<Envelope> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Event e = new Event("e-" + i, "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8), Instant.now(),
                    null);
            batch.add(new Envelope(e, 1, System.nanoTime()));
        }
        return batch;
    }

    /** Records which segments the writer releases. */
    private static final class RecordingLog extends NoAcceptLog {
        private final List<Long> released;

        RecordingLog(List<Long> released) {
            this.released = released;
        }

        @Override
        public void stored(long segment, int n) {
            for (int i = 0; i < n; i++) {
                released.add(segment);
            }
        }
    }
}
