package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.RawHttp;
import io.eventpipeline.config.Config;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.EventQueue;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.pipeline.LocalIngest;
import io.eventpipeline.pipeline.NoAcceptLog;
import io.eventpipeline.security.ApiKeys;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A body that arrives slowly is never answered as a bad request: the client must be told to send it again. */
class SlowBodyTest {
    final EventQueue queue = new EventQueue(100, 1 << 20);
    final Ingest ingest = new LocalIngest(queue, new NoAcceptLog());
    ApiUnderTest api;

    void start(Duration idleTimeout) {
        api = ApiUnderTest.start(Config.builder().port(0).idleTimeout(idleTimeout).build(),
                ApiUnderTest.healthDatabase("slow-body", true),
                probe -> new HttpApi.Parts(ingest, queue, new Metrics(), probe, null, "memory", ApiKeys.none(), null));
    }

    @AfterEach
    void stop() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    static String answer(Socket s) throws Exception {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void a_body_that_stops_arriving_for_the_idle_timeout_is_a_408_to_send_again() throws Exception {
        start(Duration.ofSeconds(1));
        try (Socket s = RawHttp.halfSentEvent(api.app().port())) {
            String answer = answer(s); // the server answers once the idle timeout has passed

            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"the body stopped arriving")
                    .contains("--idle-timeout").doesNotContain("Exception");
        }
    }
}
