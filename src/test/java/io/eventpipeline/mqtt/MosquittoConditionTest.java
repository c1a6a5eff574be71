package io.eventpipeline.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MosquittoConditionTest {
    @Test
    void a_suite_is_disabled_with_the_reason_when_mosquitto_is_missing() {
        var result = new MosquittoCondition(Map.of(), () -> Optional.of("/usr/sbin/mosquitto is missing"))
                .evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValue("/usr/sbin/mosquitto is missing");
    }

    @Test
    void a_suite_runs_when_mosquitto_is_here() {
        var result = new MosquittoCondition(Map.of(), Optional::empty).evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }

    @Test
    void under_ci_a_suite_runs_without_mosquitto_so_that_it_fails() {
        var result = new MosquittoCondition(Map.of("CI", "true"), () -> Optional.of("/usr/sbin/mosquitto is missing"))
                .evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }

    @Test
    void the_configuration_listens_on_loopback_only_and_keeps_what_it_queues() {
        String conf = MosquittoBroker.configuration(java.nio.file.Path.of("/tmp/b"), 41883);

        assertThat(conf.lines()).contains("listener 41883 127.0.0.1", "persistence true",
                "persistence_location /tmp/b/", "max_queued_messages 100000", "max_inflight_messages 100");
    }

    @Test
    void with_a_password_file_only_its_users_are_let_in() {
        String conf = MosquittoBroker.configuration(java.nio.file.Path.of("/tmp/b"), 41883,
                java.nio.file.Path.of("/tmp/b/passwords"));

        assertThat(conf.lines()).contains("allow_anonymous false", "password_file /tmp/b/passwords",
                "listener 41883 127.0.0.1").doesNotContain("allow_anonymous true");
    }
}
