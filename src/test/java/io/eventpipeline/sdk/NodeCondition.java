package io.eventpipeline.sdk;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a suite that drives the Node SDKs when Node 20+ or npm is missing ({@link NodeSdk#unavailableReason}), as a
 * condition, so that each of its tests is reported skipped with the reason (see {@code TestDatabaseCondition}).
 * Under {@code CI=true} the suite is enabled regardless, so that its {@code @BeforeAll} ({@link NodeSdk#require})
 * fails it: in CI the SDK suites must run.
 */
final class NodeCondition implements ExecutionCondition {
    private final Map<String, String> env;
    private final Supplier<Optional<String>> unavailable;

    NodeCondition() {
        this(System.getenv(), NodeSdk::unavailableReason);
    }

    NodeCondition(Map<String, String> env, Supplier<Optional<String>> unavailable) {
        this.env = env;
        this.unavailable = unavailable;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if ("true".equalsIgnoreCase(env.get("CI"))) {
            return ConditionEvaluationResult.enabled("CI=true: the suite must run, and fails without Node");
        }
        return unavailable.get().map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("Node and npm are here"));
    }
}
