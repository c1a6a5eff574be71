package io.eventpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigTest {
    private static final String SECRET = "s3cret-Pw";

    @Test
    void defaults_are_the_documented_ones() {
        Config c = Config.builder().build();

        assertThat(c.port()).isEqualTo(8080).isEqualTo(Config.DEFAULT_PORT);
        assertThat(c.host()).as("decided at start: loopback without keys").isNull();
        assertThat(c.batchSize()).isEqualTo(500);
        assertThat(c.batchLinger()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.queueMaxBytes()).isEqualTo(32L << 20);
        assertThat(c.maxRetries()).isEqualTo(3);
        assertThat(c.maxBodyBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(c.maxBatchEvents()).isEqualTo(1000);
        assertThat(c.maxEventBytes()).isEqualTo(64L * 1024);
        assertThat(c.durability()).isEqualTo(Durability.JOURNAL);
        assertThat(c.journalFlushInterval()).isEqualTo(Duration.ofMillis(10));
        assertThat(c.dataDir()).isEqualTo(Path.of("data"));
        assertThat(c.dbUrl()).isNull();
        assertThat(c.embeddedDatabase()).isTrue();
        assertThat(c.dbPoolSize()).isEqualTo(c.workers() + 1);
        assertThat(c.queueMaxBytes()).isGreaterThanOrEqualTo(c.maxEventBytes());
        assertThat(c.shutdownTimeout()).isPositive();
        // Longer than the 60 s idle timeout of common proxies and load balancers (nginx upstream keep-alive,
        // AWS ALB): the one in front must close an idle connection first, or it may send a request into a close.
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(75));
    }

    @Test
    void the_builder_gives_each_default_by_the_name_of_its_setting() throws Exception {
        Config.Builder builder = Config.builder();
        Config defaults = builder.build();

        for (RecordComponent setting : Config.class.getRecordComponents()) {
            Object built = setting.getAccessor().invoke(defaults);
            if (setting.getName().equals("dbPoolSize")) {
                assertThat(builder.value("dbPoolSize")).as("derived from the workers at build").isNull();
            } else if (setting.getName().equals("mqtt")) {
                assertThat(built).as("made at build from the mqtt* settings, none without --mqtt-url").isNull();
                assertThat(builder.value("mqttUrl")).isNull();
            } else if (setting.getName().equals("corsOrigins")) {
                assertThat(builder.value("corsOrigins")).as("parsed at build from the flag's list").isNull();
                assertThat(built).isEqualTo(CorsOrigins.none());
            } else if (setting.getName().equals("durability")) {
                assertThat(builder.value("durability")).as("decided at build by --queue").isNull();
                assertThat(built).isEqualTo(Durability.JOURNAL);
            } else {
                assertThat(builder.value(setting.getName())).as(setting.getName()).isEqualTo(built);
            }
        }
        assertThat(Config.builder().queueMaxBytes(1 << 20).value("queueMaxBytes")).isEqualTo(1L << 20);
    }

    @Test
    void the_builder_refuses_a_name_that_is_no_setting() {
        assertThatIllegalArgumentException().isThrownBy(() -> Config.builder().value("logLevel"))
                .withMessage("no setting is named logLevel");
    }

    @Test
    void derives_the_pool_size_from_the_workers_unless_it_is_given() {
        assertThat(Config.builder().workers(16).build().dbPoolSize()).isEqualTo(17);
        assertThat(Config.builder().workers(16).dbPoolSize(4).build().dbPoolSize()).isEqualTo(4);
        assertThat(Config.builder().workers(16).dbPoolSize(null).build().dbPoolSize()).isEqualTo(17);
    }

    @Test
    void treats_a_blank_db_url_and_user_as_unset() {
        Config c = Config.builder().dbUrl("  ").dbUser("").build();

        assertThat(c.dbUrl()).isNull();
        assertThat(c.dbUser()).isNull();
        assertThat(c.embeddedDatabase()).isTrue();
    }

    @Test
    void treats_an_empty_api_keys_file_as_unset_and_refuses_an_empty_data_dir() {
        assertThat(Config.builder().apiKeysFile(Path.of("")).build().apiKeysFile()).isNull();
        assertThatIllegalArgumentException().isThrownBy(() -> Config.builder().dataDir(Path.of("")).build())
                .withMessage("--data-dir must not be empty");
    }

    @Test
    void rebuilds_an_equal_config_from_its_builder() {
        Config c = Config.builder().host("0.0.0.0").port(9090).workers(7).queueCapacity(10).queueMaxBytes(1 << 20)
                .batchSize(50).batchLinger(Duration.ofMillis(20)).dbUrl("jdbc:mysql://db/events").dbUser("u").dbPassword(SECRET).dbPoolSize(3)
                .maxRetries(0).shutdownTimeout(Duration.ofSeconds(2)).idleTimeout(Duration.ofMinutes(3))
                .maxBodyBytes(1 << 16).maxBatchEvents(5)
                .maxEventBytes(1 << 10).durability(Durability.JOURNAL_ASYNC).journalFlushInterval(Duration.ofMillis(50))
                .dataDir(Path.of("/var/lib/x")).build();

        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    static Stream<Arguments> invalid_settings() {
        return Stream.of(
                arguments(op(b -> b.port(-1)), "--port must be between 0 and 65535, got -1"),
                arguments(op(b -> b.port(65536)), "--port must be between 0 and 65535, got 65536"),
                arguments(op(b -> b.workers(0)), "--workers must be between 1 and 1024, got 0"),
                arguments(op(b -> b.workers(1025)), "--workers must be between 1 and 1024, got 1025"),
                arguments(op(b -> b.queueCapacity(0)), "--queue-capacity must be at least 1, got 0"),
                arguments(op(b -> b.batchSize(0)), "--batch-size must be between 1 and 10000, got 0"),
                arguments(op(b -> b.batchSize(10_001)), "--batch-size must be between 1 and 10000, got 10001"),
                arguments(op(b -> b.batchLinger(Duration.ofMillis(-1))),
                        "--batch-linger must be between 0 and 10s, got -1ms"),
                arguments(op(b -> b.batchLinger(Duration.ofSeconds(11))),
                        "--batch-linger must be between 0 and 10s, got 11s"),
                arguments(op(b -> b.dbPoolSize(0)), "--db-pool-size must be between 1 and 1024, got 0"),
                arguments(op(b -> b.maxRetries(-1)), "--max-retries must not be negative, got -1"),
                arguments(op(b -> b.shutdownTimeout(Duration.ofSeconds(-1))), "--shutdown-timeout must not be negative"),
                arguments(op(b -> b.durability(Durability.JOURNAL_ASYNC).journalFlushInterval(Duration.ZERO)),
                        "--journal-flush-interval must be between 1ms and 10s, got 0ms"),
                arguments(op(b -> b.journalFlushInterval(Duration.ofNanos(999_999))),
                        "--journal-flush-interval must be between 1ms and 10s, got 999999ns"),
                arguments(op(b -> b.journalFlushInterval(Duration.ofSeconds(11))),
                        "--journal-flush-interval must be between 1ms and 10s, got 11s"),
                arguments(op(b -> b.idleTimeout(Duration.ofMillis(999))),
                        "--idle-timeout must be between 1s and 1h, got 999ms"),
                arguments(op(b -> b.idleTimeout(Duration.ofMinutes(61))),
                        "--idle-timeout must be between 1s and 1h, got 61m"),
                arguments(op(b -> b.maxEventBytes(1)), "--max-event-bytes must be at least 2 bytes, got 1"),
                arguments(op(b -> b.maxBodyBytes(63)), "--max-body-bytes must be at least 64 bytes, got 63"),
                arguments(op(b -> b.maxBodyBytes(Integer.MAX_VALUE)), "--max-body-bytes must be under 2GiB"),
                arguments(op(b -> b.maxBatchEvents(0)), "--max-batch-events must be at least 1, got 0"),
                arguments(op(b -> b.queueMaxBytes(32 << 10)),
                        "--queue-max-bytes (32KiB) must be at least --max-event-bytes (64KiB), or no event could ever be queued"),
                arguments(op(b -> b.dbUrl("jdbc:postgresql://db/events")),
                        "--db-url must be a jdbc:mysql:, jdbc:mariadb: or jdbc:h2: URL, got 'jdbc:postgresql://db/events'"),
                arguments(op(b -> b.dbUrl("mysql://db/events")), "--db-url must be a jdbc:mysql:"));
    }

    /** Names the lambda's type for the table. */
    private static UnaryOperator<Config.Builder> op(UnaryOperator<Config.Builder> change) {
        return change;
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid_settings")
    void refuses_an_invalid_setting_with_a_message_that_names_the_flag(UnaryOperator<Config.Builder> change,
            String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> change.apply(Config.builder()).build())
                .withMessageStartingWith(message)
                .withMessageStartingWith("--");
    }

    @Test
    void accepts_the_edges_of_each_range() {
        Config c = Config.builder().port(0).workers(1).queueCapacity(1).batchSize(10_000).dbPoolSize(1024)
                .maxRetries(0).shutdownTimeout(Duration.ZERO).idleTimeout(Duration.ofSeconds(1)).maxEventBytes(2)
                .queueMaxBytes(2).maxBodyBytes(64)
                .maxBatchEvents(1).journalFlushInterval(Duration.ofMillis(1)).build();
        assertThat(Config.builder().journalFlushInterval(Duration.ofSeconds(10)).build().journalFlushInterval())
                .hasSeconds(10);

        assertThat(c.port()).isZero();
        assertThat(c.queueMaxBytes()).isEqualTo(c.maxEventBytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jdbc:mysql://db:3306/events", "jdbc:h2:mem:test"})
    void accepts_mysql_and_h2_urls(String url) {
        assertThat(Config.builder().dbUrl(url).build().effectiveDbUrl()).isEqualTo(url);
    }

    @Test
    void a_mariadb_url_is_served_by_the_mysql_driver() {
        assertThat(Config.builder().dbUrl("jdbc:mariadb://db/events?user=u").build().effectiveDbUrl())
                .isEqualTo("jdbc:mysql://db/events?user=u");
    }

    @Test
    void a_queue_smaller_than_a_full_batch_is_refused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Config.builder().queueCapacity(500).maxBatchEvents(1000).build())
                .withMessageContaining("--queue-capacity").withMessageContaining("--max-batch-events");
    }

    @Test
    void a_refused_db_url_does_not_show_its_password() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Config.builder().dbUrl("jdbc:postgresql://db/events?user=u&password=" + SECRET).build())
                .withMessageNotContaining(SECRET);
    }

    @Test
    void to_string_never_contains_the_password() {
        Config c = Config.builder().dbUrl("jdbc:mysql://db/events?user=u&password=" + SECRET + "&ssl=true")
                .dbUser("u").dbPassword(SECRET).build();

        assertThat(c.toString()).doesNotContain(SECRET).contains("password=***", "dbUser=u", "ssl=true");
    }

    @Test
    void to_string_of_the_embedded_default_never_contains_the_password() {
        assertThat(Config.builder().dbPassword(SECRET).build().toString()).doesNotContain(SECRET);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "jdbc:mysql://db/events?password=" + SECRET,
            "jdbc:mysql://db/events?user=u&password=" + SECRET + "&useSSL=false",
            "jdbc:mysql://db/events?user=u&PASSWORD=" + SECRET,
            "jdbc:mysql://db/events?trustCertificateKeyStorePassword=" + SECRET,
            "jdbc:h2:file:./data;USER=u;PASSWORD=" + SECRET + ";MODE=MySQL"})
    void redact_url_hides_passwords(String url) {
        String redacted = Config.redactUrl(url);

        assertThat(redacted).doesNotContain(SECRET).containsIgnoringCase("password=***");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "jdbc:mysql://u:" + SECRET + "@db:3306/events",
            "jdbc:mysql://u:" + SECRET + "@db",
            "jdbc:mariadb://u:" + SECRET + "@db1:3306,db2:3306/events?useSSL=false"})
    void redact_url_hides_a_password_in_the_user_info(String url) {
        assertThat(Config.redactUrl(url)).doesNotContain(SECRET).contains("//u:***@db");
    }

    @Test
    void to_string_never_contains_a_password_given_in_the_user_info() {
        Config c = Config.builder().dbUrl("jdbc:mysql://pipeline:" + SECRET + "@db:3306/events").build();

        assertThat(c.toString()).doesNotContain(SECRET).contains("db=jdbc:mysql://pipeline:***@db:3306/events");
    }

    @Test
    void redact_url_keeps_the_rest_of_the_url() {
        assertThat(Config.redactUrl("jdbc:mysql://db:3306/events?user=u&password=" + SECRET + "&useSSL=false"))
                .isEqualTo("jdbc:mysql://db:3306/events?user=u&password=***&useSSL=false");
        assertThat(Config.redactUrl("jdbc:mysql://db:3306/events")).isEqualTo("jdbc:mysql://db:3306/events");
    }

    @Test
    void the_embedded_database_is_an_h2_file_under_the_data_dir(@TempDir Path dir) {
        Config c = Config.builder().dataDir(dir).build();

        assertThat(c.effectiveDbUrl()).isEqualTo("jdbc:h2:file:" + dir.resolve("h2").resolve("events").toAbsolutePath());
        assertThat(c.embeddedDatabase()).isTrue();
    }

    @Test
    void the_embedded_database_path_is_absolute_even_for_a_relative_data_dir() {
        String url = Config.builder().dataDir(Path.of("some", "dir")).build().effectiveDbUrl();

        assertThat(url).startsWith("jdbc:h2:file:");
        Path file = Path.of(url.substring("jdbc:h2:file:".length()));
        assertThat(file.isAbsolute()).isTrue();
        assertThat(file.endsWith(Path.of("some", "dir", "h2", "events"))).isTrue();
    }

    @Test
    void only_h2_urls_are_embedded() {
        assertThat(Config.builder().dbUrl("jdbc:h2:mem:x").build().embeddedDatabase()).isTrue();
        assertThat(Config.builder().dbUrl("jdbc:mysql://db/events").build().embeddedDatabase()).isFalse();
        assertThat(Config.builder().dbUrl("jdbc:mariadb://db/events").build().embeddedDatabase()).isFalse();
    }
}
