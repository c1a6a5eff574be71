package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;

/** {@link SdkTestServiceIT} on the MariaDB/MySQL of PIPELINE_TEST_DB_URL. */
@NeedsTestDatabase
class SdkTestServiceMariaDbIT extends SdkTestServiceIT {
    @Override
    SdkTestService create() {
        return SdkTestService.onMariaDb();
    }
}
