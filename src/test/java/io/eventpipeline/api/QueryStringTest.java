package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QueryStringTest {

    @Test
    void parameters_are_percent_decoded_as_utf8_in_order() {
        assertThat(QueryString.parse("a=1&b=caf%C3%A9&a=x+y&flag&&c=%2B")).isEqualTo(Map.of(
                "a", List.of("1", "x y"), "b", List.of("café"), "flag", List.of(""), "c", List.of("+")));
        assertThat(QueryString.parse(null)).isEmpty();
        assertThat(QueryString.parse("")).isEmpty();
        assertThat(QueryString.parse("u=日本%F0%9F%98%80")).containsEntry("u", List.of("日本😀"));
    }

    @Test
    void a_bad_escape_or_bytes_that_are_not_utf8_are_refused() {
        for (String bad : List.of("type=%ZZ", "type=%", "type=%4", "%G1=x", "user_id=%C3%28", "user_id=%FF",
                "user_id=%ED%A0%80")) {
            assertThatThrownBy(() -> QueryString.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.getMessage()).contains("query string");
                    });
        }
    }

    @Test
    void a_badly_escaped_value_names_its_parameter() {
        for (String bad : List.of("type=%zz", "type=%", "cursor=%FF", "user_id=%C0%AF", "limit=1&since=%ED%A0%80")) {
            String name = bad.substring(bad.lastIndexOf('&') + 1, bad.lastIndexOf('='));
            assertThatThrownBy(() -> QueryString.parse(bad)).as(bad)
                    .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.body()).containsEntry("field", name));
        }
    }
}
