package io.eventpipeline.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.config.MqttConfig;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.source.mqtt.MqttMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MqttSource} against a real Mosquitto, with an ingest of the test's own in place of the journal and queue, so
 * that what the source acknowledges can be set against what the ingest took: nothing is acknowledged while the ingest
 * refuses, everything once it takes, and what was acknowledged is never delivered again to the next process with the
 * same client identifier.
 */
@NeedsMosquitto
class MqttSourceIT {
    static final String TOPIC = "plant/line-1/reading";
    static final Duration NOTICE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private MosquittoBroker broker;
    private final List<MqttSource> sources = new ArrayList<>();

    /** Refuses as a full queue does until {@link #open}; records what it took. */
    static final class GatedIngest implements Ingest {
        final List<Event> taken = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger refusals = new AtomicInteger();
        volatile boolean open;

        @Override
        public void accept(List<Event> events) throws RefusedException {
            if (!open) {
                refusals.incrementAndGet();
                throw new RefusedException(Refusal.QUEUE_FULL);
            }
            taken.addAll(events);
        }

        @Override
        public void close(Duration timeout) {
        }

        @Override
        public boolean closed() {
            return false;
        }

        List<String> ids() {
            synchronized (taken) {
                return taken.stream().map(Event::id).toList();
            }
        }
    }

    @BeforeAll
    static void requireBroker() {
        MosquittoBroker.require("the MQTT source's acknowledgement tests");
    }

    @BeforeEach
    void startBroker() throws Exception {
        broker = MosquittoBroker.start(dir.resolve("mosquitto"));
    }

    @AfterEach
    void stop() throws Exception {
        for (MqttSource s : sources) {
            s.stop(Duration.ofSeconds(2));
        }
        broker.close();
    }

    @Test
    void nothing_is_acknowledged_while_the_ingest_refuses_and_what_was_acknowledged_is_not_delivered_again()
            throws Exception {
        GatedIngest ingest = new GatedIngest();
        Metrics metrics = new Metrics();
        start(ingest, metrics);
        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-1")) {
            publisher.publishAll(TOPIC, MqttPublisher.readings("a", 50));
        }
        Eventually.await(NOTICE, "the refused messages are retried", () -> ingest.refusals.get() >= 3);
        assertThat(metrics.mqttReceived.sum()).as("all delivered").isEqualTo(50);
        assertThat(metrics.mqttAcknowledged.sum()).as("none acknowledged while refused").isZero();
        assertThat(ingest.taken).isEmpty();

        ingest.open = true;
        Eventually.await(NOTICE, "all taken and acknowledged", () -> metrics.mqttAcknowledged.sum() == 50);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add(MqttPublisher.id("a", i));
        }
        assertThat(ingest.ids()).as("taken once each, in the order published").isEqualTo(expected);
        sources.removeFirst().stop(Duration.ofSeconds(5));

        // The next process, same client identifier: what the broker holds for the session comes first, before a
        // message published now, and the acknowledged ones are not among it.
        GatedIngest next = new GatedIngest();
        next.open = true;
        Metrics nextMetrics = new Metrics();
        start(next, nextMetrics);
        try (MqttPublisher publisher = MqttPublisher.connect(broker.url(), "device-1")) {
            publisher.publishAll(TOPIC, MqttPublisher.readings("b", 1));
        }
        Eventually.await(NOTICE, "the new message arrives", next::ids, ids -> ids.contains("b-0"));
        assertThat(next.ids()).as("nothing acknowledged before is delivered again").containsExactly("b-0");
        assertThat(nextMetrics.mqttRedelivered.sum()).isZero();
    }

    private void start(Ingest ingest, Metrics metrics) throws Exception {
        MqttConfig config = new MqttConfig(broker.url(), List.of("plant/+/reading"), "source-it", null, null, "id",
                false);
        MqttSource source = new MqttSource(config, new MqttMapping("id", 64 * 1024), ingest, metrics, 100, 1 << 20);
        sources.add(source);
        source.start();
        Eventually.await(NOTICE, "the source is subscribed", source::up);
    }
}
