package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.HttpTestClient;
import io.eventpipeline.NeedsTestDatabase;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fixture the SDK tests stand on, checked with plain HTTP: while its outage window is open an ingest request is
 * answered 503 (and the metrics count it), and after it closes the same request is stored once and read back.
 */
class SdkTestServiceIT {
    abstract static class Scenarios {
        abstract SdkTestService service();

        HttpTestClient.Response post(String id) throws Exception {
            SdkTestService s = service();
            return s.http().send(HttpRequest.newBuilder(URI.create(s.url() + "/events"))
                    .header("Content-Type", "application/json").header("Authorization", "Bearer " + s.writeKey())
                    .POST(HttpRequest.BodyPublishers.ofString(HttpTestClient.event(id, "probe event", "{}"))));
        }

        @Test
        void a_request_in_the_outage_window_is_refused_with_503_and_stored_once_when_sent_again_after_it()
                throws Exception {
            SdkTestService s = service();
            assertThat(post("before").status()).isEqualTo(202);
            int filler = s.openOutageWindow();
            assertThat(filler).as("filler events accepted before the queue was full").isPositive();
            long refusedBefore = s.answered("POST /events", 503);
            assertThat(refusedBefore).as("the filler's own 503").isEqualTo(1);

            assertThat(post("during").status()).isEqualTo(503);
            assertThat(s.answered("POST /events", 503)).isEqualTo(2);
            assertThat(s.rows("during")).isZero();

            s.closeOutageWindow();
            assertThat(post("during").status()).isEqualTo(202);
            s.assertStoredOnce(List.of("before", "during"));
            assertThat(s.events("test", "probe event")).extracting(e -> e.get("id").asText())
                    .containsExactlyInAnyOrder("before", "during");
            assertThat(s.events(SdkTestService.FILLER_SOURCE, null)).hasSize(filler);
            assertThat(s.event("during").get("type").asText()).isEqualTo("probe event");
            assertThat(s.event("never-sent")).isNull();
        }
    }

    @Nested
    class OnH2 extends Scenarios {
        @RegisterExtension
        final SdkTestService service = SdkTestService.onH2();

        @Override
        SdkTestService service() {
            return service;
        }
    }

    @Nested
    @NeedsTestDatabase
    class OnMariaDb extends Scenarios {
        @RegisterExtension
        final SdkTestService service = SdkTestService.onMariaDb();

        @Override
        SdkTestService service() {
            return service;
        }
    }
}
