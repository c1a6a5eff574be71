package io.eventpipeline.sdk;

import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code @segment/analytics-node} 2.x (pinned in src/test/node/package-lock.json under the npm alias
 * {@code @segment/analytics-node-v2}), still the version many apps run, against the Segment routes on H2
 * ({@link NodeSdkScenarios}). It sends the write key in the batch body only (no Authorization header), and retries
 * far sooner than 3.x.
 */
class SegmentNodeSdkV2H2IT extends NodeSdkScenarios {
    /**
     * Recommended for 2.x (better: upgrade to 3.x): {@code maxRetries: 30} (default 3). A failed attempt is retried
     * after 25 ms x 2^n x (1 to 2), at most 1 s, whatever the answer's Retry-After: the default three retries are
     * spent within ~0.2-0.7 s, thirty within ~27 s.
     */
    static final Map<String, Object> RECOMMENDED = settings("maxRetries", 30);

    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    SegmentNodeSdkV2H2IT() {
        super(NodeSdk.Sdk.SEGMENT_V2, RECOMMENDED);
    }

    @Override
    SdkTestService service() {
        return service;
    }
}
