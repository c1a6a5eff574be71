package io.eventpipeline;

import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a suite that needs the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL} when it is not set, as a condition
 * rather than an assumption in {@code @BeforeAll}: a suite disabled this way is reported with each of its tests
 * skipped and the reason, where an assumption that fails before any test leaves a report of zero tests and no
 * reason. Under {@code CI=true} the suite is enabled regardless, so that its {@code @BeforeAll}
 * ({@link TestDb#requireFromEnvironment}) fails it: in CI every database suite must run.
 */
final class TestDatabaseCondition implements ExecutionCondition {
    static final String REASON = TestDb.ENV + " is not set (an empty MariaDB/MySQL database, e.g. "
            + "jdbc:mysql://127.0.0.1:3306/pipeline_it?user=root&password=)";

    private final Map<String, String> env;

    TestDatabaseCondition() {
        this(System.getenv());
    }

    TestDatabaseCondition(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String url = env.get(TestDb.ENV);
        if (url != null && !url.isBlank()) {
            return ConditionEvaluationResult.enabled(TestDb.ENV + " is set");
        }
        if ("true".equalsIgnoreCase(env.get("CI"))) {
            return ConditionEvaluationResult.enabled("CI=true: the suite must run, and fails without " + TestDb.ENV);
        }
        return ConditionEvaluationResult.disabled(REASON);
    }
}
