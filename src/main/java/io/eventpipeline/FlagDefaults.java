package io.eventpipeline;

import io.eventpipeline.config.Config;
import io.eventpipeline.config.Units;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The default of each flag of the service: the environment variable named after it ({@code --queue-max-bytes} is
 * {@code PIPELINE_QUEUE_MAX_BYTES}), else the default {@link Config.Builder} starts from, written the way the flag
 * takes it so that {@code --help} shows it. The defaults are thereby written once, in the builder. A flag that is
 * no {@link Config} setting ({@code --log-level}) keeps the default on its option; one the builder leaves unset
 * ({@code --host}, {@code --db-pool-size}: decided at start or derived) has none.
 */
final class FlagDefaults implements CommandLine.IDefaultValueProvider {
    static final String ENV_PREFIX = "PIPELINE_";

    private final Map<String, String> env;
    private final Config.Builder defaults = Config.builder();

    /** @param env the process environment, or the one a test gives */
    FlagDefaults(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.usageHelp() || option.versionHelp()) {
            return null;
        }
        // Set, even to an empty string, the variable wins, as it did with picocli's ${env:...} defaults.
        String fromEnv = env.get(envName(option));
        if (fromEnv != null || option.defaultValue() != null) {
            return fromEnv;
        }
        return text(defaults.value(settingName(option)), option);
    }

    /** {@code --queue-max-bytes} → {@code PIPELINE_QUEUE_MAX_BYTES}. */
    static String envName(OptionSpec option) {
        return ENV_PREFIX + bareName(option).replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** {@code --queue-max-bytes} → {@code queueMaxBytes}, the name of the {@link Config} component. */
    static String settingName(OptionSpec option) {
        String[] words = bareName(option).split("-");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return name.toString();
    }

    private static String bareName(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    /** The value as an operator would write the flag: 32MiB, 5ms, journal-async, 0. */
    private static String text(Object value, OptionSpec option) {
        if (value == null) {
            return null;
        }
        if (value instanceof Duration d) {
            return Units.formatDuration(d);
        }
        if (value instanceof Enum<?> e) {
            return Main.wireName(e);
        }
        if (value instanceof Long bytes && isSize(option)) {
            return Units.formatSize(bytes);
        }
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return Long.toString(d.longValue());
        }
        return value.toString();
    }

    private static boolean isSize(OptionSpec option) {
        return Arrays.stream(option.converters()).anyMatch(Main.SizeConverter.class::isInstance);
    }
}
