package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SurrogatesTest {
    private static int escape(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return Surrogates.firstUnpairedEscape(b, 0, b.length);
    }

    @Test
    void a_pair_of_escapes_is_valid_and_a_lone_half_is_not() {
        assertThat(escape("{\"k\":\"\\ud83d\\ude00\"}")).isEqualTo(-1);
        assertThat(escape("{\"k\":\"a\\u00e9\\n\\\"b\"}")).isEqualTo(-1);
        assertThat(escape("{\"k\":\"\\ud800\"}")).isEqualTo(6);
        assertThat(escape("{\"k\":\"\\udc00\\ud800\"}")).isEqualTo(6);
        assertThat(escape("{\"k\":\"\\ud800\\u0041\"}")).isEqualTo(6);
        assertThat(escape("{\"\\uDBFF\":1}")).isEqualTo(2);
        assertThat(escape("{\"k\":\"x\\ud83d\"}")).isEqualTo(7);
    }

    @Test
    void an_escaped_backslash_before_u_is_not_an_escape() {
        assertThat(escape("{\"k\":\"\\\\ud800\"}")).isEqualTo(-1);
        assertThat(escape("{\"k\":\"\\\\\\ud800\"}")).isEqualTo(8);
    }

    @Test
    void a_string_with_a_lone_surrogate_is_found() {
        assertThat(Surrogates.firstUnpaired("ab\uD83D\uDE00c")).isEqualTo(-1);
        assertThat(Surrogates.firstUnpaired("ab\uD800")).isEqualTo(2);
        assertThat(Surrogates.firstUnpaired("\uDC00\uD800")).isZero();
    }
}
