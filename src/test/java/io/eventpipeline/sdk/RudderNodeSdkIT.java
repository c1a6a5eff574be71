package io.eventpipeline.sdk;

import io.eventpipeline.NeedsTestDatabase;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code @rudderstack/rudder-sdk-node} (the version pinned in src/test/node/package-lock.json) against the Segment
 * routes, on H2 and on MariaDB: see {@link NodeSdkScenarios}.
 */
class RudderNodeSdkIT {
    /**
     * Recommended: {@code retryCount: 10} (default 3) and an {@code errorHandler} (sdk-run.js always sets one). A 5xx,
     * 429 or network error is retried after max(2^n x 100 ms, Retry-After) plus up to 20%: with the service's
     * Retry-After of 1 s (queue full) or 5 s (draining, journal failing) the default three retries give up after
     * 3-15 s, ten retries after ~3.5 min.
     */
    static final Map<String, Object> RECOMMENDED = NodeSdkScenarios.settings("retryCount", 10);
    /** One retry (after the service's Retry-After: 1 s), then the batch is dropped. */
    static final Map<String, Object> GIVE_UP_SOON = NodeSdkScenarios.settings("retryCount", 1);

    abstract static class Rudder extends NodeSdkScenarios {
        @Override
        NodeSdk.Sdk sdk() {
            return NodeSdk.Sdk.RUDDER;
        }

        @Override
        Map<String, Object> recommendedSettings() {
            return RECOMMENDED;
        }

        @Override
        Map<String, Object> giveUpSoonSettings() {
            return GIVE_UP_SOON;
        }
    }

    @Nested
    class OnH2 extends Rudder {
        @RegisterExtension
        final SdkTestService service = SdkTestService.onH2();

        @Override
        SdkTestService service() {
            return service;
        }

        @Test
        void a_batch_the_sdk_gives_up_on_is_reported_by_the_sdk_and_nothing_of_it_is_stored() throws Exception {
            assertABatchGivenUpIsReportedAndNotStored();
        }
    }

    @Nested
    @NeedsTestDatabase
    class OnMariaDb extends Rudder {
        @RegisterExtension
        final SdkTestService service = SdkTestService.onMariaDb();

        @Override
        SdkTestService service() {
            return service;
        }
    }
}
