package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonNumbersTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "0", "-0", "-0.0", "0.1", "1E+2", "1e-7", "1.5e308", "4.9e-324", "0e-5000", "1.0000000000000000000000",
        "100000000000000000000000000000", "9223372036854775807", "-9223372036854775808", "18446744073709551615",
        "0.30000000000000004"})
    void numbers_every_database_stores_with_their_value_are_storable(String n) {
        assertThat(JsonNumbers.problem(n, !n.contains(".") && !n.contains("e") && !n.contains("E"), "")).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "1e400", "-1e400", "1e-400", "0e99999940464354", "1E-100000", "18446744073709551616",
        "-9223372036854775809", "123456789012345678901234567890", "0.12345678901234567891", "9007199254740993.0"})
    void numbers_a_double_would_round_or_lose_are_not(String n) {
        boolean integer = !n.contains(".") && !n.contains("e") && !n.contains("E");

        assertThat(JsonNumbers.problem(n, integer, " (at /n)")).startsWith("has the number " + n + " (at /n), which");
    }

    @ParameterizedTest(name = "{0} digits")
    @CsvSource({"1001", "100000"})
    void numbers_over_1000_characters_are_refused_before_any_arithmetic(int digits) {
        assertThat(JsonNumbers.problem("0." + "1".repeat(digits), false, ""))
                .isEqualTo("has a number of " + (digits + 2) + " characters, over the limit of 1000");
    }
}
