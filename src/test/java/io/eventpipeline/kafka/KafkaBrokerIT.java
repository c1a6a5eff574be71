package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link KafkaBroker} fixture against the real Kafka client: what the broker acknowledged ({@code acks=all},
 * idempotent producer) and the offsets a consumer group (KIP-848, {@code group.protocol=consumer}) committed are
 * still there after {@code kill -9} and a restart, and a new member of the group resumes after those offsets.
 * Prints how long the start and the restart took and the broker's resident memory.
 */
class KafkaBrokerIT {
    static final String TOPIC = "events";
    static final int PARTITIONS = 3;
    static final String GROUP = "writers";
    /** Records produced and consumed (and their offsets committed) before the kill. */
    static final int BEFORE = 300;
    /** Records produced after the commit and before the kill: what the group must resume with. */
    static final int AFTER_COMMIT = 120;
    static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void acknowledged_records_and_committed_offsets_survive_kill_9_and_the_group_resumes_after_them()
            throws Exception {
        long t0 = System.nanoTime();
        try (KafkaBroker broker = KafkaBroker.start(dir)) {
            long started = System.nanoTime();
            String rssAtStart = rss(broker.pid());
            broker.createTopic(TOPIC, PARTITIONS);

            Map<String, RecordMetadata> acknowledged = new HashMap<>(produce(broker, "before-", BEFORE));
            assertThat(acknowledged.values().stream().map(RecordMetadata::partition).distinct())
                    .as("the keys spread over every partition").hasSize(PARTITIONS);

            Map<TopicPartition, Long> committed;
            try (KafkaConsumer<String, String> consumer = groupMember(broker)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> consumed = consume(consumer, BEFORE);
                assertThat(consumed).extracting(ConsumerRecord::value)
                        .containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
                consumer.commitSync();
                committed = offsets(consumer.committed(partitions()));
            }
            assertThat(committed).as("one committed offset per partition, after its last record")
                    .isEqualTo(endOffsets(acknowledged.values()));

            acknowledged.putAll(produce(broker, "after-commit-", AFTER_COMMIT));
            String rssLoaded = rss(broker.pid());

            broker.kill9();
            assertThat(broker.isAlive()).isFalse();
            long killed = System.nanoTime();
            broker.restart();
            long restarted = System.nanoTime();

            assertThat(readAll(broker)).as("every acknowledged record, at its partition and offset")
                    .isEqualTo(acknowledged.entrySet().stream().collect(Collectors.toMap(
                            e -> e.getValue().partition() + "@" + e.getValue().offset(), Map.Entry::getKey)));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap()))) {
                assertThat(offsets(admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get()))
                        .as("the group's committed offsets").isEqualTo(committed);
            }

            try (KafkaConsumer<String, String> consumer = groupMember(broker)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> resumed = consume(consumer, AFTER_COMMIT);
                assertThat(resumed).extracting(ConsumerRecord::value)
                        .as("exactly the records after the committed offsets")
                        .containsExactlyInAnyOrderElementsOf(IntStream.range(0, AFTER_COMMIT)
                                .mapToObj(i -> "after-commit-" + i).toList());
                assertThat(resumed).allSatisfy(r -> assertThat(r.offset())
                        .isGreaterThanOrEqualTo(committed.get(new TopicPartition(r.topic(), r.partition()))));
            }

            long beforeClose = System.nanoTime();
            broker.close();
            assertThat(broker.isAlive()).as("closed").isFalse();
            long closed = System.nanoTime();
            System.out.printf("kafka broker: start %d ms, restart after kill -9 %d ms, clean stop %d ms, RSS %s at "
                            + "start and %s after %d records; whole test %d ms%n",
                    ms(started - t0), ms(restarted - killed), ms(closed - beforeClose), rssAtStart, rssLoaded,
                    BEFORE + AFTER_COMMIT, ms(closed - t0));
        }
    }

    @Test
    void a_broker_that_cannot_start_fails_with_the_tail_of_its_log() {
        // GroupCoordinatorConfig requires the heartbeat interval to be below the session timeout.
        Map<String, String> invalid = Map.of("group.consumer.heartbeat.interval.ms", "5000");

        assertThatThrownBy(() -> KafkaBroker.start(dir, invalid)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not get ready")
                .hasMessageContaining("the broker process exited")
                .hasMessageContaining("group.consumer.heartbeat.interval.ms must be less than "
                        + "group.consumer.session.timeout.ms");
    }

    private static Map<String, RecordMetadata> produce(KafkaBroker broker, String prefix, int count)
            throws Exception {
        Map<String, RecordMetadata> acknowledged = new HashMap<>();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            Map<String, Future<RecordMetadata>> sent = new HashMap<>();
            for (int i = 0; i < count; i++) {
                String value = prefix + i;
                sent.put(value, producer.send(new ProducerRecord<>(TOPIC, "key-" + i, value)));
            }
            for (Map.Entry<String, Future<RecordMetadata>> e : sent.entrySet()) {
                acknowledged.put(e.getKey(), e.getValue().get());
            }
        }
        return acknowledged;
    }

    private static KafkaConsumer<String, String> groupMember(KafkaBroker broker) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.GROUP_ID_CONFIG, GROUP,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    }

    /** Polls until at least {@code count} records came, and fails if that is more than {@code count}. */
    private static List<ConsumerRecord<String, String>> consume(KafkaConsumer<String, String> consumer, int count)
            throws InterruptedException {
        List<ConsumerRecord<String, String>> records = new ArrayList<>();
        Eventually.await(CONSUME_TIMEOUT, count + " records are consumed", () -> {
            consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            return records.size() >= count;
        });
        assertThat(records).hasSize(count);
        return records;
    }

    /** Reads every partition of the topic from its start to its end, outside any group: "partition@offset" to value. */
    private static Map<String, String> readAll(KafkaBroker broker) throws InterruptedException {
        Map<String, String> records = new HashMap<>();
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            reader.assign(partitions());
            reader.seekToBeginning(partitions());
            Map<TopicPartition, Long> end = reader.endOffsets(partitions());
            Eventually.await(CONSUME_TIMEOUT, "the reader is at the end of every partition " + end, () -> {
                reader.poll(Duration.ofMillis(100)).forEach(r -> records.put(r.partition() + "@" + r.offset(),
                        r.value()));
                return end.entrySet().stream().allMatch(e -> reader.position(e.getKey()) >= e.getValue());
            });
        }
        return records;
    }

    private static Set<TopicPartition> partitions() {
        return IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(TOPIC, p)).collect(Collectors.toSet());
    }

    /** The offset after the last acknowledged record of each partition. */
    private static Map<TopicPartition, Long> endOffsets(Iterable<RecordMetadata> acknowledged) {
        Map<TopicPartition, Long> end = new HashMap<>();
        for (RecordMetadata m : acknowledged) {
            end.merge(new TopicPartition(m.topic(), m.partition()), m.offset() + 1, Math::max);
        }
        return end;
    }

    /** The offsets alone: a commit also records the leader epoch, which says nothing here. */
    private static Map<TopicPartition, Long> offsets(Map<TopicPartition, OffsetAndMetadata> committed) {
        return committed.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** The resident set of a process, from /proc (Linux). */
    private static String rss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024 + " MiB").orElse("n/a");
        } catch (Exception e) {
            return "n/a";
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
