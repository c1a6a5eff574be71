package io.eventpipeline;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;

/** The scenarios on the MariaDB or MySQL named by PIPELINE_TEST_DB_URL (in CI: the machine's MariaDB). */
class MariaDbPipelineIT extends PipelineScenarios {
    static TestDb database;

    @BeforeAll
    static void requireDatabase() {
        database = TestDb.fromEnvironment();
        if (database == null) {
            String message = TestDb.ENV + " is not set: the MariaDB/MySQL scenarios did not run. Set it to e.g. "
                    + "jdbc:mysql://127.0.0.1:3306/pipeline_it?user=root&password= (an empty database).";
            if (TestDb.requiredHere()) {
                fail(message + " In CI this suite must run.");
            }
            System.err.println("SKIPPED: " + message);
            assumeTrue(false, message);
        }
    }

    @Override
    TestDb db() {
        return database;
    }
}
