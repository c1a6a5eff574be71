package io.eventpipeline.sdk;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code @rudderstack/rudder-sdk-node} (the version pinned in src/test/node/package-lock.json) against the Segment
 * routes on H2 ({@link NodeSdkScenarios}; on MariaDB: {@link RudderNodeSdkMariaDbIT}).
 */
class RudderNodeSdkH2IT extends NodeSdkScenarios {
    /**
     * Recommended: {@code retryCount: 10} (default 3) and an {@code errorHandler} (sdk-run.js always sets one). A 5xx,
     * 429 or network error is retried after max(2^n x 100 ms, Retry-After) plus up to 20%: with the service's
     * Retry-After of 1 s (queue full) or 5 s (draining, journal failing) the default three retries give up after
     * 3-15 s, ten retries after ~3.5 min.
     */
    static final Map<String, Object> RECOMMENDED = settings("retryCount", 10);
    /** One retry (after the service's Retry-After: 1 s), then the batch is dropped. */
    static final Map<String, Object> GIVE_UP_SOON = settings("retryCount", 1);

    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    RudderNodeSdkH2IT() {
        super(NodeSdk.Sdk.RUDDER, RECOMMENDED);
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
