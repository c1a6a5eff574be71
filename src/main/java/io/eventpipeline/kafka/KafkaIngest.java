package io.eventpipeline.kafka;

import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventCodec;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Door;
import io.eventpipeline.pipeline.Ingest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;

/**
 * The door of the pipeline with {@code --queue kafka}: produces each event to the topic, keyed by its id (so one id
 * always lands in one partition, and a retried id meets its first copy there), and returns only once the broker
 * has acknowledged every one (acks=all, idempotent producer). A broker that does not acknowledge within
 * {@code --kafka-ack-timeout} refuses the whole request: the client retries, and as a record may still be
 * written after the refusal, it must retry with the same ids, which the writers store once.
 */
public final class KafkaIngest implements Ingest {
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final long ackTimeoutNanos;
    private final Metrics metrics;
    private final Door door = new Door();
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong inFlightBytes = new AtomicLong();
    private final long maxInFlightBytes;

    /**
     * @param producer   an idempotent producer with acks=all ({@link KafkaSettings#producer()}); closed by its owner
     * @param topic      the topic every event goes to
     * @param metrics    where produced and refused events are counted
     * @param ackTimeout the longest {@link #accept} waits for the broker, send and acknowledgement together
     * @param maxInFlightBytes the most bytes of events ({@link Event#sizeBytes()}) that requests waiting for the
     *                   broker may hold together; a request beyond it is refused at once, so that the heap stays
     *                   bounded however many clients wait on a slow broker (one request alone is always let in)
     */
    public KafkaIngest(Producer<byte[], byte[]> producer, String topic, Duration ackTimeout, long maxInFlightBytes,
            Metrics metrics) {
        this.producer = producer;
        this.maxInFlightBytes = maxInFlightBytes;
        this.topic = topic;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        this.metrics = metrics;
    }

    /** On return every event is in the topic, acknowledged by all in-sync replicas. */
    @Override
    public void accept(List<Event> events) throws RefusedException, InterruptedException {
        if (!door.enter()) {
            throw new RefusedException(Refusal.DRAINING);
        }
        long bytes = 0;
        for (Event e : events) {
            bytes += e.sizeBytes();
        }
        long held = inFlightBytes.addAndGet(bytes);
        if (held > maxInFlightBytes && held != bytes) {
            inFlightBytes.addAndGet(-bytes);
            door.leave();
            throw new RefusedException(Refusal.AWAITING_BROKER);
        }
        inFlight.addAndGet(events.size());
        try {
            long deadline = System.nanoTime() + ackTimeoutNanos;
            List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
            try {
                for (Event e : events) {
                    // A send blocks (up to max.block.ms, at most the ack timeout) while the topic's metadata is
                    // unknown or the buffer is full, and then fails its future: stop at the first such failure,
                    // and at the deadline, rather than block once per event.
                    if (!acks.isEmpty() && failed(acks.getLast()) || System.nanoTime() - deadline > 0) {
                        throw refused(events.size(), acks.isEmpty() || !failed(acks.getLast())
                                ? new TimeoutException("no room in the producer's buffer or no metadata within "
                                        + TimeUnit.NANOSECONDS.toMillis(ackTimeoutNanos) + " ms")
                                : cause(acks.getLast()));
                    }
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                            e.id().getBytes(StandardCharsets.UTF_8), EventCodec.encode(e));
                    Delivery delivery = new Delivery();
                    try {
                        acks.add(producer.send(record, delivery));
                    } catch (KafkaException | IllegalStateException thrown) {
                        delivery.onCompletion(null, thrown); // thrown, so the producer calls no callback
                        throw thrown;
                    }
                }
            } catch (KafkaException | IllegalStateException e) {
                // Thrown rather than returned in a future: a fatal producer error, or a producer closed by a stop
                // that cut this request.
                throw refused(events.size(), e);
            }
            for (Future<RecordMetadata> ack : acks) {
                try {
                    ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    throw refused(events.size(), new TimeoutException("no acknowledgement from the broker within "
                            + TimeUnit.NANOSECONDS.toMillis(ackTimeoutNanos) + " ms"));
                } catch (ExecutionException e) {
                    throw refused(events.size(), e.getCause());
                }
            }
            metrics.kafkaProduced.add(events.size());
        } finally {
            inFlight.addAndGet(-events.size());
            inFlightBytes.addAndGet(-bytes);
            door.leave();
        }
    }

    private static boolean failed(Future<RecordMetadata> ack) {
        return ack.isDone() && cause(ack) != null;
    }

    /** The failure of a completed send, or null when it succeeded. */
    private static Throwable cause(Future<RecordMetadata> ack) {
        try {
            ack.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    private RefusedException refused(int events, Throwable cause) {
        metrics.kafkaProduceFailed.add(events);
        return new RefusedException(Refusal.BROKER_UNAVAILABLE, cause);
    }

    /**
     * The kind under which {@link Metrics#kafkaProducerErrors} counts a record the producer failed: {@code timeout}
     * for the client's {@link org.apache.kafka.common.errors.TimeoutException} (no acknowledgement within
     * {@code delivery.timeout.ms}, no metadata within {@code max.block.ms}), {@code not_enough_replicas} for the
     * broker's refusals NOT_ENOUGH_REPLICAS and NOT_ENOUGH_REPLICAS_AFTER_APPEND (fewer in-sync replicas than the
     * topic's {@code min.insync.replicas}, with acks=all), {@code other} for anything else.
     */
    static String errorKind(Throwable e) {
        if (e instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "timeout";
        }
        if (e instanceof NotEnoughReplicasException || e instanceof NotEnoughReplicasAfterAppendException) {
            return "not_enough_replicas";
        }
        return "other";
    }

    /**
     * One record from its send to its end, on the producer's I/O thread: counted in flight until then, then either
     * its time to the acknowledgement or its error's kind. Settles once, however it ends.
     */
    private final class Delivery implements Callback {
        private final long sentNanos = System.nanoTime();
        private final AtomicBoolean settled = new AtomicBoolean();

        Delivery() {
            metrics.kafkaRecordsInFlight.incrementAndGet();
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            if (!settled.compareAndSet(false, true)) {
                return;
            }
            metrics.kafkaRecordsInFlight.decrementAndGet();
            if (error == null) {
                metrics.kafkaAckLatency.record(System.nanoTime() - sentNanos);
            } else {
                metrics.kafkaProducerErrors.increment(errorKind(error));
            }
        }
    }

    /** Events of requests waiting for the broker's acknowledgement now. */
    public long inFlight() {
        return inFlight.get();
    }

    @Override
    public void close(Duration timeout) throws InterruptedException {
        door.close(timeout);
    }

    @Override
    public boolean closed() {
        return door.closed();
    }
}
