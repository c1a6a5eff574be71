package io.eventpipeline.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadmeExamplesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void a_curl_example_over_several_lines_is_read_with_its_shown_answer_and_section() {
        String readme = """
                ## API

                ```sh
                curl -XPOST localhost:8080/events/batch -H 'Content-Type: application/json' -d '{"events":[
                  {"type":"a","source":"b","data":{}}]}'
                # 202 {"accepted":1,
                #      "ids":["0193…"]}
                curl localhost:8080/events/x -H "Authorization: Bearer $READ_KEY" \\
                     -i
                # 401 {"error":"…"}
                #     WWW-Authenticate: Bearer…
                ```
                """;

        List<ReadmeExamples.Example> examples = ReadmeExamples.parse(readme, Map.of("READ_KEY", "ep_r"));

        assertThat(examples).hasSize(2);
        ReadmeExamples.Example batch = examples.get(0);
        assertThat(batch.line()).isEqualTo(4);
        assertThat(batch.section()).isEqualTo("API");
        assertThat(batch.request()).isEqualTo(new CurlRequest("POST", "localhost:8080/events/batch",
                Map.of("Content-Type", "application/json"), "{\"events\":[\n  {\"type\":\"a\",\"source\":\"b\",\"data\":{}}]}"));
        assertThat(batch.response().status()).isEqualTo(202);
        assertThat(batch.response().body()).hasValue(json("{\"accepted\":1,\"ids\":[\"0193…\"]}"));
        ReadmeExamples.Example read = examples.get(1);
        assertThat(read.request().method()).isEqualTo("GET");
        assertThat(read.request().headers()).containsEntry("Authorization", "Bearer ep_r");
        assertThat(read.response().headers()).containsEntry("WWW-Authenticate", "Bearer…");
    }

    @Test
    void a_curl_example_without_a_shown_answer_is_an_error_naming_its_line() {
        String readme = "```sh\ncurl -i localhost:8080/health\n```\n";

        assertThatThrownBy(() -> ReadmeExamples.parse(readme, Map.of()))
                .hasMessage("README line 2: a curl example without the answer under it (# <status> <body>)");
    }

    @Test
    void an_unknown_curl_option_or_variable_is_refused() {
        assertThatThrownBy(() -> ReadmeExamples.parse("```sh\ncurl -k localhost:8080/\n# 200\n```\n", Map.of()))
                .hasMessageContaining("curl option -k is not supported");
        assertThatThrownBy(() -> ReadmeExamples.parse("```sh\ncurl \"$KEY\" localhost:8080/\n# 200\n```\n",
                Map.of())).hasMessageContaining("$KEY is not one of the variables");
    }

    @Test
    void curl_lines_outside_shell_blocks_are_prose() {
        assertThat(ReadmeExamples.parse("`curl localhost:8080/metrics` shows it\n```\ncurl x\n```\n", Map.of()))
                .isEmpty();
    }

    @Test
    void a_different_default_or_a_missing_key_is_a_difference() {
        JsonNode shown = expanded("{\"queue\":{\"max_bytes\":67108864},\"workers\":4}");

        assertThat(JsonShape.differences(shown, json("{\"queue\":{\"max_bytes\":33554432}}"))).containsExactly(
                "/: the answer lacks the keys [workers] shown",
                "/queue/max_bytes: 67108864 was shown, the answer has 33554432");
    }

    @Test
    void a_key_the_readme_leaves_out_is_a_difference_unless_the_object_ends_with_an_ellipsis() {
        JsonNode actual = json("{\"id\":\"a\",\"key_name\":null}");

        assertThat(JsonShape.differences(expanded("{\"id\":\"a\"}"), actual)).containsExactly("/: the answer has "
                + "keys [key_name] that are not shown (end the object with ,…} if they are left out on purpose)");
        assertThat(JsonShape.differences(expanded("{\"id\":\"a\",…}"), actual)).isEmpty();
    }

    @Test
    void ids_times_abbreviations_errors_and_measurements_match_by_shape() {
        JsonNode shown = expanded("{\"id\":\"0193f4c2-5b1e-7c3a-9d41-2a8e6f0b7c15\",\"at\":\"2024-05-01T12:30:01.052Z\","
                + "\"cursor\":\"AQ…\",\"error\":\"old words\",\"queue\":{…},\"latency_ms\":{\"p50\":1.3},"
                + "\"uptime_seconds\":4,\"accepted\":1}");
        JsonNode actual = json("{\"id\":\"01a22f25-8b7f-7217-ab6c-637724ba4e66\",\"at\":\"2026-12-01T01:08:39.508Z\","
                + "\"cursor\":\"Zz9\",\"error\":\"new words\",\"queue\":{\"depth\":0},\"latency_ms\":{\"p50\":7.6},"
                + "\"uptime_seconds\":31,\"accepted\":1}");

        assertThat(JsonShape.differences(shown, actual)).isEmpty();
        assertThat(JsonShape.differences(shown, json(actual.toString().replace("\"accepted\":1", "\"accepted\":2")
                .replace("01a22f25-8b7f", "order-1234")))).containsExactly(
                "/accepted: 1 was shown, the answer has 2",
                "/id: \"0193f4c2-5b1e-7c3a-9d41-2a8e6f0b7c15\" was shown, the answer has \"order-1234-7217-ab6c-637724ba4e66\"");
    }

    private static JsonNode expanded(String shown) {
        return json(JsonShape.expand(shown));
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
