package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTextTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"a\":\"plain\"}|-1",
        "{\"a\":\"\\u00e9 \\n \\\\u0000\"}|-1",
        "{\"a\":\"\\ud83d\\ude00\"}|-1",
        "{\"a\":\"\\ud800\"}|6",
        "{\"a\":\"\\ud800x\"}|6",
        "{\"a\":\"\\ud800\\n\"}|6",
        "{\"a\":\"\\ud800\\u0041\"}|6",
        "{\"a\":\"\\udc00\"}|6",
        "{\"a\":\"\\\\ud800\"}|-1",
        "{\"a\":\"ok\",\"b\":\"\\uDBFF\\uDFFF\",\"c\":\"\\uDFFF\"}|34",
    })
    void finds_the_first_unpaired_surrogate_escape(String json, int expected) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        assertThat(JsonText.firstUnpairedSurrogateEscape(b, 0, b.length)).isEqualTo(expected);
    }
}
