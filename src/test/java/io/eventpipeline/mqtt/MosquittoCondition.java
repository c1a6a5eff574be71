package io.eventpipeline.mqtt;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a suite that needs a Mosquitto broker when {@code /usr/sbin/mosquitto} is missing
 * ({@link MosquittoBroker#unavailableReason}), as a condition, so that each of its tests is reported skipped with the
 * reason (see {@code TestDatabaseCondition}). Under {@code CI=true} the suite is enabled regardless, so that its
 * {@code @BeforeAll} ({@link MosquittoBroker#require}) fails it: in CI the MQTT suites must run.
 */
final class MosquittoCondition implements ExecutionCondition {
    private final Map<String, String> env;
    private final Supplier<Optional<String>> unavailable;

    MosquittoCondition() {
        this(System.getenv(), MosquittoBroker::unavailableReason);
    }

    MosquittoCondition(Map<String, String> env, Supplier<Optional<String>> unavailable) {
        this.env = env;
        this.unavailable = unavailable;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if ("true".equalsIgnoreCase(env.get("CI"))) {
            return ConditionEvaluationResult.enabled("CI=true: the suite must run, and fails without mosquitto");
        }
        return unavailable.get().map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("mosquitto is here"));
    }
}
