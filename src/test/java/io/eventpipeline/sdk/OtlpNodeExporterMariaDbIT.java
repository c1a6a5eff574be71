package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link OtlpNodeExporterScenarios} on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL}. */
@NeedsTestDatabase
class OtlpNodeExporterMariaDbIT extends OtlpNodeExporterScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onMariaDb();

    @Override
    SdkTestService service() {
        return service;
    }
}
