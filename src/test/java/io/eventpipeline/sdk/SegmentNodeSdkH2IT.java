package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.TcpProxy;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * The one way the SDK sends a stored message again: the service took the batch (200) but the answer was lost
     * (swallowed by a proxy in front of the service), so the SDK's request timeout (2 s here, 10 s by default)
     * aborts the attempt and the SDK retries it. The copy is stored once: its messageIds are the events' ids.
     */
    @Test
    void a_batch_whose_200_is_lost_is_sent_again_after_the_timeout_and_stored_once() throws Exception {
        List<Map<String, ?>> messages = everyType("u-6");
        Map<String, Object> settings = new LinkedHashMap<>(RECOMMENDED);
        settings.put("httpRequestTimeout", 2000);
        NodeSdk.Result result;
        try (TcpProxy front = new TcpProxy("127.0.0.1", service.port())) {
            front.swallowReplies(true);
            NodeSdk.Run run = NodeSdk.start(new NodeSdk.Input(NodeSdk.Sdk.SEGMENT, "http://127.0.0.1:" + front.port(),
                    service.writeKey(), settings, messages, DEADLINE));
            // The SDK retries 1-2 s after its attempt timed out: time enough to let the next answer through.
            Eventually.await(DEADLINE, "the SDK's first attempt timed out", () -> {
                if (!run.running()) {
                    throw new AssertionError("the SDK finished with every answer swallowed: " + run.await().summary());
                }
                return run.logged(l -> l.contains("no answer"));
            });
            front.swallowReplies(false);
            result = run.await();
        }

        assertThat(result.failed()).as(result.summary()).isEmpty();
        assertThat(result.statuses()).as(result.summary()).containsExactly(null, 200);
        assertThat(result.requests().get(1).messageIds()).isEqualTo(result.requests().get(0).messageIds());
        service.assertStoredOnce(result.deliveredIds());
        assertThat(service.answered("POST /v1/batch", 200)).as("the batch, answered twice").isEqualTo(2);
        Eventually.await(DEADLINE, "the copy of every message is counted as a duplicate",
                () -> service.metrics().path("duplicates").asLong() == messages.size());
    }
}
