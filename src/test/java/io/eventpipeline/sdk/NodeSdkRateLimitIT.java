package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Node SDKs over a write key's rate limit ({@code --rate-limit}, on H2: what the SDKs do does not depend on the
 * database): the service answers 429 with Retry-After, each SDK waits at least that long before it sends the batch
 * again, and every message is stored once. Both SDKs run with the settings recommended for them
 * ({@link SegmentNodeSdkH2IT#RECOMMENDED}, {@link RudderNodeSdkH2IT#RECOMMENDED}).
 */
@NeedsNode
class NodeSdkRateLimitIT {
    /** Events per second per key, in bursts of a second's worth: above each SDK's batch size (15, 20). */
    static final int RATE = 20;
    static final int MESSAGES = 60;

    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2().with(c -> c.rateLimit(RATE));

    @BeforeAll
    static void node() throws Exception {
        NodeSdk.require("the Node SDK rate limit tests");
    }

    /** Not Segment's 2.x: it reads no Retry-After, only X-RateLimit-Reset, which the service does not send. */
    @ParameterizedTest
    @EnumSource(names = {"SEGMENT", "RUDDER"})
    void messages_over_the_rate_limit_are_stored_once_after_the_sdk_waits_retry_after(NodeSdk.Sdk sdk)
            throws Exception {
        Map<String, Object> settings = switch (sdk) {
            case SEGMENT -> SegmentNodeSdkH2IT.RECOMMENDED;
            case RUDDER -> RudderNodeSdkH2IT.RECOMMENDED;
            case SEGMENT_V2 -> throw new IllegalArgumentException("not for 2.x");
        };
        List<Map<String, ?>> messages = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            messages.add(Map.of("type", "track", "userId", "u-5", "event", "Item Viewed", "properties",
                    Map.of("n", i)));
        }

        NodeSdk.Result result = NodeSdk.run(new NodeSdk.Input(sdk, service.url(), service.writeKey(), settings,
                messages, NodeSdkScenarios.DEADLINE));

        System.out.printf("NodeSdkRateLimitIT: %d messages at --rate-limit %d: %s%n", MESSAGES, RATE,
                result.summary().lines().findFirst().orElse(""));
        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).contains(429).endsWith(200);
        assertRetryAfterHonoured(result);
        service.assertStoredOnce(result.deliveredIds());
        assertThat(result.deliveredIds()).hasSize(MESSAGES);
    }

    /**
     * Each batch answered 429 is sent again no sooner than its Retry-After, unless another batch was answered 2xx
     * in between: Segment's SDK keeps one rate-limit state for all its batches in flight and clears it on any
     * success (publisher.ts, {@code _clearRateLimitState}), so a batch refused while another was being accepted may
     * go again at once (and be refused again if the bucket is still empty).
     */
    static void assertRetryAfterHonoured(NodeSdk.Result result) {
        List<NodeSdk.Request> requests = result.requests();
        for (int i = 0; i < requests.size(); i++) {
            NodeSdk.Request refused = requests.get(i);
            if (refused.status() == null || refused.status() != 429) {
                continue;
            }
            assertThat(refused.retryAfter()).as("Retry-After of a 429").isNotNull();
            assertThat(refused.answeredMs()).as("when the 429 came").isNotNull();
            NodeSdk.Request again = requests.subList(i + 1, requests.size()).stream()
                    .filter(r -> r.messageIds().equals(refused.messageIds())).findFirst()
                    .orElseThrow(() -> new AssertionError("the batch answered 429 at " + refused.answeredMs()
                            + " ms was not sent again: " + result.summary()));
            boolean acceptedBetween = requests.stream().anyMatch(r -> r.status() != null && r.status() / 100 == 2
                    && r.answeredMs() != null && r.answeredMs() >= refused.answeredMs()
                    && r.answeredMs() <= again.ms());
            if (!acceptedBetween) {
                assertThat(again.ms() - refused.answeredMs()).as("ms from a 429 with Retry-After %s to its batch sent "
                        + "again; %s", refused.retryAfter(), result.summary())
                        .isGreaterThanOrEqualTo(Long.parseLong(refused.retryAfter()) * 1000);
            }
        }
    }
}
