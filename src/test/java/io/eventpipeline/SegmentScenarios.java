package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Segment routes end to end on each database: a batch as the SDKs send it, sent twice (a retry), stored once;
 * its refused message in the dead letter with its reason; every message found again through the query API by the
 * type and source the mapping gives it. Mixed into {@link PipelineScenarios}. The SDKs themselves are driven in
 * the {@code sdk} tests.
 */
interface SegmentScenarios extends QueryScenarios {
    String SEGMENT_BATCH = "{\"batch\":["
            + "{\"type\":\"track\",\"event\":\"Order Completed\",\"userId\":\"u-1\",\"messageId\":\"seg-1\","
            + "\"timestamp\":\"2024-05-01T12:30:00.000Z\",\"properties\":{\"revenue\":9.99,\"currency\":\"EUR\"}},"
            + "{\"type\":\"track\",\"event\":\"$pageview\",\"anonymousId\":\"anon-1\",\"messageId\":\"seg 2/odd\"},"
            + "{\"type\":\"identify\",\"userId\":\"u-1\",\"messageId\":\"seg-3\",\"traits\":{\"plan\":\"pro\"}},"
            + "{\"type\":\"track\",\"userId\":\"u-1\",\"messageId\":\"seg-bad\"},"
            + "{\"type\":\"page\",\"userId\":\"u-1\",\"messageId\":\"seg-5\",\"name\":\"Home\"}],"
            + "\"sentAt\":\"2024-05-01T12:30:01.000Z\",\"context\":{\"library\":{\"name\":\"test\"}}}";

    @Test
    default void a_segment_batch_is_stored_once_with_its_bad_message_in_the_dead_letter() throws Exception {
        for (int attempt = 0; attempt < 2; attempt++) {
            var r = client().post("/v1/batch", SEGMENT_BATCH);
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().get("accepted").asInt()).isEqualTo(4);
            assertThat(r.json().get("dead_lettered").asInt()).isEqualTo(1);
        }
        // The hash of "seg 2/odd", computed outside Java (python3: hashlib.sha256, base64.urlsafe_b64encode).
        String hashed = "sha256:" + "QFeiLyJXXQB2Xsl5J-4LJE2bdq2PDFKfBJoosxVf6OQ";
        database().awaitStored(Set.of("seg-1", hashed, "seg-3", "seg-5"), PipelineScenarios.STORE_TIMEOUT);
        Eventually.await(PipelineScenarios.STORE_TIMEOUT, "the refused message in the dead letter",
                () -> database().count("SELECT COUNT(*) FROM events_dead_letter") >= 1);

        assertThat(database().countEvents()).as("the retried batch is stored once").isEqualTo(4);
        assertThat(database().strings("SELECT error FROM events_dead_letter WHERE event_id = ?", "seg-bad"))
                .singleElement().asString().startsWith("event: is required");
        assertThat(database().count("SELECT COUNT(*) FROM events_dead_letter")).isEqualTo(1);

        assertThat(walk("type=" + encoded("Order Completed"))).containsExactly("seg-1");
        assertThat(walk("type=" + encoded("$pageview") + "&source=segment.track")).containsExactly(hashed);
        assertThat(walk("source=segment.track")).containsExactlyInAnyOrder("seg-1", hashed);
        assertThat(walk("type=identify&user_id=u-1")).containsExactly("seg-3");
        assertThat(walk("user_id=anon-1")).containsExactly(hashed);

        JsonNode stored = client().get("/events/seg-1").json();
        assertThat(stored.get("source").asText()).isEqualTo("segment.track");
        assertThat(stored.get("timestamp").asText()).isEqualTo("2024-05-01T12:30:00.000Z");
        assertThat(stored.at("/data/properties/revenue").decimalValue()).isEqualByComparingTo("9.99");
        assertThat(stored.at("/data/sentAt").asText()).as("from the batch").isEqualTo("2024-05-01T12:30:01.000Z");
        assertThat(stored.at("/data/context/library/name").asText()).isEqualTo("test");
        assertThat(client().get("/events/seg-5").json().at("/data/name").asText()).isEqualTo("Home");
    }

    private static String encoded(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
