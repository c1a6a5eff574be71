package io.eventpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTest {

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource(delimiter = '=', value = {
            "65536      = 65536",
            "0          = 0",
            "10b        = 10",
            "64KiB      = 65536",
            "64kib      = 65536",
            "64k        = 65536",
            "' 64 KiB ' = 65536",
            "5MiB       = 5242880",
            "5m         = 5242880",
            "1GiB       = 1073741824",
            "2g         = 2147483648",
            "1kb        = 1000",
            "1KB        = 1000",
            "5MB        = 5000000",
            "1GB        = 1000000000",
            "999999999999999999 = 999999999999999999",
            "8589934591GiB      = 9223372035781033984"})
    void parses_a_size(String text, long bytes) {
        assertThat(Units.parseSize(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "KiB", "abc", "1.5MiB", "-1", "-64KiB", "+64", "0x40", "64 KiB B", "1,024",
            "1234567890123456789"})
    void refuses_what_is_not_a_size_and_shows_how_to_write_one(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Units.parseSize(text))
                .withMessage("'" + text + "' is not a size: write it like 65536, 64KiB, 5MiB or 1GiB");
    }

    @ParameterizedTest
    @CsvSource({"5TiB, tib", "64KiBs, kibs", "10 bytes, bytes", "1mi, mi"})
    void refuses_an_unknown_unit_and_names_it(String text, String unit) {
        assertThatIllegalArgumentException().isThrownBy(() -> Units.parseSize(text))
                .withMessageContaining("unknown size unit '" + unit + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"8589934592GiB", "999999999999999999GiB", "9999999999999999kb", "999999999999999999MiB"})
    void refuses_a_size_that_overflows_a_long(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Units.parseSize(text))
                .withMessage("'" + text + "' is too large a size");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"500ms, PT0.5S", "0ms, PT0S", "30s, PT30S", "30S, PT30S", "' 30 s ', PT30S", "2m, PT2M", "1h, PT1H",
            "90m, PT1H30M", "1500ms, PT1.5S"})
    void parses_a_duration(String text, Duration expected) {
        assertThat(Units.parseDuration(text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "0", "", "s", "1.5s", "-1s", "30sec", "1d", "2 minutes", "1h30m", "PT30S"})
    void refuses_a_duration_without_its_unit_and_shows_how_to_write_one(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Units.parseDuration(text))
                .withMessage("'" + text + "' is not a duration: write it like 500ms, 30s, 2m or 1h");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"PT0S, 0ms", "PT0.5S, 500ms", "PT1S, 1s", "PT75S, 75s", "PT1M, 1m", "PT90M, 90m", "PT1H, 1h",
            "PT2H, 2h", "PT61M, 61m", "PT1.001S, 1001ms", "PT-1S, -1s"})
    void formats_a_duration_as_the_flags_take_it(Duration d, String text) {
        assertThat(Units.formatDuration(d)).isEqualTo(text);
        if (!d.isNegative()) {
            assertThat(Units.parseDuration(text)).isEqualTo(d);
        }
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({"65536, 64KiB", "5242880, 5MiB", "1073741824, 1GiB", "3221225472, 3GiB", "1024, 1KiB",
            "1536, 1536B", "1572864, 1536KiB", "1000, 1000B", "1, 1B", "0, 0B", "-1024, -1024B"})
    void formats_a_size_the_shortest_exact_way(long bytes, String text) {
        assertThat(Units.formatSize(bytes)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 1, 1000, 1023, 1024, 65536, 5L << 20, (5L << 20) + 1, 1L << 30, 7L << 40})
    void reads_back_what_it_formats(long bytes) {
        assertThat(Units.parseSize(Units.formatSize(bytes))).isEqualTo(bytes);
    }
}
