package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The OpenTelemetry Java SDK's OTLP/HTTP log exporter against the service on the MariaDB/MySQL of PIPELINE_TEST_DB_URL. */
@NeedsTestDatabase
class OtlpJavaExporterMariaDbIT extends OtlpJavaExporterScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onMariaDb();

    @Override
    SdkTestService service() {
        return service;
    }
}
