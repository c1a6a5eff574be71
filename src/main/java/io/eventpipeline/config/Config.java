package io.eventpipeline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Every setting of the service, validated once here; nothing changes it after start.
 *
 * @param host          the address to listen on, or null to decide from the keys: every interface with API keys,
 *                      loopback only without
 * @param dbUrl         JDBC URL of MySQL/MariaDB, or null for the embedded H2 database under {@code dataDir}
 * @param apiKeysFile   a file of API key lines, or null
 * @param apiKeys       API key lines from the environment, or null
 * @param rateLimit     events per second per API key, or 0 for no limit; browser keys have their own
 * @param corsOrigins   the origins whose pages may post to the browser routes ({@code --cors-origins})
 * @param browserRateLimit events per second per browser key ({@code write-browser}), always on
 * @param durability    what a 202 promises with {@code --queue local}; null with {@code --queue kafka}, where the
 *                      broker's acknowledgement (acks=all) is the promise
 * @param journalFlushInterval with {@link Durability#JOURNAL_ASYNC}, the least time between the starts of two forces
 *                      of the journal, 1ms to 10s: a power loss may lose about the last max(interval, one force's
 *                      time) + one force's time of 202s (an event written just after a force began waits for it
 *                      to end and for the next one); validated always, used by that tier only
 * @param kafkaBootstrap host:port[,host:port...] of Kafka brokers, or null to take bootstrap.servers from
 *                      {@code kafkaConfig}; null in local mode
 * @param kafkaConfig   a Kafka client properties file, or null
 * @param kafkaAckTimeout the longest an ingest request waits for the broker's acknowledgement before its 503
 * @param kafkaPartitions partitions of the topic when the service creates it (it never changes an existing one)
 * @param mqtt          the MQTT source, or null without {@code --mqtt-url}
 */
public record Config(
        String host,
        int port,
        int workers,
        int queueCapacity,
        long queueMaxBytes,
        int batchSize,
        Duration batchLinger,
        String dbUrl,
        String dbUser,
        String dbPassword,
        int dbPoolSize,
        int maxRetries,
        Duration shutdownTimeout,
        Duration idleTimeout,
        long maxBodyBytes,
        int maxBatchEvents,
        long maxEventBytes,
        Durability durability,
        Duration journalFlushInterval,
        Path dataDir,
        Path apiKeysFile,
        String apiKeys,
        boolean insecureNoAuth,
        double rateLimit,
        CorsOrigins corsOrigins,
        double browserRateLimit,
        boolean metricsNeedKey,
        QueueMode queue,
        Role role,
        String kafkaBootstrap,
        String kafkaTopic,
        Path kafkaConfig,
        Duration kafkaAckTimeout,
        int kafkaPartitions,
        MqttConfig mqtt) {

    static final int DEFAULT_PORT = 8080;

    public Config {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(kafkaAckTimeout, "kafkaAckTimeout");
        if (queue == QueueMode.KAFKA) {
            require(durability == null, "--durability applies to --queue local only: with --queue kafka a 202 means "
                    + "the broker acknowledged the events (acks=all), so leave --durability out");
            require(kafkaTopic != null && kafkaTopic.matches("[a-zA-Z0-9._-]{1,249}")
                    && !kafkaTopic.equals(".") && !kafkaTopic.equals(".."), "--kafka-topic must be 1 to 249 "
                    + "letters, digits, '.', '_' or '-', and not . or .. (Kafka's rule), got '" + kafkaTopic + "'");
            require(kafkaBootstrap != null || kafkaConfig != null, "--queue kafka needs --kafka-bootstrap (or "
                    + "bootstrap.servers in --kafka-config)");
            require(kafkaAckTimeout.compareTo(Duration.ofMillis(100)) >= 0
                    && kafkaAckTimeout.compareTo(Duration.ofMinutes(1)) <= 0,
                    "--kafka-ack-timeout must be between 100ms and 1m, got " + Units.formatDuration(kafkaAckTimeout));
            require(role != Role.WRITER || dbUrl != null, "--role writer needs --db-url: the writers store into one "
                    + "shared database, and an embedded one per writer would split the events between nodes");
            require(kafkaPartitions >= 1 && kafkaPartitions <= 10_000,
                    "--kafka-partitions must be between 1 and 10000, got " + kafkaPartitions);
        } else {
            require(role == Role.BOTH, "--role " + role.name().toLowerCase(java.util.Locale.ROOT) + " needs --queue "
                    + "kafka: with the local journal one process ingests and stores");
            require(kafkaBootstrap == null && kafkaConfig == null, "--kafka-bootstrap and --kafka-config need "
                    + "--queue kafka");
            durability = durability == null ? Durability.JOURNAL : durability;
        }
        require(mqtt == null || role.ingests(), "--mqtt-url needs a node that ingests: --role writer only stores "
                + "what ingest nodes produced");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(batchLinger, "batchLinger");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(journalFlushInterval, "journalFlushInterval");
        require(host == null || !host.isBlank(), "--host must not be empty");
        // An empty path is the working directory: never what an operator who left the value empty meant.
        require(!dataDir.toString().isBlank(), "--data-dir must not be empty");
        require(rateLimit >= 0 && rateLimit < 1e9, "--rate-limit must be 0 (off) or a positive number of events "
                + "per second, got " + rateLimit);
        Objects.requireNonNull(corsOrigins, "corsOrigins");
        // A public key's limit cannot be off: it bounds what anyone who copies the key from a page may send.
        require(browserRateLimit > 0 && browserRateLimit < 1e9, "--browser-rate-limit must be a positive number "
                + "of events per second (below 1e9), got " + browserRateLimit);
        require(port >= 0 && port <= 65535, "--port must be between 0 and 65535, got " + port);
        require(workers >= 1 && workers <= 1024, "--workers must be between 1 and 1024, got " + workers);
        require(queueCapacity >= 1, "--queue-capacity must be at least 1, got " + queueCapacity);
        require(batchSize >= 1 && batchSize <= 10_000, "--batch-size must be between 1 and 10000, got " + batchSize);
        require(!batchLinger.isNegative() && batchLinger.compareTo(Duration.ofSeconds(10)) <= 0,
                "--batch-linger must be between 0 and 10s, got " + Units.formatDuration(batchLinger));
        require(dbPoolSize >= 1 && dbPoolSize <= 1024, "--db-pool-size must be between 1 and 1024, got " + dbPoolSize);
        require(maxRetries >= 0, "--max-retries must not be negative, got " + maxRetries);
        require(!shutdownTimeout.isNegative(), "--shutdown-timeout must not be negative");
        // Above 0, or the syncer would force without pause; up to 10s, past which "a power loss loses at most the
        // interval" stops being a small loss (PostgreSQL's wal_writer_delay stops at 10s as well).
        require(journalFlushInterval.compareTo(Duration.ofMillis(1)) >= 0
                        && journalFlushInterval.compareTo(Duration.ofSeconds(10)) <= 0,
                "--journal-flush-interval must be between 1ms and 10s, got "
                        + (journalFlushInterval.toNanos() % 1_000_000 == 0 ? Units.formatDuration(journalFlushInterval)
                                : journalFlushInterval.toNanos() + "ns"));
        require(idleTimeout.compareTo(Duration.ofSeconds(1)) >= 0 && idleTimeout.compareTo(Duration.ofHours(1)) <= 0,
                "--idle-timeout must be between 1s and 1h, got " + Units.formatDuration(idleTimeout));
        require(maxEventBytes >= 2, "--max-event-bytes must be at least 2 bytes, got " + maxEventBytes);
        require(maxBodyBytes >= 64, "--max-body-bytes must be at least 64 bytes, got " + maxBodyBytes);
        require(maxBodyBytes <= Integer.MAX_VALUE - 8, "--max-body-bytes must be under 2GiB");
        require(maxBatchEvents >= 1, "--max-batch-events must be at least 1, got " + maxBatchEvents);
        require(queueMaxBytes >= maxEventBytes,
                "--queue-max-bytes (" + Units.formatSize(queueMaxBytes) + ") must be at least --max-event-bytes ("
                        + Units.formatSize(maxEventBytes) + "), or no event could ever be queued");
        require(queueCapacity >= maxBatchEvents, "--queue-capacity (" + queueCapacity
                + ") must be at least --max-batch-events (" + maxBatchEvents + "), or a full batch could never be queued");
        if (dbUrl != null) {
            require(dbUrl.startsWith("jdbc:mysql:") || dbUrl.startsWith("jdbc:mariadb:") || dbUrl.startsWith("jdbc:h2:"),
                    "--db-url must be a jdbc:mysql:, jdbc:mariadb: or jdbc:h2: URL, got '" + redactUrl(dbUrl) + "'");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The database URL to use: the given one, or the embedded H2 file database under the data directory. */
    public String effectiveDbUrl() {
        if (dbUrl != null) {
            // mysql-connector-j speaks to MariaDB too; it is the one driver in the jar.
            return dbUrl.startsWith("jdbc:mariadb:") ? "jdbc:mysql:" + dbUrl.substring("jdbc:mariadb:".length()) : dbUrl;
        }
        return "jdbc:h2:file:" + dataDir.resolve("h2").resolve("events").toAbsolutePath();
    }

    /** Whether the database is H2 inside this process; no caller outside this package needs to ask. */
    boolean embeddedDatabase() {
        return dbUrl == null || dbUrl.startsWith("jdbc:h2:");
    }

    /** The URL without any password= parameter or user:password@ part, for logs and error messages. */
    public static String redactUrl(String url) {
        // The user info may over-redact when an '@' appears later in the URL: better than showing a password.
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***").replaceAll("(//[^/?#@:]*:)[^@]*@", "$1***@");
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().host(host).port(port).workers(workers).queueCapacity(queueCapacity)
                .queueMaxBytes(queueMaxBytes).batchSize(batchSize).batchLinger(batchLinger).dbUrl(dbUrl)
                .dbUser(dbUser).dbPassword(dbPassword).dbPoolSize(dbPoolSize).maxRetries(maxRetries)
                .shutdownTimeout(shutdownTimeout).idleTimeout(idleTimeout).maxBodyBytes(maxBodyBytes)
                .maxBatchEvents(maxBatchEvents).maxEventBytes(maxEventBytes).durability(durability)
                .journalFlushInterval(journalFlushInterval).dataDir(dataDir).apiKeysFile(apiKeysFile).apiKeys(apiKeys)
                .insecureNoAuth(insecureNoAuth).rateLimit(rateLimit)
                .corsOrigins(String.join(",", corsOrigins.entries())).browserRateLimit(browserRateLimit)
                .metricsNeedKey(metricsNeedKey).queue(queue).role(role).kafkaBootstrap(kafkaBootstrap)
                .kafkaTopic(kafkaTopic).kafkaConfig(kafkaConfig).kafkaAckTimeout(kafkaAckTimeout)
                .kafkaPartitions(kafkaPartitions).mqttUrl(mqtt == null ? null : mqtt.url())
                .mqttTopics(mqtt == null ? null : String.join(",", mqtt.topics()))
                .mqttClientId(mqtt == null ? null : mqtt.clientId()).mqttUsername(mqtt == null ? null : mqtt.username())
                .mqttPassword(mqtt == null ? null : mqtt.password()).mqttIdField(mqtt == null ? null : mqtt.idField())
                .mqttRequired(mqtt != null && mqtt.required());
    }

    /**
     * Starts from the defaults: the one place they are written. The command line shows and applies them through
     * {@link #value(String)}; the tests set what they need.
     */
    public static final class Builder {
        private String host;
        private int port = DEFAULT_PORT;
        private int workers = 4;
        private int queueCapacity = 50_000;
        private long queueMaxBytes = 32L << 20;
        private int batchSize = 500;
        private Duration batchLinger = Duration.ofMillis(5);
        private String dbUrl;
        private String dbUser;
        private String dbPassword;
        private Integer dbPoolSize;
        private int maxRetries = 3;
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private Duration idleTimeout = Duration.ofSeconds(75);
        private long maxBodyBytes = 5L << 20;
        private int maxBatchEvents = 1000;
        private long maxEventBytes = 64L << 10;
        /** Null until set: JOURNAL with --queue local, refused with --queue kafka (see {@link Config}). */
        private Durability durability;
        private Duration journalFlushInterval = Duration.ofMillis(10);
        private Path dataDir = Path.of("data");
        private Path apiKeysFile;
        private String apiKeys;
        private boolean insecureNoAuth;
        private double rateLimit;
        /** Comma-separated, as the flag takes them; parsed by {@link CorsOrigins#parse}. */
        private String corsOrigins;
        private double browserRateLimit = 200;
        private boolean metricsNeedKey;
        private QueueMode queue = QueueMode.LOCAL;
        private Role role = Role.BOTH;
        private String kafkaBootstrap;
        private String kafkaTopic = "events";
        private Path kafkaConfig;
        private Duration kafkaAckTimeout = Duration.ofSeconds(5);
        private int kafkaPartitions = 12;
        private String mqttUrl;
        private String mqttTopics;
        /** Null until set: {@link MqttConfig#defaultClientId()}. */
        private String mqttClientId;
        private String mqttUsername;
        private String mqttPassword;
        private String mqttIdField;
        private boolean mqttRequired;

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder queueCapacity(int v) { queueCapacity = v; return this; }
        public Builder queueMaxBytes(long v) { queueMaxBytes = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder batchLinger(Duration v) { batchLinger = v; return this; }
        public Builder dbUrl(String v) { dbUrl = v; return this; }
        public Builder dbUser(String v) { dbUser = v; return this; }
        public Builder dbPassword(String v) { dbPassword = v; return this; }
        /** Null derives it from the worker count: one connection per worker, plus one spare. */
        public Builder dbPoolSize(Integer v) { dbPoolSize = v; return this; }
        public Builder maxRetries(int v) { maxRetries = v; return this; }
        public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
        public Builder maxBatchEvents(int v) { maxBatchEvents = v; return this; }
        public Builder maxEventBytes(long v) { maxEventBytes = v; return this; }
        public Builder durability(Durability v) { durability = v; return this; }
        /** With {@link Durability#JOURNAL_ASYNC}: the least time between the starts of two forces, 1ms to 10s. */
        public Builder journalFlushInterval(Duration v) { journalFlushInterval = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder apiKeysFile(Path v) { apiKeysFile = v; return this; }
        public Builder apiKeys(String v) { apiKeys = v; return this; }
        public Builder insecureNoAuth(boolean v) { insecureNoAuth = v; return this; }
        public Builder rateLimit(double v) { rateLimit = v; return this; }
        /** Origins, comma-separated ({@link CorsOrigins#parse}). */
        public Builder corsOrigins(String v) { corsOrigins = v; return this; }
        public Builder corsOrigins(java.util.List<String> v) { corsOrigins = String.join(",", v); return this; }
        public Builder browserRateLimit(double v) { browserRateLimit = v; return this; }
        public Builder metricsNeedKey(boolean v) { metricsNeedKey = v; return this; }
        public Builder queue(QueueMode v) { queue = v; return this; }
        public Builder role(Role v) { role = v; return this; }
        public Builder kafkaBootstrap(String v) { kafkaBootstrap = v; return this; }
        public Builder kafkaTopic(String v) { kafkaTopic = v; return this; }
        public Builder kafkaConfig(Path v) { kafkaConfig = v; return this; }
        public Builder kafkaAckTimeout(Duration v) { kafkaAckTimeout = v; return this; }
        public Builder kafkaPartitions(int v) { kafkaPartitions = v; return this; }
        public Builder mqttUrl(String v) { mqttUrl = v; return this; }
        /** Topic filters, comma-separated. */
        public Builder mqttTopics(String v) { mqttTopics = v; return this; }
        public Builder mqttClientId(String v) { mqttClientId = v; return this; }
        public Builder mqttUsername(String v) { mqttUsername = v; return this; }
        public Builder mqttPassword(String v) { mqttPassword = v; return this; }
        public Builder mqttIdField(String v) { mqttIdField = v; return this; }
        public Builder mqttRequired(boolean v) { mqttRequired = v; return this; }

        /**
         * What this builder holds for the setting named like its record component ({@code "queueMaxBytes"}): on a
         * fresh builder, its default. Null where there is none (the database URL) or where it is derived at build
         * (the pool size, from the workers). Read by name so that the defaults stay written once, above.
         *
         * @throws IllegalArgumentException if no setting has that name
         */
        public Object value(String setting) {
            try {
                return Builder.class.getDeclaredField(setting).get(this);
            } catch (NoSuchFieldException e) {
                throw new IllegalArgumentException("no setting is named " + setting, e);
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("the builder cannot read its own field " + setting, e);
            }
        }

        public Config build() {
            int pool = dbPoolSize != null ? dbPoolSize : Math.min(workers + 1, 1024);
            return new Config(blankToNull(host), port, workers, queueCapacity, queueMaxBytes, batchSize,
                    batchLinger, blankToNull(dbUrl), blankToNull(dbUser), dbPassword, pool, maxRetries, shutdownTimeout,
                    idleTimeout, maxBodyBytes, maxBatchEvents, maxEventBytes, durability, journalFlushInterval,
                    dataDir,
                    apiKeysFile == null || apiKeysFile.toString().isBlank() ? null : apiKeysFile,
                    blankToNull(apiKeys), insecureNoAuth, rateLimit, CorsOrigins.parse(corsOrigins), browserRateLimit,
                    metricsNeedKey, queue, role,
                    blankToNull(kafkaBootstrap), kafkaTopic == null ? null : kafkaTopic.strip(),
                    kafkaConfig == null || kafkaConfig.toString().isBlank() ? null : kafkaConfig, kafkaAckTimeout,
                    kafkaPartitions, mqtt());
        }

        /** The MQTT source's settings, or null without a URL; the other MQTT flags need one. */
        private MqttConfig mqtt() {
            if (blankToNull(mqttUrl) == null) {
                if (blankToNull(mqttTopics) != null || blankToNull(mqttClientId) != null
                        || blankToNull(mqttUsername) != null || blankToNull(mqttIdField) != null || mqttRequired
                        || (mqttPassword != null && !mqttPassword.isEmpty())) {
                    throw new IllegalArgumentException("the --mqtt-* flags need --mqtt-url");
                }
                return null;
            }
            java.util.List<String> topics = mqttTopics == null ? java.util.List.of()
                    : java.util.Arrays.stream(mqttTopics.split(",")).map(String::strip).filter(t -> !t.isEmpty())
                            .toList();
            String clientId = blankToNull(mqttClientId) == null ? MqttConfig.defaultClientId() : mqttClientId.strip();
            return new MqttConfig(mqttUrl, topics, clientId, blankToNull(mqttUsername),
                    mqttPassword == null || mqttPassword.isEmpty() ? null : mqttPassword,
                    blankToNull(mqttIdField) == null ? null : mqttIdField.strip(), mqttRequired);
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    @Override
    public String toString() {
        // Never print the password.
        return "Config[host=" + host + ", port=" + port + ", workers=" + workers + ", queueCapacity=" + queueCapacity
                + ", queueMaxBytes=" + queueMaxBytes + ", batchSize=" + batchSize + ", batchLinger=" + batchLinger
                + ", db=" + redactUrl(effectiveDbUrl())
                + ", dbUser=" + dbUser + ", dbPoolSize=" + dbPoolSize + ", maxRetries=" + maxRetries
                + ", shutdownTimeout=" + shutdownTimeout + ", idleTimeout=" + idleTimeout + ", maxBodyBytes="
                + maxBodyBytes + ", maxBatchEvents=" + maxBatchEvents + ", maxEventBytes=" + maxEventBytes
                + ", durability=" + durability + ", journalFlushInterval=" + journalFlushInterval + ", dataDir="
                + dataDir + ", apiKeysFile=" + apiKeysFile
                + ", apiKeys=" + (apiKeys == null ? "none" : "set") + ", insecureNoAuth=" + insecureNoAuth
                + ", rateLimit=" + rateLimit + ", corsOrigins=" + corsOrigins.entries() + ", browserRateLimit="
                + browserRateLimit + ", queue=" + queue + ", role=" + role + ", kafkaBootstrap="
                + kafkaBootstrap + ", kafkaTopic=" + kafkaTopic + ", kafkaConfig=" + kafkaConfig + ", kafkaAckTimeout="
                + kafkaAckTimeout + ", kafkaPartitions=" + kafkaPartitions + ", mqtt=" + mqtt + "]";
    }
}
