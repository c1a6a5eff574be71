package io.eventpipeline.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.TcpProxy;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * With a {@code timeout} set, the SDK does not retry an attempt that timed out (to axios-retry a timeout,
     * ECONNABORTED, is not a network error): a batch the service stored whose answer is lost (swallowed by a proxy
     * in front of the service) is reported failed and not sent again. It is stored once all the same; an app that
     * sends such messages again has them stored once too (the same messageIds).
     */
    @Test
    void a_batch_whose_200_is_lost_is_reported_failed_though_it_is_stored_once() throws Exception {
        List<Map<String, ?>> messages = List.of(everyType("u-6").getFirst());
        Map<String, Object> settings = new LinkedHashMap<>(RECOMMENDED);
        settings.put("timeout", 1000);
        NodeSdk.Result result;
        try (TcpProxy front = new TcpProxy("127.0.0.1", service.port())) {
            front.swallowReplies(true);
            result = NodeSdk.run(new NodeSdk.Input(NodeSdk.Sdk.RUDDER, "http://127.0.0.1:" + front.port(),
                    service.writeKey(), settings, messages, DEADLINE));
        }

        assertThat(result.messages()).as(result.summary())
                .allSatisfy(m -> assertThat(m.error()).contains("timeout of 1000ms exceeded"));
        assertThat(result.requests()).as("attempts: each batch once, none retried; %s", result.summary())
                .extracting(NodeSdk.Request::messageIds).doesNotHaveDuplicates();
        assertThat(result.reported()).as(result.summary()).isNotEmpty();
        List<String> ids = result.messages().stream().map(NodeSdk.Message::messageId).toList();
        service.assertStoredOnce(ids);
        assertThat(service.answered("POST /v1/batch", 200)).isEqualTo(result.requests().size());
    }
}
