package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.QueueMode;
import io.eventpipeline.errors.StartupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kafka clients' settings without a broker: the layers (service defaults, then the --kafka-config file, its
 * producer./consumer./admin. keys reaching that client alone, then --kafka-bootstrap), the settings the guarantees
 * rest on (refused with exit code 2 if the file changes them, accepted if it repeats them), and the refusals of an
 * unreadable file, an ack timeout the producer could outlast and a missing bootstrap.
 */
class KafkaSettingsTest {
    static {
        // The admin client's configuration dump, only if this JVM has not logged Kafka yet.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "warn");
    }

    @TempDir
    Path dir;

    private Config.Builder kafka() {
        return Config.builder().queue(QueueMode.KAFKA).kafkaBootstrap("flag-broker:9092");
    }

    private Path file(String... lines) throws IOException {
        return Files.writeString(Files.createTempFile(dir, "kafka", ".properties"), String.join("\n", lines) + "\n");
    }

    private KafkaSettings withFile(String... lines) throws Exception {
        return KafkaSettings.of(kafka().kafkaConfig(file(lines)).build());
    }

    @Test
    void without_a_file_the_clients_get_the_service_defaults_and_the_fixed_settings() throws Exception {
        KafkaSettings s = KafkaSettings.of(kafka().batchSize(77).queueMaxBytes(4 << 20)
                .kafkaAckTimeout(Duration.ofSeconds(3)).build());

        Properties producer = s.producer();
        assertThat(producer).containsEntry("bootstrap.servers", "flag-broker:9092").containsEntry("acks", "all")
                .containsEntry("enable.idempotence", "true").containsEntry("linger.ms", "5")
                .containsEntry("compression.type", "lz4").containsEntry("buffer.memory", Long.toString(4 << 20))
                .containsEntry("max.block.ms", "3000");
        Properties consumer = s.consumer();
        assertThat(consumer).containsEntry("bootstrap.servers", "flag-broker:9092")
                .containsEntry("group.id", KafkaSettings.DEFAULT_GROUP).containsEntry("enable.auto.commit", "false")
                .containsEntry("group.protocol", "consumer").containsEntry("auto.offset.reset", "earliest")
                .containsEntry("max.poll.records", "77");
        assertThat(s.group()).isEqualTo("event-pipeline");
        assertThat(s.bootstrap()).isEqualTo("flag-broker:9092");
        assertThat(s.admin(Duration.ofSeconds(20))).containsEntry("bootstrap.servers", "flag-broker:9092")
                .containsEntry("default.api.timeout.ms", "20000").doesNotContainKey("acks");
    }

    @Test
    void the_file_overrides_the_defaults_and_the_bootstrap_flag_overrides_the_file() throws Exception {
        KafkaSettings s = withFile("bootstrap.servers=file-broker:9092", "linger.ms=20", "group.id=billing",
                "security.protocol=PLAINTEXT", "max.poll.records=9");

        for (Properties p : new Properties[] {s.producer(), s.consumer(), s.admin(Duration.ofSeconds(1))}) {
            assertThat(p).containsEntry("bootstrap.servers", "flag-broker:9092")
                    .containsEntry("security.protocol", "PLAINTEXT");
        }
        assertThat(s.bootstrap()).isEqualTo("flag-broker:9092");
        assertThat(s.producer()).containsEntry("linger.ms", "20");
        assertThat(s.consumer()).containsEntry("max.poll.records", "9").containsEntry("group.id", "billing");
        assertThat(s.group()).isEqualTo("billing");

        KafkaSettings fileOnly = KafkaSettings.of(Config.builder().queue(QueueMode.KAFKA)
                .kafkaConfig(file("bootstrap.servers=file-broker:9092")).build());
        assertThat(fileOnly.bootstrap()).isEqualTo("file-broker:9092");
        assertThat(fileOnly.consumer()).containsEntry("bootstrap.servers", "file-broker:9092");
    }

    @Test
    void a_prefixed_key_reaches_only_its_own_client_without_the_prefix() throws Exception {
        KafkaSettings s = withFile("producer.linger.ms=50", "consumer.group.id=orders",
                "consumer.max.poll.records=7", "admin.retries=4", "client.rack=rack-a");

        assertThat(s.producer()).containsEntry("linger.ms", "50").doesNotContainKeys("max.poll.records", "retries",
                "producer.linger.ms");
        assertThat(s.consumer()).containsEntry("group.id", "orders").containsEntry("max.poll.records", "7")
                .doesNotContainKeys("linger.ms", "retries", "consumer.group.id");
        assertThat(s.admin(Duration.ofSeconds(1))).containsEntry("retries", "4")
                .doesNotContainKeys("linger.ms", "group.id", "max.poll.records");
        assertThat(s.group()).isEqualTo("orders");
        for (Properties p : new Properties[] {s.producer(), s.consumer(), s.admin(Duration.ofSeconds(1))}) {
            assertThat(p).as("an unprefixed key reaches all three").containsEntry("client.rack", "rack-a");
        }
    }

    /**
     * The more specific key wins, as in Kafka Connect's worker files, whatever their order in the file and however
     * the keys hash: a file's entries have no order once loaded.
     */
    @Test
    void a_prefixed_key_wins_over_the_same_key_unprefixed() throws Exception {
        String[] keys = {"linger.ms", "batch.size", "retries", "client.rack", "request.timeout.ms", "send.buffer.bytes",
                "receive.buffer.bytes", "metadata.max.age.ms", "reconnect.backoff.ms", "retry.backoff.ms",
                "connections.max.idle.ms", "socket.connection.setup.timeout.ms"};
        for (String key : keys) {
            KafkaSettings s = withFile(key + "=1111", "producer." + key + "=2222", "consumer." + key + "=3333",
                    "admin." + key + "=4444");
            assertThat(s.producer().getProperty(key)).as("producer's " + key).isEqualTo("2222");
            assertThat(s.consumer().getProperty(key)).as("consumer's " + key).isEqualTo("3333");
            assertThat(s.admin(Duration.ofSeconds(10)).getProperty(key)).as("admin's " + key).isEqualTo("4444");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"acks=1", "acks=0", "producer.acks=1", "enable.idempotence=false",
        "producer.enable.idempotence=false", "enable.auto.commit=true", "consumer.enable.auto.commit=true",
        "group.protocol=classic", "consumer.group.protocol=classic", "auto.offset.reset=latest",
        "consumer.auto.offset.reset=none",
        "key.serializer=org.apache.kafka.common.serialization.StringSerializer",
        "value.serializer=org.apache.kafka.common.serialization.StringSerializer",
        "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
        "consumer.value.deserializer=org.apache.kafka.common.serialization.StringDeserializer"})
    void a_file_that_changes_a_setting_the_guarantees_rest_on_is_refused_with_exit_code_2(String line)
            throws Exception {
        String key = line.substring(0, line.indexOf('=')).replaceFirst("^(producer|consumer)\\.", "");
        String value = line.substring(line.indexOf('=') + 1);
        Path file = file("bootstrap.servers=b:1", line);

        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(file).build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageStartingWith("--kafka-config sets " + key + "=" + value + ", but the service needs "
                        + key + "=");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"group.instance.id=writer-1", "consumer.group.instance.id=w",
        "transactional.id=tx", "producer.transactional.id=tx"})
    void a_file_that_sets_what_the_service_cannot_use_is_refused_naming_the_key(String line) throws Exception {
        String key = line.substring(0, line.indexOf('=')).replaceFirst("^(producer|consumer)\\.", "");
        Path file = file("bootstrap.servers=b:1", line);

        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(file).build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageStartingWith("--kafka-config sets " + key + ", which the service cannot use: ");
    }

    @Test
    void a_max_block_longer_than_the_ack_timeout_is_refused_and_a_shorter_one_kept() throws Exception {
        Path longer = file("bootstrap.servers=b:1", "producer.max.block.ms=60000");

        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(longer).kafkaAckTimeout(Duration.ofSeconds(5))
                .build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageStartingWith("--kafka-config sets max.block.ms=60000, longer than --kafka-ack-timeout (5s)");
        assertThat(withFile("max.block.ms=1000").producer()).containsEntry("max.block.ms", "1000");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"acks=all", "acks=-1", "acks= ALL ", "producer.acks=-1", "enable.idempotence=true",
        "enable.idempotence=TRUE", "enable.auto.commit=false", "group.protocol=consumer", "group.protocol=CONSUMER",
        "auto.offset.reset=earliest", "key.serializer=org.apache.kafka.common.serialization.ByteArraySerializer",
        "consumer.value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer"})
    void a_file_that_repeats_a_fixed_setting_is_accepted(String line) throws Exception {
        KafkaSettings s = withFile(line);

        assertThat(s.producer()).containsEntry("acks", "all").containsEntry("enable.idempotence", "true");
        assertThat(s.consumer()).containsEntry("enable.auto.commit", "false")
                .containsEntry("group.protocol", "consumer").containsEntry("auto.offset.reset", "earliest");
    }

    @Test
    void a_missing_file_is_named_with_its_reason_and_exit_code_1() {
        Path missing = dir.resolve("absent.properties");

        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(missing).build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.UNAVAILABLE))
                .hasMessage("cannot read the Kafka client properties " + missing
                        + " (--kafka-config): no such file or directory");
    }

    @Test
    void a_directory_given_as_the_file_is_named_with_its_reason() {
        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(dir).build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.UNAVAILABLE))
                .hasMessageStartingWith("cannot read the Kafka client properties " + dir + " (--kafka-config): ")
                .hasMessageContaining("directory");
    }

    @Test
    void a_malformed_file_is_a_bad_value() throws Exception {
        Path file = file("linger.ms=\\u00zz");

        assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(file).build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageStartingWith("the Kafka client properties " + file + " (--kafka-config) are malformed: ");
    }

    @Test
    void an_ack_timeout_not_shorter_than_the_producers_delivery_timeout_is_refused() throws Exception {
        Path equal = file("delivery.timeout.ms=5000");
        Path longer = file("producer.delivery.timeout.ms=4000");

        for (Path file : new Path[] {equal, longer}) {
            assertThatThrownBy(() -> KafkaSettings.of(kafka().kafkaConfig(file)
                    .kafkaAckTimeout(Duration.ofSeconds(5)).build()))
                    .isInstanceOfSatisfying(StartupException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                    .hasMessageStartingWith("--kafka-ack-timeout (5s) must be shorter than the producer's "
                            + "delivery.timeout.ms (");
        }
        assertThat(KafkaSettings.of(kafka().kafkaConfig(file("delivery.timeout.ms=5001"))
                .kafkaAckTimeout(Duration.ofSeconds(5)).build()).producer())
                .containsEntry("delivery.timeout.ms", "5001");
        assertThatThrownBy(() -> withFile("delivery.timeout.ms=soon"))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageContaining("delivery.timeout.ms=soon");
    }

    /**
     * A request timeout longer than the start's wait, as some managed Kafka services recommend (60 s), must still
     * make an admin client: Kafka refuses one whose default.api.timeout.ms is below its request.timeout.ms.
     */
    @Test
    void a_long_request_timeout_in_the_file_still_makes_an_admin_client_bounded_by_the_wait() throws Exception {
        for (String line : new String[] {"request.timeout.ms=60000", "admin.request.timeout.ms=60000",
            "default.api.timeout.ms=10000"}) {
            Properties admin = KafkaSettings.of(kafka().kafkaBootstrap("127.0.0.1:9").kafkaConfig(file(line)).build())
                    .admin(Duration.ofSeconds(20));

            long api = Long.parseLong(admin.getProperty("default.api.timeout.ms"));
            assertThat(api).as(line).isLessThanOrEqualTo(20_000);
            assertThat(Long.parseLong(admin.getProperty("request.timeout.ms"))).as(line).isLessThanOrEqualTo(api);
            Admin client = Admin.create(admin); // refused with a ConfigException before the fix
            client.close(Duration.ZERO);
        }
    }

    /**
     * An event larger than the producer's max.request.size is refused by the producer at every send: the client
     * would be answered 503 (broker unavailable) and retry it forever. Such settings are refused at start.
     */
    @Test
    void an_event_limit_that_does_not_fit_in_one_record_is_refused_on_an_ingesting_node() throws Exception {
        Config.Builder big = kafka().maxEventBytes(2 << 20).maxBodyBytes(4 << 20);

        assertThatThrownBy(() -> KafkaSettings.of(big.build()))
                .isInstanceOfSatisfying(StartupException.class,
                        e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                .hasMessageStartingWith("--max-event-bytes (2MiB) does not fit in one Kafka record: the producer's "
                        + "max.request.size is 1048576 bytes");
        assertThatThrownBy(() -> KafkaSettings.of(kafka().maxEventBytes((1 << 20) - 1000).build()))
                .hasMessageStartingWith("--max-event-bytes");
        assertThat(KafkaSettings.of(big.kafkaConfig(file("producer.max.request.size=3000000")).build()).producer())
                .containsEntry("max.request.size", "3000000");
        assertThat(KafkaSettings.of(kafka().maxEventBytes(2 << 20).maxBodyBytes(4 << 20)
                .role(io.eventpipeline.config.Role.WRITER).dbUrl("jdbc:mysql://db/events").build()).group())
                .as("a writer produces nothing")
                .isEqualTo(KafkaSettings.DEFAULT_GROUP);
        assertThat(KafkaSettings.of(kafka().maxEventBytes((1 << 20) - KafkaSettings.RECORD_MARGIN).build())
                .producer()).doesNotContainKey("max.request.size");
    }

    @Test
    void no_bootstrap_in_the_flag_or_the_file_is_refused_naming_both() throws Exception {
        for (Path file : new Path[] {file("linger.ms=5"), file("bootstrap.servers= "),
            file("producer.bootstrap.servers=only-the-producer:9092")}) {
            assertThatThrownBy(() -> KafkaSettings.of(Config.builder().queue(QueueMode.KAFKA).kafkaConfig(file)
                    .build()))
                    .isInstanceOfSatisfying(StartupException.class,
                            e -> assertThat(e.exitCode()).isEqualTo(StartupException.BAD_VALUE))
                    .hasMessageContaining("--kafka-bootstrap").hasMessageContaining("bootstrap.servers in " + file);
        }
    }
}
