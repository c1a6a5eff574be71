package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * How the producer's exceptions are counted by kind, and when the broker probe finds too few in-sync replicas for a
 * produce with acks=all, on the Kafka client's own classes.
 */
class KafkaHealthSignalsTest {
    static final Node B1 = new Node(1, "b1", 9092);
    static final Node B2 = new Node(2, "b2", 9092);
    static final Node B3 = new Node(3, "b3", 9092);

    @Test
    void producer_errors_are_counted_as_timeout_not_enough_replicas_or_other() {
        assertThat(KafkaIngest.errorKind(new TimeoutException("Expiring 3 record(s) for events-0")))
                .isEqualTo("timeout");
        assertThat(KafkaIngest.errorKind(new NotEnoughReplicasException("isr 1 < 2"))).isEqualTo("not_enough_replicas");
        assertThat(KafkaIngest.errorKind(new NotEnoughReplicasAfterAppendException("isr shrank")))
                .isEqualTo("not_enough_replicas");
        assertThat(KafkaIngest.errorKind(new RecordTooLargeException("1 MiB"))).isEqualTo("other");
        assertThat(KafkaIngest.errorKind(new KafkaException("closed"))).isEqualTo("other");
        assertThat(KafkaIngest.errorKind(new java.util.concurrent.TimeoutException("our own deadline")))
                .as("the service's wait, not the client's").isEqualTo("other");
    }

    @Test
    void a_topic_is_short_of_replicas_where_a_partitions_isr_is_below_min_insync_replicas() {
        TopicDescription topic = new TopicDescription("events", false, List.of(
                new TopicPartitionInfo(0, B1, List.of(B1, B2, B3), List.of(B1, B2, B3)),
                new TopicPartitionInfo(1, B2, List.of(B1, B2, B3), List.of(B2)),
                new TopicPartitionInfo(2, B3, List.of(B1, B2, B3), List.of(B3, B1))));

        assertThat(BrokerProbe.replicasShort(topic, 1)).isNull();
        assertThat(BrokerProbe.replicasShort(topic, 2)).isEqualTo("partitions of events with fewer in-sync "
                + "replicas than its min.insync.replicas=2, so that every produce with acks=all is refused: "
                + "1 (1 of 3)");
        assertThat(BrokerProbe.replicasShort(topic, 3)).endsWith(": 1 (1 of 3), 2 (2 of 3)");
    }

    /** As the broker does: min.insync.replicas above a partition's replica count asks for all its replicas. */
    @Test
    void a_topic_of_fewer_replicas_than_min_insync_replicas_needs_all_of_them_in_sync() {
        TopicDescription single = new TopicDescription("events", false, List.of(
                new TopicPartitionInfo(0, B1, List.of(B1), List.of(B1))));
        TopicDescription two = new TopicDescription("events", false, List.of(
                new TopicPartitionInfo(0, B1, List.of(B1, B2), List.of(B1))));

        assertThat(BrokerProbe.replicasShort(single, 2)).isNull();
        assertThat(BrokerProbe.replicasShort(two, 3)).endsWith(": 0 (1 of 2)");
    }
}
