package io.eventpipeline.sdk;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code @segment/analytics-node} (the version pinned in src/test/node/package-lock.json) against the Segment routes on
 * H2 ({@link NodeSdkScenarios}; on MariaDB: {@link SegmentNodeSdkMariaDbIT}).
 */
class SegmentNodeSdkH2IT extends NodeSdkScenarios {
    /**
     * Recommended: {@code maxRetries: 10}, the 3.x default, written out so that an upgrade cannot shorten it. A 5xx
     * is retried after 0.5 s x 2^n x (1 to 2), at most 60 s (Retry-After is read on 429 only), so ten retries span
     * at least ~5 min before the batch is dropped: several minutes of outage, well past a restart or a failover.
     */
    static final Map<String, Object> RECOMMENDED = settings("maxRetries", 10);
    /** One retry (~1-2 s after the first 503), then the batch is dropped. */
    static final Map<String, Object> GIVE_UP_SOON = settings("maxRetries", 1);

    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    SegmentNodeSdkH2IT() {
        super(NodeSdk.Sdk.SEGMENT, RECOMMENDED);
    }

    @Override
    SdkTestService service() {
        return service;
    }

    @Test
    void a_batch_the_sdk_gives_up_on_is_reported_by_the_sdk_and_nothing_of_it_is_stored() throws Exception {
        assertABatchGivenUpIsReportedAndNotStored(GIVE_UP_SOON);
    }
}
