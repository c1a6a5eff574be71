package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RudderNodeSdkH2IT}'s scenarios on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL}. */
@NeedsTestDatabase
class RudderNodeSdkMariaDbIT extends NodeSdkScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onMariaDb();

    RudderNodeSdkMariaDbIT() {
        super(NodeSdk.Sdk.RUDDER, RudderNodeSdkH2IT.RECOMMENDED);
    }

    @Override
    SdkTestService service() {
        return service;
    }
}
