package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Ingest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaIngest} stops handing a request's events to the producer once {@code --kafka-ack-timeout} has passed.
 * While the broker is away the producer can lose the topic's metadata, and then each {@code send} blocks for up to
 * {@code max.block.ms} (set to the ack timeout) before it returns or fails: against a real broker killed by
 * {@code kill -9} (KafkaBrokerCrashIT), requests of 10 events with a 2 s ack timeout were answered 503 only after
 * 11.6 to 14.4 s, one of 1 event after 2.06 s. Here Kafka's own {@link MockProducer} stands in for that producer,
 * every {@code send} taking 100 ms and no acknowledgement ever coming: what is counted is how many sends a request
 * makes, not how long it takes.
 */
class KafkaIngestDeadlineTest {
    @Test
    void a_request_whose_sends_block_is_refused_without_sending_the_rest_after_the_ack_timeout() {
        AtomicInteger sends = new AtomicInteger();
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
                sends.incrementAndGet();
                try {
                    Thread.sleep(100); // as a send waiting for the topic's metadata
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.send(record);
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
}
