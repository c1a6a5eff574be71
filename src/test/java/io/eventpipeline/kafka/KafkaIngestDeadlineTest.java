package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.Eventually;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Ingest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaIngest} stops handing a request's events to the producer once {@code --kafka-ack-timeout} has passed.
 * While the broker is away the producer can lose the topic's metadata, and then each {@code send} blocks for up to
 * {@code max.block.ms} (set to the ack timeout) before it returns or fails: against a real broker killed by
 * {@code kill -9} (KafkaBrokerCrashIT), requests of 10 events with a 2 s ack timeout were answered 503 only after
 * 11.6 to 14.4 s, one of 1 event after 2.06 s. Here Kafka's own {@link MockProducer} stands in for that producer,
 * every {@code send} taking 100 ms and no acknowledgement ever coming: what is counted is how many sends a request
 * makes, not how long it takes. The same producer, with futures held or failed at once, checks the stop at the
 * first failed send and the bound on the bytes of requests waiting for acknowledgements.
 */
class KafkaIngestDeadlineTest {
    @Test
    void a_request_whose_sends_block_is_refused_without_sending_the_rest_after_the_ack_timeout() {
        AtomicInteger sends = new AtomicInteger();
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record,
                    org.apache.kafka.clients.producer.Callback callback) {
                sends.incrementAndGet();
                try {
                    Thread.sleep(100); // as a send waiting for the topic's metadata
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(record, callback);
            }
        };
        Metrics metrics = new Metrics();
        KafkaIngest ingest = new KafkaIngest(producer, "events", Duration.ofMillis(300), 1 << 20, metrics);
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            events.add(new Event("id-" + i, "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8),
                    Instant.now(), null));
        }

        assertThatThrownBy(() -> ingest.accept(events)).isInstanceOf(Ingest.RefusedException.class)
                .satisfies(e -> assertThat(((Ingest.RefusedException) e).refusal())
                        .isEqualTo(Ingest.Refusal.BROKER_UNAVAILABLE));
        // 300 ms of 100 ms sends: three or four of them (a slow machine makes it fewer), never all 40.
        assertThat(sends.get()).as("sends made before the refusal").isBetween(1, 10);
        assertThat(metrics.kafkaProduceFailed.sum()).isEqualTo(events.size());
        assertThat(metrics.kafkaProduced.sum()).isZero();
        assertThat(ingest.inFlight()).isZero();
    }

    @Test
    void a_request_stops_at_the_first_send_whose_future_has_failed() {
        AtomicInteger sends = new AtomicInteger();
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record,
                    org.apache.kafka.clients.producer.Callback callback) {
                sends.incrementAndGet();
                // As a send that waited max.block.ms for metadata: it calls the callback with the error and
                // returns a future already failed, as KafkaProducer does.
                var error = new org.apache.kafka.common.errors.TimeoutException(
                        "Topic events not present in metadata after 2000 ms.");
                callback.onCompletion(null, error);
                return CompletableFuture.failedFuture(error);
            }
        };
        Metrics metrics = new Metrics();
        // An ack timeout far beyond the test: only the failed future can stop the sends.
        KafkaIngest ingest = new KafkaIngest(producer, "events", Duration.ofMinutes(5), 1 << 20, metrics);
        List<Event> events = events("f", 40);

        assertThatThrownBy(() -> ingest.accept(events)).isInstanceOf(Ingest.RefusedException.class)
                .satisfies(e -> {
                    assertThat(((Ingest.RefusedException) e).refusal()).isEqualTo(Ingest.Refusal.BROKER_UNAVAILABLE);
                    assertThat(e.getCause()).hasMessageContaining("not present in metadata");
                });
        assertThat(sends.get()).as("sends made before the refusal").isBetween(1, 2);
        assertThat(metrics.kafkaProducerErrors.sum("timeout")).as("the producer's errors").isEqualTo(sends.get());
        assertThat(metrics.kafkaRecordsInFlight.get()).as("records in flight once each has failed").isZero();
        assertThat(metrics.kafkaProduceFailed.sum()).isEqualTo(events.size());
        assertThat(metrics.kafkaProduced.sum()).isZero();
        assertThat(ingest.inFlight()).isZero();
    }

    /**
     * Requests waiting for acknowledgements hold at most maxInFlightBytes together: a second request that would go
     * beyond it is refused at once, without a send; a request larger than the bound alone is let in.
     */
    @Test
    void a_request_beyond_the_in_flight_bytes_is_refused_at_once_and_one_alone_is_always_let_in() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()); // holds every future until completeNext or errorNext
        Metrics metrics = new Metrics();
        List<Event> first = events("a", 2);
        long eventBytes = first.getFirst().sizeBytes();
        long bound = 3 * eventBytes;
        KafkaIngest ingest = new KafkaIngest(producer, "events", Duration.ofMinutes(5), bound, metrics);
        ExecutorService clients = Executors.newCachedThreadPool();
        try {
            Future<?> waiting = clients.submit(() -> {
                ingest.accept(first);
                return null;
            });
            Eventually.await(Duration.ofSeconds(10), "the first request's two sends, waiting for acks",
                    () -> producer.history().size() == 2 && ingest.inFlight() == 2);

            List<Event> second = events("b", 2); // 2 + 2 events' bytes > 3
            long before = System.nanoTime();
            assertThatThrownBy(() -> ingest.accept(second)).isInstanceOf(Ingest.RefusedException.class)
                    .satisfies(e -> assertThat(((Ingest.RefusedException) e).refusal())
                            .isEqualTo(Ingest.Refusal.AWAITING_BROKER));
            assertThat(Duration.ofNanos(System.nanoTime() - before)).as("refused at once, not after a wait")
                    .isLessThan(Duration.ofSeconds(2));
            assertThat(producer.history()).as("the refused request sent nothing").hasSize(2);
            assertThat(ingest.inFlight()).isEqualTo(2);

            assertThat(producer.completeNext()).isTrue();
            assertThat(producer.completeNext()).isTrue();
            waiting.get(10, TimeUnit.SECONDS); // accepted: no exception
            assertThat(metrics.kafkaProduced.sum()).isEqualTo(2);
            assertThat(ingest.inFlight()).isZero();

            List<Event> large = events("c", 5); // 5 events' bytes > 3, alone
            Future<?> alone = clients.submit(() -> {
                ingest.accept(large);
                return null;
            });
            Eventually.await(Duration.ofSeconds(10), "the large request let in, its five sends waiting for acks",
                    () -> producer.history().size() == 7 && ingest.inFlight() == 5);
            assertThatThrownBy(() -> ingest.accept(events("d", 1))).as("nothing fits beside it")
                    .isInstanceOf(Ingest.RefusedException.class)
                    .satisfies(e -> assertThat(((Ingest.RefusedException) e).refusal())
                            .isEqualTo(Ingest.Refusal.AWAITING_BROKER));

            assertThat(producer.errorNext(new NetworkException("the broker went away"))).isTrue();
            assertThatThrownBy(() -> alone.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(Ingest.RefusedException.class)
                    .satisfies(e -> assertThat(((Ingest.RefusedException) e.getCause()).refusal())
                            .isEqualTo(Ingest.Refusal.BROKER_UNAVAILABLE));
            assertThat(metrics.kafkaProduceFailed.sum())
                    .as("the large request's events; the refused ones were never sent")
                    .isEqualTo(5);
            assertThat(metrics.kafkaProduced.sum()).isEqualTo(2);
            assertThat(ingest.inFlight()).isZero();

            // The bytes were given back: a request of exactly the bound fits again, and is accepted on its acks.
            Future<?> fits = clients.submit(() -> {
                ingest.accept(events("e", 3));
                return null;
            });
            Eventually.await(Duration.ofSeconds(10), "the three sends of a request of exactly the bound",
                    () -> producer.history().size() == 10 && ingest.inFlight() == 3);
            producer.flush(); // completes every future still held, the large request's four left over too
            fits.get(10, TimeUnit.SECONDS);
            assertThat(metrics.kafkaProduced.sum()).isEqualTo(5);
            assertThat(metrics.kafkaProduceFailed.sum()).isEqualTo(5);
        } finally {
            clients.shutdownNow();
        }
    }

    private static List<Event> events(String prefix, int n) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            events.add(new Event(prefix + "-" + i, "t", "s", null, null, "{}".getBytes(StandardCharsets.UTF_8),
                    Instant.now(), null));
        }
        return events;
    }
}
