package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NodeConditionTest {
    @Test
    void a_suite_is_disabled_with_the_reason_when_node_is_missing() {
        var result = new NodeCondition(Map.of(), () -> Optional.of("no node on the PATH"))
                .evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValue("no node on the PATH");
    }

    @Test
    void a_suite_runs_when_node_is_here() {
        var result = new NodeCondition(Map.of(), Optional::empty).evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }

    @Test
    void under_ci_a_suite_runs_without_node_so_that_it_fails() {
        var result = new NodeCondition(Map.of("CI", "true"), () -> Optional.of("no node on the PATH"))
                .evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }

    @Test
    void a_missing_command_is_named_in_the_reason() {
        Optional<String> reason = NodeSdk.probe("no-such-node-command-here", "npm");

        assertThat(reason).hasValueSatisfying(r -> assertThat(r)
                .startsWith("no no-such-node-command-here on the PATH").contains("Node 20+"));
    }
}
