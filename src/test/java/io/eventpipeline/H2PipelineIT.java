package io.eventpipeline;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The scenarios on the embedded H2 database (MySQL mode): what `make run` uses. */
class H2PipelineIT extends PipelineScenarios {
    @TempDir
    static Path h2Dir;

    @Override
    TestDb db() {
        return new TestDb("h2", "jdbc:h2:file:" + h2Dir.resolve("events").toAbsolutePath());
    }
}
