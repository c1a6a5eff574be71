package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Event names as users write them (spaces, '$', CJK, emoji sequences held by a zero-width joiner, 255 characters
 * outside the BMP) are stored whole and found again, by filter and by cursor, on each database. Mixed into
 * {@link PipelineScenarios}, so that every database's suite runs it.
 */
interface EventNameScenarios extends QueryScenarios {
    String ASTRAL_255 = "\uD83D\uDE00".repeat(255);
    List<String> NAMES = List.of("Order Completed", "$pageview", "\u6ce8\u6587 \u5b8c\u4e86",
            "\uD83D\uDC69\u200D\uD83D\uDCBB Signed Up", ASTRAL_255);

    @Test
    default void names_as_users_write_them_are_stored_and_found_by_type_source_and_cursor() throws Exception {
        StringBuilder batch = new StringBuilder("{\"events\":[");
        for (int n = 0; n < NAMES.size(); n++) {
            String name = HttpTestClient.JSON.writeValueAsString(NAMES.get(n));
            for (int i = 0; i < 3; i++) {
                batch.append(n + i == 0 ? "" : ",").append("{\"id\":\"name-").append(n).append('-').append(i)
                        .append("\",\"type\":").append(name).append(",\"source\":").append(name)
                        .append(",\"data\":{}}");
            }
        }
        batch.append(",{\"id\":\"other\",\"type\":\"Order\",\"source\":\"Completed\",\"data\":{}}]}");
        var posted = client().post("/events/batch", batch.toString());
        assertThat(posted.status()).as(posted.body()).isEqualTo(202);
        database().awaitEventCount(3L * NAMES.size() + 1, STORE_TIMEOUT);

        for (int n = 0; n < NAMES.size(); n++) {
            String name = NAMES.get(n);
            List<String> expected = List.of("name-" + n + "-0", "name-" + n + "-1", "name-" + n + "-2");
            for (String filter : List.of("type", "source")) {
                String query = filter + "=" + encoded(name);
                assertThat(walk(query + "&limit=100")).as("%s=%s", filter, name)
                        .containsExactlyInAnyOrderElementsOf(expected);
                // Page by page: the cursor carries a digest of the name, and must be accepted with it.
                assertThat(walk(query + "&limit=1")).as("%s=%s by cursor", filter, name)
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
            JsonNode stored = client().get("/events/name-" + n + "-0").json();
            assertThat(stored.get("type").asText()).isEqualTo(name);
            assertThat(stored.get("source").asText()).isEqualTo(name);
        }
    }

    @Test
    default void a_name_of_256_characters_or_with_a_control_character_is_refused_at_intake_and_as_a_filter()
            throws Exception {
        List<String> refused = List.of(ASTRAL_255 + "\uD83D\uDE00", "a".repeat(256), "Order\tCompleted", " ");
        for (String name : refused) {
            String json = HttpTestClient.JSON.writeValueAsString(name);
            var r = client().post("/events", "{\"type\":" + json + ",\"source\":\"s\",\"data\":{}}");
            assertThat(r.status()).as(name).isEqualTo(400);
            assertThat(r.json().get("field").asText()).isEqualTo("type");

            var filter = client().get("/events?source=" + encoded(name));
            assertThat(filter.status()).as(name).isEqualTo(400);
            assertThat(filter.json().get("field").asText()).isEqualTo("source");
        }
    }

    private static String encoded(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
