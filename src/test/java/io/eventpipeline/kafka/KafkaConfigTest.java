package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import io.eventpipeline.config.QueueMode;
import io.eventpipeline.config.Role;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The flags of the Kafka mode as {@link Config} checks them: what needs --queue kafka, what it refuses, and the
 * topic name rule of Kafka ({@code org.apache.kafka.common.internals.Topic}: 1 to 249 of [a-zA-Z0-9._-], and
 * neither "." nor "..").
 */
class KafkaConfigTest {
    private static Config.Builder kafka() {
        return Config.builder().queue(QueueMode.KAFKA).kafkaBootstrap("broker:9092");
    }

    @Test
    void kafka_mode_has_no_durability_and_the_documented_defaults() {
        Config c = kafka().build();

        assertThat(c.durability()).as("the broker's ack is the promise").isNull();
        assertThat(c.role()).isEqualTo(Role.BOTH);
        assertThat(c.kafkaTopic()).isEqualTo("events");
        assertThat(c.kafkaAckTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.kafkaPartitions()).isEqualTo(12);
    }

    @ParameterizedTest
    @EnumSource(Durability.class)
    void durability_with_queue_kafka_is_refused(Durability durability) {
        assertThatIllegalArgumentException().isThrownBy(() -> kafka().durability(durability).build())
                .withMessageStartingWith("--durability applies to --queue local only");
    }

    @ParameterizedTest
    @EnumSource(value = Role.class, names = {"INGEST", "WRITER"})
    void a_role_other_than_both_needs_queue_kafka(Role role) {
        String name = role.name().toLowerCase(java.util.Locale.ROOT);
        assertThatIllegalArgumentException().isThrownBy(() -> Config.builder().role(role).build())
                .withMessageStartingWith("--role " + name + " needs --queue kafka");
        assertThat(kafka().role(role).dbUrl("jdbc:mysql://db/events").build().role()).isEqualTo(role);
    }

    @Test
    void a_writer_needs_a_database_url() {
        assertThatIllegalArgumentException().isThrownBy(() -> kafka().role(Role.WRITER).build())
                .withMessageStartingWith("--role writer needs --db-url");
        assertThat(kafka().role(Role.INGEST).build().dbUrl()).as("an ingest node needs none").isNull();
    }

    @Test
    void kafka_flags_without_queue_kafka_are_refused() {
        assertThatIllegalArgumentException().isThrownBy(() -> Config.builder().kafkaBootstrap("b:1").build())
                .withMessageStartingWith("--kafka-bootstrap and --kafka-config need --queue kafka");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Config.builder().kafkaConfig(Path.of("kafka.properties")).build())
                .withMessageStartingWith("--kafka-bootstrap and --kafka-config need --queue kafka");
    }

    @Test
    void queue_kafka_needs_the_bootstrap_flag_or_a_file() {
        assertThatIllegalArgumentException().isThrownBy(() -> Config.builder().queue(QueueMode.KAFKA).build())
                .withMessageStartingWith("--queue kafka needs --kafka-bootstrap");
        assertThat(Config.builder().queue(QueueMode.KAFKA).kafkaConfig(Path.of("k.properties")).build()
                .kafkaBootstrap()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"events", "a", "Shop.Events_v2-eu", "..."})
    void a_topic_name_of_kafkas_characters_is_accepted(String topic) {
        assertThat(kafka().kafkaTopic(topic).build().kafkaTopic()).isEqualTo(topic);
        assertThat(kafka().kafkaTopic("t".repeat(249)).build().kafkaTopic()).hasSize(249);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "my topic", "events/eu", "événements", "a:b", ".", ".."})
    void a_topic_name_kafka_would_refuse_is_refused(String topic) {
        assertThatIllegalArgumentException().isThrownBy(() -> kafka().kafkaTopic(topic).build())
                .withMessageStartingWith("--kafka-topic must be");
    }

    @Test
    void a_topic_name_longer_than_249_is_refused() {
        assertThatIllegalArgumentException().isThrownBy(() -> kafka().kafkaTopic("t".repeat(250)).build())
                .withMessageStartingWith("--kafka-topic must be 1 to 249");
    }

    @Test
    void the_ack_timeout_and_partitions_have_bounds() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> kafka().kafkaAckTimeout(Duration.ofMillis(99)).build())
                .withMessageStartingWith("--kafka-ack-timeout must be between 100ms and 1m, got 99ms");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> kafka().kafkaAckTimeout(Duration.ofSeconds(61)).build())
                .withMessageStartingWith("--kafka-ack-timeout must be between 100ms and 1m");
        assertThatIllegalArgumentException().isThrownBy(() -> kafka().kafkaPartitions(0).build())
                .withMessageStartingWith("--kafka-partitions must be between 1 and 10000, got 0");
        assertThat(kafka().kafkaPartitions(10_000).kafkaAckTimeout(Duration.ofMinutes(1)).build().kafkaPartitions())
                .isEqualTo(10_000);
    }
}
