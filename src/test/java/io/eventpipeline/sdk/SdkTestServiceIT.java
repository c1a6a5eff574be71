package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.HttpTestClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The fixture the SDK tests stand on, checked with plain HTTP on H2 (and on MariaDB by
 * {@link SdkTestServiceMariaDbIT}): while its outage window is open an ingest request is answered 503 (and the
 * metrics count it), and after it closes the same request is stored once and read back.
 */
class SdkTestServiceIT {
    @RegisterExtension
    final SdkTestService service = create();

    /** The service under test; a subclass runs the same test on another database. */
    SdkTestService create() {
        return SdkTestService.onH2();
    }

    HttpTestClient.Response post(String id) throws Exception {
        return service.http().send(HttpRequest.newBuilder(URI.create(service.url() + "/events"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + service.writeKey())
                .POST(HttpRequest.BodyPublishers.ofString(HttpTestClient.event(id, "probe event", "{}"))));
    }

    @Test
    void a_request_in_the_outage_window_is_refused_with_503_and_stored_once_when_sent_again_after_it()
            throws Exception {
        assertThat(post("before").status()).isEqualTo(202);
        int filler = service.openOutageWindow();
        assertThat(filler).as("filler events accepted before the queue was full").isPositive();
        assertThat(service.answered("POST /events", 503)).as("the filler's own 503").isEqualTo(1);

        assertThat(post("during").status()).isEqualTo(503);
        assertThat(service.answered("POST /events", 503)).isEqualTo(2);
        assertThat(service.rows("during")).isZero();

        service.closeOutageWindow();
        assertThat(post("during").status()).isEqualTo(202);
        service.assertStoredOnce(List.of("before", "during"));
        assertThat(service.events("test", "probe event")).extracting(e -> e.get("id").asText())
                .containsExactlyInAnyOrder("before", "during");
        assertThat(service.events(SdkTestService.FILLER_SOURCE, null)).hasSize(filler);
        assertThat(service.event("during").get("type").asText()).isEqualTo("probe event");
        assertThat(service.event("never-sent")).isNull();
    }
}
