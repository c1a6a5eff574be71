package io.eventpipeline;

import org.junit.jupiter.api.BeforeAll;

/** The scenarios on the MariaDB or MySQL named by PIPELINE_TEST_DB_URL (in CI: the machine's MariaDB). */
@NeedsTestDatabase
class MariaDbPipelineIT extends PipelineScenarios {
    static TestDb database;

    @BeforeAll
    static void requireDatabase() {
        database = TestDb.requireFromEnvironment("the MariaDB/MySQL scenarios");
    }

    @Override
    TestDb db() {
        return database;
    }
}
