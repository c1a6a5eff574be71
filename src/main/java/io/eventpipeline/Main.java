package io.eventpipeline;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import io.eventpipeline.config.QueueMode;
import io.eventpipeline.config.Role;
import io.eventpipeline.config.Units;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.pipeline.JournalAcceptLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** The command line: parses flags (each also an environment variable), starts the service, stops it on a signal. */
@Command(name = "event-pipeline", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true, subcommands = KeysCommand.class,
        description = "Ingests events over HTTP, validates them, and stores them in MySQL/MariaDB (or an embedded "
                + "H2 database) without losing any.%n"
                + "Every flag can also be set by the environment variable named after it.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:stopped by SIGTERM or SIGINT; what was accepted is stored or kept on disk",
            "1:could not start: a file, the data directory, the port or the database is unusable or unreachable",
            "2:could not start: a flag value, an API key line or a combination of flags is wrong"})
public final class Main implements Callable<Integer> {

    @Option(names = "--host",
            description = "Address to listen on (env PIPELINE_HOST). Default: 0.0.0.0 with API keys, 127.0.0.1 "
                    + "without; another address without keys needs --insecure-no-auth")
    String host;

    @Option(names = "--port",
            description = "HTTP port; 0 picks a free one (env PIPELINE_PORT). Default: ${DEFAULT-VALUE}")
    int port;

    @Option(names = "--workers",
            description = "Workers writing batches to the database (env PIPELINE_WORKERS). Default: ${DEFAULT-VALUE}")
    int workers;

    @Option(names = "--queue-capacity",
            description = "Events the in-memory queue holds before ingest answers 503 (env PIPELINE_QUEUE_CAPACITY). "
                    + "Default: ${DEFAULT-VALUE}")
    int queueCapacity;

    @Option(names = "--queue-max-bytes",
            converter = SizeConverter.class,
            description = "Bytes the queue holds before ingest answers 503 (env PIPELINE_QUEUE_MAX_BYTES). "
                    + "Default: ${DEFAULT-VALUE}")
    long queueMaxBytes;

    @Option(names = "--batch-size",
            description = "Most events a worker writes in one INSERT (env PIPELINE_BATCH_SIZE). Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--batch-linger",
            converter = DurationConverter.class,
            description = "How long a worker waits for more events to fill a batch before it writes a smaller one; "
                    + "0ms writes whatever is queued at once (env PIPELINE_BATCH_LINGER). Default: ${DEFAULT-VALUE}")
    Duration batchLinger;

    @Option(names = "--db-url",
            description = "JDBC URL, e.g. jdbc:mysql://db:3306/events (env PIPELINE_DB_URL). "
                    + "Default: an embedded H2 database under --data-dir")
    String dbUrl;

    @Option(names = "--db-user",
            description = "Database user (env PIPELINE_DB_USER)")
    String dbUser;

    @Option(names = "--db-password",
            description = "Database password; prefer the environment variable PIPELINE_DB_PASSWORD, since flags are "
                    + "visible to other users in the process list. Never logged")
    String dbPassword;

    @Option(names = "--db-pool-size",
            description = "Connections the workers write with (env PIPELINE_DB_POOL_SIZE); the service opens "
                    + (1 + Service.READ_POOL_SIZE) + " more: 1 for the health check, " + Service.READ_POOL_SIZE
                    + " for reads. Default: --workers + 1")
    Integer dbPoolSize;

    @Option(names = "--max-retries",
            description = "Retries of a batch the database refuses before the bad events are isolated into the dead "
                    + "letter (env PIPELINE_MAX_RETRIES). Outages are retried without limit. Default: ${DEFAULT-VALUE}")
    int maxRetries;

    @Option(names = "--shutdown-timeout",
            converter = DurationConverter.class,
            description = "How long a whole stop may take: the queue drains to the database for all of it but the "
                    + "last 2s (a quarter, if shorter), kept for closing; what is not stored is kept on disk and "
                    + "stored at the next start (env PIPELINE_SHUTDOWN_TIMEOUT). Default: ${DEFAULT-VALUE}")
    Duration shutdownTimeout;

    @Option(names = "--idle-timeout",
            converter = DurationConverter.class,
            description = "How long an HTTP connection may stay silent, between requests or within one, before the "
                    + "server closes it; keep it longer than the idle timeout of a proxy or load balancer in front "
                    + "(env PIPELINE_IDLE_TIMEOUT). Default: ${DEFAULT-VALUE}")
    Duration idleTimeout;

    @Option(names = "--max-body-bytes",
            converter = SizeConverter.class,
            description = "Largest request body, after gzip inflation (env PIPELINE_MAX_BODY_BYTES). "
                    + "Default: ${DEFAULT-VALUE}")
    long maxBodyBytes;

    @Option(names = "--max-batch-events",
            description = "Most events in one POST /events/batch (env PIPELINE_MAX_BATCH_EVENTS). "
                    + "Default: ${DEFAULT-VALUE}")
    int maxBatchEvents;

    @Option(names = "--max-event-bytes",
            converter = SizeConverter.class,
            description = "Largest \"data\" object of one event, as sent (env PIPELINE_MAX_EVENT_BYTES). "
                    + "Default: ${DEFAULT-VALUE}")
    long maxEventBytes;

    @Option(names = "--durability",
            converter = DurabilityConverter.class,
            description = "With --queue local, what a 202 promises: journal, the event is forced to local disk "
                    + "(survives power loss); journal-async, it is written to the journal file and forced by the "
                    + "journal's next force (survives kill -9 and out-of-memory; what a power loss may lose, "
                    + "--journal-flush-interval says); memory, it is queued in memory (fastest, lost on a crash) "
                    + "(env PIPELINE_DURABILITY). "
                    + "Refused with --queue kafka, where the broker's acknowledgement is the promise. Default: journal")
    Durability durability;

    @Option(names = "--journal-flush-interval",
            converter = DurationConverter.class,
            description = "With --durability journal-async: the least time between the starts of two forces of the "
                    + "journal; a power loss may lose the 202s of about the last max(interval, one force's time) "
                    + "+ one force's time (an event written just after a force began waits for it to end and for "
                    + "the next one); 1ms to 10s. Read but unused by the other tiers (journal forces before each "
                    + "202, memory writes the journal at a stop only) "
                    + "(env PIPELINE_JOURNAL_FLUSH_INTERVAL). Default: ${DEFAULT-VALUE}")
    Duration journalFlushInterval;

    @Option(names = "--queue",
            converter = QueueModeConverter.class,
            description = "local: this instance's journal and in-memory queue, one process ingests and stores; "
                    + "kafka: a Kafka topic between ingest nodes and writer nodes (env PIPELINE_QUEUE). "
                    + "Default: ${DEFAULT-VALUE}")
    QueueMode queue;

    @Option(names = "--role",
            converter = RoleConverter.class,
            description = "With --queue kafka: ingest (accepts events, produces them to the topic), writer (consumes "
                    + "and stores them) or both (env PIPELINE_ROLE). Default: ${DEFAULT-VALUE}")
    Role role;

    @Option(names = "--kafka-bootstrap",
            description = "Kafka brokers to start from, host:port[,host:port...]; wins over bootstrap.servers in "
                    + "--kafka-config (env PIPELINE_KAFKA_BOOTSTRAP)")
    String kafkaBootstrap;

    @Option(names = "--kafka-topic",
            description = "The topic events go through; created with --kafka-partitions partitions if missing "
                    + "(env PIPELINE_KAFKA_TOPIC). Default: ${DEFAULT-VALUE}")
    String kafkaTopic;

    @Option(names = "--kafka-config",
            description = "A Kafka client properties file for everything else (security.protocol, sasl.*, ssl.*, "
                    + "group.id, ...), read by the producer, the consumers and the admin client (a key prefixed "
                    + "producer., consumer. or admin. by that client alone); it overrides the service's defaults, "
                    + "--kafka-bootstrap overrides it, and a file that changes a setting the guarantees rest on "
                    + "(acks, idempotence, offset commits) is refused (env PIPELINE_KAFKA_CONFIG)")
    Path kafkaConfig;

    @Option(names = "--kafka-ack-timeout",
            converter = DurationConverter.class,
            description = "How long an ingest request waits for the broker to acknowledge its events before a 503 "
                    + "with Retry-After (env PIPELINE_KAFKA_ACK_TIMEOUT). Default: ${DEFAULT-VALUE}")
    Duration kafkaAckTimeout;

    @Option(names = "--kafka-partitions",
            description = "Partitions of the topic when the service creates it; an existing topic is left as it is "
                    + "(env PIPELINE_KAFKA_PARTITIONS). Default: ${DEFAULT-VALUE}")
    int kafkaPartitions;

    @Option(names = "--mqtt-url",
            description = "Subscribe to this MQTT broker, tcp://host:1883 or ssl://host:8883; each message becomes an "
                    + "event, acknowledged to the broker once accepted (env PIPELINE_MQTT_URL). Default: no MQTT")
    String mqttUrl;

    @Option(names = "--mqtt-topics",
            description = "Topic filters to subscribe to at QoS 1, comma-separated, + and # as MQTT defines them "
                    + "(env PIPELINE_MQTT_TOPICS)")
    String mqttTopics;

    @Option(names = "--mqtt-client-id",
            description = "MQTT client identifier, under which the broker keeps the session while the service is "
                    + "away: keep it across restarts, give each instance its own (env PIPELINE_MQTT_CLIENT_ID). "
                    + "Default: event-pipeline-<host name>")
    String mqttClientId;

    @Option(names = "--mqtt-username",
            description = "MQTT user name (env PIPELINE_MQTT_USERNAME)")
    String mqttUsername;

    @Option(names = "--mqtt-password",
            description = "MQTT password; prefer the environment variable PIPELINE_MQTT_PASSWORD, since flags are "
                    + "visible to other users in the process list. Never logged")
    String mqttPassword;

    @Option(names = "--mqtt-id-field",
            description = "A top-level payload member (string or integer) that gives the event id, so that a "
                    + "message the broker delivers again is stored once (env PIPELINE_MQTT_ID_FIELD). Default: none, "
                    + "each message gets a new id (at least once)")
    String mqttIdField;

    @Option(names = "--mqtt-required",
            description = "Answer /health/ready with 503 while the MQTT subscription is down "
                    + "(env PIPELINE_MQTT_REQUIRED). Default: reported in /health, ready is not affected")
    boolean mqttRequired;

    @Option(names = "--data-dir",
            description = "Directory for the journal and the embedded database (env PIPELINE_DATA_DIR). "
                    + "Default: ${DEFAULT-VALUE}")
    Path dataDir;

    @Option(names = "--log-level", defaultValue = "info",
            converter = LogLevelConverter.class,
            description = "trace, debug (adds one line per HTTP request), info, warn, error or off "
                    + "(env PIPELINE_LOG_LEVEL). Default: ${DEFAULT-VALUE}")
    String logLevel;

    @Option(names = "--api-keys-file",
            description = "File of API keys, one 'scopes:name:sha256:<hex>' per line; make one with "
                    + "`keys new` (env PIPELINE_API_KEYS_FILE). Keys may also come from PIPELINE_API_KEYS, "
                    + "comma-separated")
    Path apiKeysFile;

    @Option(names = "--insecure-no-auth",
            description = "Listen on a non-loopback --host without API keys: anyone who reaches the port may write "
                    + "and read events (env PIPELINE_INSECURE_NO_AUTH)")
    boolean insecureNoAuth;

    @Option(names = "--rate-limit",
            description = "Events per second per API key, in bursts of up to one second's worth; over it, 429 with "
                    + "Retry-After, and 413 for a batch larger than one second's worth. 0 is off "
                    + "(env PIPELINE_RATE_LIMIT). Default: ${DEFAULT-VALUE}")
    double rateLimit;

    @Option(names = "--cors-origins",
            description = "Origins whose web pages may post events to the browser routes (/v1/t, /v1/b, ...: "
                    + "analytics.js), comma-separated, as the browser sends them: https://shop.example.com, "
                    + "https://*.example.com for subdomains, * for any (env PIPELINE_CORS_ORIGINS). Default: none")
    String corsOrigins;

    @Option(names = "--browser-rate-limit",
            description = "Events per second per write-browser key and instance, for all the pages that carry it "
                    + "together, every message of a batch counted; bursts of up to one second's worth; over it, 429 "
                    + "with Retry-After "
                    + "(env PIPELINE_BROWSER_RATE_LIMIT). Default: ${DEFAULT-VALUE}")
    double browserRateLimit;

    @Option(names = "--metrics-need-key",
            description = "Put GET /metrics behind the read scope (env PIPELINE_METRICS_NEED_KEY). "
                    + "Default: open, like the health routes")
    boolean metricsNeedKey;

    private final Map<String, String> env;

    /** @param env the environment the flags' variables and PIPELINE_API_KEYS are read from */
    Main(Map<String, String> env) {
        this.env = env;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return commandLine(System.getenv()).execute(args);
    }

    /** The command line with its defaults, each flag's environment variable read from {@code env}. */
    static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new Main(env));
        // On this command only: the keys subcommand's flags have no environment variables.
        cli.getCommandSpec().defaultValueProvider(new FlagDefaults(env));
        // "--api-keys-file keys" names a file called keys, not the keys subcommand.
        cli.setAllowSubcommandsAsOptionParameters(true);
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("error: " + e.getMessage() + " (--help lists every flag)");
            return StartupException.BAD_VALUE;
        });
        // One line, never a stack trace: the operator acts on the reason; exit codes as README's Configuration says.
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            System.err.println("error: " + (e.getMessage() != null ? Messages.rootMessage(e)
                    : e.getClass().getSimpleName()));
            return e instanceof IllegalArgumentException ? StartupException.BAD_VALUE : StartupException.UNAVAILABLE;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        // slf4j-simple reads its level once, when the first logger is created: nothing has logged yet.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", logLevel);
        // Kafka's clients stay at warn under info (simplelogger.properties) and follow any other --log-level.
        if (!logLevel.equals("info")) {
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", logLevel);
            System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient", logLevel);
        }
        Config config = config();
        Service service = build(config);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // The MQTT broker answers the first connection only once the ingest runs, after the start's first log
        // lines: they are held until the start is through, so that a start the broker refuses prints one line.
        HeldStderr held = config.mqtt() == null ? null : HeldStderr.hold();
        try {
            service.start();
        } catch (StartupException e) {
            if (held != null) {
                held.discard();
            }
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        } finally {
            if (held != null) {
                held.release(); // after a discard only puts System.err back; after a crash, prints what was held
            }
        }
        stop.await();
        service.stop();
        return 0;
    }

    /** The settings the parsed flags, their variables and their defaults make; refuses a wrong one. */
    Config config() {
        return Config.builder()
                .host(host).port(port).workers(workers).queueCapacity(queueCapacity).queueMaxBytes(queueMaxBytes)
                .batchSize(batchSize).batchLinger(batchLinger).dbUrl(dbUrl).dbUser(dbUser).dbPassword(dbPassword)
                .dbPoolSize(dbPoolSize)
                .maxRetries(maxRetries).shutdownTimeout(shutdownTimeout).idleTimeout(idleTimeout)
                .maxBodyBytes(maxBodyBytes)
                .maxBatchEvents(maxBatchEvents).maxEventBytes(maxEventBytes).durability(durability)
                .journalFlushInterval(journalFlushInterval).dataDir(dataDir)
                .apiKeysFile(apiKeysFile).apiKeys(env.get("PIPELINE_API_KEYS")).insecureNoAuth(insecureNoAuth)
                .rateLimit(rateLimit).corsOrigins(corsOrigins).browserRateLimit(browserRateLimit)
                .metricsNeedKey(metricsNeedKey)
                .queue(queue).role(role).kafkaBootstrap(kafkaBootstrap).kafkaTopic(kafkaTopic).kafkaConfig(kafkaConfig)
                .kafkaAckTimeout(kafkaAckTimeout).kafkaPartitions(kafkaPartitions)
                .mqttUrl(mqttUrl).mqttTopics(mqttTopics).mqttClientId(mqttClientId).mqttUsername(mqttUsername)
                .mqttPassword(mqttPassword).mqttIdField(mqttIdField).mqttRequired(mqttRequired)
                .build();
    }

    /** The composition root: builds the unstarted service from its config. Tests call it too. */
    static Service build(Config config) {
        return new Service(config, journalDir -> JournalAcceptLog.open(journalDir, config.durability(),
                config.journalFlushInterval()));
    }

    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return Units.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Units.parseDuration(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /**
     * A flag whose values are the names of {@code E}'s constants as {@link #wireName} writes them, taken in any case
     * (journal-async, Journal-Async); a value that names none is refused listing the wire names.
     */
    abstract static class LowerCaseEnumConverter<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
        private final Class<E> type;
        private final String noun;

        LowerCaseEnumConverter(Class<E> type, String noun) {
            this.type = type;
            this.noun = noun;
        }

        @Override
        public E convert(String value) {
            for (E e : type.getEnumConstants()) {
                if (wireName(e).equalsIgnoreCase(value.strip())) {
                    return e;
                }
            }
            List<String> names = java.util.Arrays.stream(type.getEnumConstants()).map(Main::wireName).toList();
            throw new CommandLine.TypeConversionException("'" + value + "' is not " + noun + ": use "
                    + String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast());
        }
    }

    /**
     * How a flag writes an enum constant: its name in lower case, '-' for '_' ({@code JOURNAL_ASYNC} is
     * {@code journal-async}), as {@link Durability#wireName()} does.
     */
    static String wireName(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    static final class DurabilityConverter extends LowerCaseEnumConverter<Durability> {
        DurabilityConverter() {
            super(Durability.class, "a durability");
        }
    }

    static final class QueueModeConverter extends LowerCaseEnumConverter<QueueMode> {
        QueueModeConverter() {
            super(QueueMode.class, "a queue");
        }
    }

    static final class RoleConverter extends LowerCaseEnumConverter<Role> {
        RoleConverter() {
            super(Role.class, "a role");
        }
    }

    static final class LogLevelConverter implements CommandLine.ITypeConverter<String> {
        private static final java.util.Set<String> LEVELS = java.util.Set.of("trace", "debug", "info", "warn", "error",
                "off");

        @Override
        public String convert(String value) {
            String level = value.strip().toLowerCase(java.util.Locale.ROOT);
            if (!LEVELS.contains(level)) {
                throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a log level: use trace, debug, info, warn, error or off");
            }
            return level;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"event-pipeline " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
