package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TestDatabaseConditionTest {
    @Test
    void a_suite_is_disabled_with_the_reason_when_no_database_url_is_set() {
        var result = new TestDatabaseCondition(Map.of()).evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValue(TestDatabaseCondition.REASON);
        assertThat(TestDatabaseCondition.REASON).startsWith("PIPELINE_TEST_DB_URL is not set");
    }

    @Test
    void a_blank_database_url_counts_as_none() {
        var result = new TestDatabaseCondition(Map.of(TestDb.ENV, " ")).evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
    }

    @Test
    void a_suite_runs_when_the_database_url_is_set() {
        var result = new TestDatabaseCondition(Map.of(TestDb.ENV, "jdbc:mysql://127.0.0.1:3306/x?user=root"))
                .evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }

    @Test
    void under_ci_a_suite_runs_without_a_database_url_so_that_it_fails() {
        var result = new TestDatabaseCondition(Map.of("CI", "true")).evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
    }
}
