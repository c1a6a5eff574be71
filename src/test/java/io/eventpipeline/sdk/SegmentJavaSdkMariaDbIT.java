package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Segment's Java library against the service on the MariaDB/MySQL of PIPELINE_TEST_DB_URL. */
@NeedsTestDatabase
class SegmentJavaSdkMariaDbIT extends SegmentJavaSdkScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onMariaDb();

    @Override
    SdkTestService service() {
        return service;
    }
}
