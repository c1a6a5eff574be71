package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.OptionSpec;

/** The flags take their defaults from Config.Builder, and each flag's environment variable sets it. */
class FlagDefaultsTest {
    /** A value other than the default for every flag, as an operator would write it; all of them valid together. */
    private static final Map<String, String> OTHER_VALUES = Map.ofEntries(
            Map.entry("--host", "10.1.2.3"), Map.entry("--port", "9090"), Map.entry("--workers", "7"),
            Map.entry("--queue-capacity", "20000"), Map.entry("--queue-max-bytes", "8MiB"),
            Map.entry("--batch-size", "100"), Map.entry("--batch-linger", "20ms"),
            Map.entry("--db-url", "jdbc:mysql://db:3306/events"), Map.entry("--db-user", "pipeline"),
            Map.entry("--db-password", "pw"), Map.entry("--db-pool-size", "9"), Map.entry("--max-retries", "5"),
            Map.entry("--shutdown-timeout", "10s"), Map.entry("--idle-timeout", "2m"),
            Map.entry("--max-body-bytes", "1MiB"), Map.entry("--max-batch-events", "200"),
            Map.entry("--max-event-bytes", "16KiB"), Map.entry("--durability", "journal-async"),
            Map.entry("--journal-flush-interval", "50ms"),
            Map.entry("--data-dir", "/var/lib/pipeline"), Map.entry("--log-level", "debug"),
            Map.entry("--api-keys-file", "/etc/pipeline/keys"), Map.entry("--insecure-no-auth", "true"),
            Map.entry("--rate-limit", "2.5"),
            Map.entry("--cors-origins", "https://shop.example.com,https://*.b.example"),
            Map.entry("--browser-rate-limit", "50"), Map.entry("--metrics-need-key", "true"),
            Map.entry("--queue", "kafka"),
            Map.entry("--role", "ingest"), Map.entry("--kafka-bootstrap", "broker:9092"),
            Map.entry("--kafka-topic", "clicks"), Map.entry("--kafka-config", "/etc/pipeline/kafka.properties"),
            Map.entry("--kafka-ack-timeout", "2s"), Map.entry("--kafka-partitions", "24"),
            Map.entry("--mqtt-url", "tcp://mqtt:1883"), Map.entry("--mqtt-topics", "sensors/#,devices/+/state"),
            Map.entry("--mqtt-client-id", "pipeline-1"), Map.entry("--mqtt-username", "pipeline"),
            Map.entry("--mqtt-password", "secret"), Map.entry("--mqtt-id-field", "msg_id"),
            Map.entry("--mqtt-required", "true"));

    private static CommandLine parse(Map<String, String> env, String... args) {
        CommandLine cli = Main.commandLine(env);
        cli.parseArgs(args);
        return cli;
    }

    private static Object valueOf(CommandLine parsed, OptionSpec option) {
        return parsed.getCommandSpec().findOption(option.longestName()).getValue();
    }

    private static Main main(CommandLine parsed) {
        return parsed.getCommand();
    }

    private static Stream<OptionSpec> flags(CommandLine cli) {
        return cli.getCommandSpec().options().stream().filter(o -> !o.usageHelp() && !o.versionHelp());
    }

    @Test
    void help_shows_for_every_flag_the_default_the_builder_starts_from() {
        CommandLine cli = Main.commandLine(Map.of());
        Config.Builder builder = Config.builder();
        List<String> checked = new ArrayList<>();

        flags(cli).filter(o -> o.defaultValue() == null).forEach(option -> {
            checked.add(option.longestName());
            Object expected = builder.value(FlagDefaults.settingName(option));
            String shown = option.defaultValueString();
            if (expected == null) {
                assertThat(shown).as(option.longestName()).isEqualTo("null");
                return;
            }
            String written = String.join(" ", ((Field) option.userObject()).getAnnotation(Option.class).description());
            if (written.contains("${DEFAULT-VALUE}")) {
                assertThat(String.join(" ", option.description())).as(option.longestName())
                        .contains("Default: " + shown);
            }
            // What --help shows, given back as the flag, is the builder's default.
            CommandLine given = parse(Map.of(), option.longestName() + "=" + shown);
            assertThat(valueOf(given, option)).as(option.longestName() + "=" + shown).isEqualTo(expected);
        });
        assertThat(checked).hasSize(OTHER_VALUES.size() - 1).doesNotContain("--log-level");
    }

    @Test
    void help_writes_the_defaults_the_way_the_flags_take_them() {
        CommandLine cli = Main.commandLine(Map.of());

        assertThat(Stream.of("--queue-max-bytes", "--batch-linger", "--idle-timeout", "--queue", "--role",
                "--rate-limit", "--data-dir", "--port", "--kafka-ack-timeout", "--journal-flush-interval")
                .map(name -> cli.getCommandSpec().findOption(name).defaultValueString()))
                .containsExactly("32MiB", "5ms", "75s", "local", "both", "0", "data", "8080", "5s", "10ms");
    }

    @Test
    void only_the_log_level_which_is_no_config_setting_keeps_a_default_of_its_own() {
        assertThat(flags(Main.commandLine(Map.of())).filter(o -> o.defaultValue() != null).map(OptionSpec::longestName))
                .containsExactly("--log-level");
    }

    @Test
    void config_from_no_flags_equals_the_builders_defaults() {
        Main main = main(parse(Map.of()));

        assertThat(main.config()).isEqualTo(Config.builder().build());
        assertThat(main.logLevel).isEqualTo("info");
    }

    @Test
    void each_flag_is_set_by_its_environment_variable_as_by_the_flag() {
        Map<String, String> env = new HashMap<>(Map.of("PIPELINE_API_KEYS", "write:a:sha256:" + "0".repeat(64)));
        List<String> args = new ArrayList<>();
        flags(Main.commandLine(Map.of())).forEach(option -> {
            String value = OTHER_VALUES.get(option.longestName());
            assertThat(value).as("a value for " + option.longestName() + " in this test").isNotNull();
            assertThat(String.join(" ", option.description())).as("--help names the variable")
                    .contains(FlagDefaults.envName(option));
            env.put(FlagDefaults.envName(option), value);
            args.add(option.longestName() + "=" + value);
        });

        CommandLine fromEnv = parse(env);
        CommandLine fromFlags = parse(Map.of("PIPELINE_API_KEYS", env.get("PIPELINE_API_KEYS")),
                args.toArray(String[]::new));
        CommandLine defaults = parse(Map.of());

        assertThat(env).containsEntry("PIPELINE_QUEUE_MAX_BYTES", "8MiB").containsEntry("PIPELINE_DB_POOL_SIZE", "9");
        flags(fromEnv).forEach(option -> assertThat(valueOf(fromEnv, option))
                .as(option.longestName() + " from " + FlagDefaults.envName(option))
                .isEqualTo(valueOf(fromFlags, option))
                .isNotEqualTo(valueOf(defaults, option)));
        // --durability journal-async was read from both, but is refused with --queue kafka: the same config
        // without it.
        env.remove("PIPELINE_DURABILITY");
        args.remove("--durability=journal-async");
        Main withoutDurabilityFromEnv = main(parse(env));
        Main withoutDurabilityFromFlags = main(parse(Map.of("PIPELINE_API_KEYS", env.get("PIPELINE_API_KEYS")),
                args.toArray(String[]::new)));
        assertThat(withoutDurabilityFromEnv.config()).isEqualTo(withoutDurabilityFromFlags.config());
        assertThat(withoutDurabilityFromEnv.config().apiKeys()).isEqualTo(env.get("PIPELINE_API_KEYS"));
    }

    @Test
    void durability_takes_the_wire_names_in_any_case_and_a_wrong_one_is_refused_listing_them() {
        assertThat(main(parse(Map.of(), "--durability", "journal-async")).config().durability())
                .isEqualTo(Durability.JOURNAL_ASYNC);
        assertThat(main(parse(Map.of("PIPELINE_DURABILITY", "Journal-Async"))).durability)
                .isEqualTo(Durability.JOURNAL_ASYNC);
        assertThat(main(parse(Map.of(), "--durability=MEMORY")).durability).isEqualTo(Durability.MEMORY);

        assertThatThrownBy(() -> parse(Map.of(), "--durability", "journal_async"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("'journal_async' is not a durability: use journal, journal-async or memory");
        assertThat(String.join(" ", Main.commandLine(Map.of()).getCommandSpec().findOption("--durability")
                .description())).contains("journal-async").doesNotContain("JOURNAL_ASYNC");
    }

    @Test
    void the_journal_flush_interval_is_a_duration_and_a_wrong_one_is_refused_naming_the_flag() {
        Main main = main(parse(Map.of(), "--durability=journal-async", "--journal-flush-interval=250ms"));
        assertThat(main.config().journalFlushInterval()).isEqualTo(Duration.ofMillis(250));

        Main zero = main(parse(Map.of("PIPELINE_JOURNAL_FLUSH_INTERVAL", "0ms"), "--durability=journal-async"));
        assertThatIllegalArgumentException().isThrownBy(zero::config)
                .withMessage("--journal-flush-interval must be between 1ms and 10s, got 0ms");
        assertThatThrownBy(() -> parse(Map.of(), "--journal-flush-interval=10"))
                .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("is not a duration");
    }

    @Test
    void a_flag_given_wins_over_its_environment_variable() {
        Main main = main(parse(Map.of("PIPELINE_WORKERS", "9", "PIPELINE_BATCH_LINGER", "1s"), "--workers=3"));

        assertThat(main.config().workers()).isEqualTo(3);
        assertThat(main.config().batchLinger()).hasSeconds(1);
    }

    @Test
    void the_pool_size_flag_says_whose_connections_it_sizes_and_how_many_more_the_service_opens() {
        OptionSpec pool = Main.commandLine(Map.of()).getCommandSpec().findOption("--db-pool-size");

        assertThat(String.join(" ", pool.description()))
                .startsWith("Connections the workers write with")
                .contains("the service opens " + (1 + Service.READ_POOL_SIZE) + " more");
    }

    @Test
    void a_flag_value_that_is_a_subcommand_name_is_the_flags_value() {
        CommandLine parsed = parse(Map.of(), "--api-keys-file", "keys", "--data-dir", "keys");

        assertThat(parsed.getParseResult().subcommand()).isNull();
        assertThat(parsed.getParseResult().matchedOptionValue("--api-keys-file", (Object) null)).hasToString("keys");
        assertThat(parsed.getParseResult().matchedOptionValue("--data-dir", (Object) null)).hasToString("keys");
    }
}
