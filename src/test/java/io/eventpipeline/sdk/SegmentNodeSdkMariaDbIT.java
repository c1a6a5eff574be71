package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SegmentNodeSdkH2IT}'s scenarios on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL}. */
@NeedsTestDatabase
class SegmentNodeSdkMariaDbIT extends NodeSdkScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onMariaDb();

    SegmentNodeSdkMariaDbIT() {
        super(NodeSdk.Sdk.SEGMENT, SegmentNodeSdkH2IT.RECOMMENDED);
    }

    @Override
    SdkTestService service() {
        return service;
    }
}
