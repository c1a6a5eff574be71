package io.eventpipeline.kafka;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** The topic, checked at start: the brokers answer, and the topic exists or is created. */
public final class KafkaTopic {
    private KafkaTopic() {
    }

    /**
     * Waits up to {@code wait} for the brokers; creates the topic with {@code partitions} partitions and the
     * brokers' default replication factor if it is missing (another node creating it at the same time is fine).
     *
     * @return the topic's partition count
     * @throws StartupException when the brokers do not answer within {@code wait}, or refuse (authorisation, a
     *                          replication factor the cluster cannot meet), with the reason
     */
    public static int ensure(KafkaSettings settings, String topic, int partitions, Duration wait)
            throws StartupException {
        try (Admin admin = Admin.create(settings.admin(wait))) {
            try {
                return describe(admin, topic).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                        .all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            return describe(admin, topic).partitions().size();
        } catch (ExecutionException | KafkaException e) {
            throw new StartupException("cannot use the Kafka topic " + topic + " (--kafka-topic) at "
                    + settings.bootstrap() + " (--kafka-bootstrap): " + Messages.rootMessage(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking the Kafka topic " + topic);
        }
    }

    private static TopicDescription describe(Admin admin, String topic)
            throws ExecutionException, InterruptedException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }
}
