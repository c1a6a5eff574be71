package io.eventpipeline.kafka;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Units;
import io.eventpipeline.errors.IoReason;
import io.eventpipeline.errors.StartupException;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka client settings of the producer, the consumers and the admin client, from four layers, each overriding
 * the one before: the service's defaults; the {@code --kafka-config} properties file (a key prefixed
 * {@code producer.}, {@code consumer.} or {@code admin.} applies to that client alone, the prefix cut, as Kafka
 * Connect's worker files do, and wins over the same key unprefixed; any other key applies to all three);
 * {@code --kafka-bootstrap}; and the settings the guarantees rest on, which the file may repeat but not change
 * (acks=all, idempotence, offsets committed by the service after the database commit, the KIP-848 group protocol,
 * reading a new group from the earliest offset).
 */
public final class KafkaSettings {
    /** The consumer group of the writers when the file names none. */
    public static final String DEFAULT_GROUP = "event-pipeline";
    /** Bytes one consumer fetches at most per request: the writers' heap stays bounded (Kafka's default is 50 MiB). */
    static final int FETCH_MAX_BYTES = 8 << 20;
    /**
     * Bytes a record holds beyond the event's data, at most: its id, type, source, user id, key name and refusal
     * (EventCodec), the record's key and Kafka's record overhead. A record over the producer's max.request.size is
     * refused at every send, which a client would see as a 503 to retry forever.
     */
    static final int RECORD_MARGIN = 16 << 10;

    private final Properties producer;
    private final Properties consumer;
    private final Properties admin;
    private final String bootstrap;

    private KafkaSettings(Properties producer, Properties consumer, Properties admin) {
        this.producer = producer;
        this.consumer = consumer;
        this.admin = admin;
        this.bootstrap = admin.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /**
     * Reads {@code --kafka-config} and builds the three clients' settings.
     *
     * @throws StartupException when the file cannot be read, names no brokers where the flag is absent, or changes
     *                          a setting the guarantees rest on (the message names the setting and why)
     */
    public static KafkaSettings of(Config config) throws StartupException {
        Map<String, String> file = config.kafkaConfig() == null ? Map.of() : read(config);
        String clientId = "event-pipeline-" + hostName();

        Properties producer = new Properties();
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-producer");
        producer.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        producer.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // The producer's buffer is this mode's bounded queue: full, a send waits for at most the ack timeout, then 503.
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(config.queueMaxBytes()));
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.kafkaAckTimeout().toMillis()));
        Properties consumer = new Properties();
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-writer");
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, DEFAULT_GROUP);
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(config.batchSize()));
        consumer.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(FETCH_MAX_BYTES));
        Properties admin = new Properties();
        admin.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId + "-admin");

        // Unprefixed keys first, so that a prefixed one wins over the same key unprefixed: a loaded file's keys
        // have no order.
        for (Map.Entry<String, String> e : file.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith("producer.") && !key.startsWith("consumer.") && !key.startsWith("admin.")) {
                producer.put(key, e.getValue());
                consumer.put(key, e.getValue());
                admin.put(key, e.getValue());
            }
        }
        for (Map.Entry<String, String> e : file.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("producer.")) {
                producer.put(key.substring("producer.".length()), e.getValue());
            } else if (key.startsWith("consumer.")) {
                consumer.put(key.substring("consumer.".length()), e.getValue());
            } else if (key.startsWith("admin.")) {
                admin.put(key.substring("admin.".length()), e.getValue());
            }
        }
        if (config.kafkaBootstrap() != null) {
            for (Properties p : new Properties[] {producer, consumer, admin}) {
                p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.kafkaBootstrap());
            }
        }
        for (Properties p : new Properties[] {producer, consumer, admin}) {
            String servers = p.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
            if (servers == null || servers.isBlank()) {
                throw StartupException.badValue("--queue kafka needs the brokers: --kafka-bootstrap host:port, or "
                        + "bootstrap.servers in " + config.kafkaConfig() + " (--kafka-config)");
            }
        }

        fix(producer, ProducerConfig.ACKS_CONFIG, "all", "-1",
                "a 202 must mean that every in-sync replica has the event");
        fix(producer, ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", null,
                "a retried send must not write an event twice or out of order");
        fix(producer, ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(), null,
                "the service writes its own records");
        fix(producer, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName(), null,
                "the service writes its own records");
        fix(consumer, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false", null,
                "offsets are committed only after the database has committed the events");
        fix(consumer, ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer", null,
                "the writers use the KIP-848 consumer group protocol, whose session settings live on the broker");
        fix(consumer, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", null,
                "a new consumer group must read what ingest nodes wrote before it existed");
        fix(consumer, ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(), null,
                "the service reads its own records");
        fix(consumer, ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(), null,
                "the service reads its own records");

        forbid(consumer, ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "every consumer of every writer node would "
                + "share it, and each would fence the others out of the group");
        forbid(producer, ProducerConfig.TRANSACTIONAL_ID_CONFIG, "the service produces without transactions "
                + "(idempotence and acks=all are its guarantee), and a transactional producer refuses such sends");
        long blockMs = longSetting(producer, ProducerConfig.MAX_BLOCK_MS_CONFIG, config.kafkaAckTimeout().toMillis());
        if (blockMs > config.kafkaAckTimeout().toMillis()) {
            throw StartupException.badValue("--kafka-config sets max.block.ms=" + blockMs + ", longer than "
                    + "--kafka-ack-timeout (" + Units.formatDuration(config.kafkaAckTimeout()) + "): a send could "
                    + "then hold a request past the time it must be answered in; leave it out, or lower it");
        }
        long maxRequest = longSetting(producer, ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1 << 20);
        if (config.role().ingests() && config.maxEventBytes() + RECORD_MARGIN > maxRequest) {
            throw StartupException.badValue("--max-event-bytes (" + Units.formatSize(config.maxEventBytes())
                    + ") does not fit in one Kafka record: the producer's max.request.size is " + maxRequest
                    + " bytes, and an event's other fields take up to " + Units.formatSize(RECORD_MARGIN)
                    + "; lower --max-event-bytes, or raise max.request.size in --kafka-config (and the topic's "
                    + "max.message.bytes on the brokers)");
        }
        long deliveryMs = longSetting(producer, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        if (config.kafkaAckTimeout().toMillis() >= deliveryMs) {
            throw StartupException.badValue("--kafka-ack-timeout (" + Units.formatDuration(config.kafkaAckTimeout())
                    + ") must be shorter than the producer's delivery.timeout.ms (" + deliveryMs + " ms), or a "
                    + "request could be answered before the producer has given up on its events");
        }
        return new KafkaSettings(producer, consumer, admin);
    }

    /** Refuses a file that sets {@code key} at all, saying {@code why}. */
    private static void forbid(Properties p, String key, String why) throws StartupException {
        if (p.get(key) != null) {
            throw StartupException.badValue("--kafka-config sets " + key + ", which the service cannot use: " + why);
        }
    }

    /**
     * Sets {@code key} to {@code value}; a file that set it to something else (other than {@code alias}) refuses
     * the start, with {@code why}.
     */
    private static void fix(Properties p, String key, String value, String alias, String why)
            throws StartupException {
        Object given = p.get(key);
        if (given != null) {
            String v = given.toString().strip();
            if (!v.equalsIgnoreCase(value) && (alias == null || !v.equalsIgnoreCase(alias))) {
                throw StartupException.badValue("--kafka-config sets " + key + "=" + v + ", but the service needs "
                        + key + "=" + value + ": " + why);
            }
        }
        p.put(key, value);
    }

    private static long longSetting(Properties p, String key, long fallback) throws StartupException {
        Object v = p.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.toString().strip());
        } catch (NumberFormatException e) {
            throw StartupException.badValue("--kafka-config sets " + key + "=" + v + ", which is not a whole number");
        }
    }

    private static Map<String, String> read(Config config) throws StartupException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(config.kafkaConfig(), StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new StartupException("cannot read the Kafka client properties " + config.kafkaConfig()
                    + " (--kafka-config): " + IoReason.of(e));
        } catch (IllegalArgumentException e) {
            throw StartupException.badValue("the Kafka client properties " + config.kafkaConfig() + " (--kafka-config) "
                    + "are malformed: " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : p.stringPropertyNames()) {
            out.put(name.strip(), p.getProperty(name).strip());
        }
        return out;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    /** A copy of the producer's settings. */
    public Properties producer() {
        return copy(producer);
    }

    /** A copy of the consumers' settings, each consumer adding its own client id suffix. */
    public Properties consumer() {
        return copy(consumer);
    }

    /**
     * A copy of the admin client's settings, with every call bounded by {@code timeout}: the file's
     * default.api.timeout.ms and request.timeout.ms are cut to it, the request's to the call's at most, as the admin
     * client refuses a request timeout longer than its calls' (a file may set 60 s for the producer and consumers).
     */
    public Properties admin(Duration timeout) {
        Properties p = copy(admin);
        long api = Math.min(millis(p, CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, timeout.toMillis()),
                timeout.toMillis());
        long request = Math.min(millis(p, CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 30_000), api);
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(api));
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(request));
        return p;
    }

    /** A setting in ms, or {@code fallback} when it is absent or not a number. */
    private static long millis(Properties p, String key, long fallback) {
        try {
            Object v = p.get(key);
            return v == null ? fallback : Long.parseLong(v.toString().strip());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** The brokers, as the clients were given them: for logs and messages. */
    public String bootstrap() {
        return bootstrap;
    }

    /** The writers' consumer group. */
    public String group() {
        return consumer.getProperty(ConsumerConfig.GROUP_ID_CONFIG);
    }

    private static Properties copy(Properties p) {
        Properties c = new Properties();
        c.putAll(p);
        return c;
    }
}
