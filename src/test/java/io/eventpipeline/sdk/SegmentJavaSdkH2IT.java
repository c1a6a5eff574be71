package io.eventpipeline.sdk;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Segment's Java library against the service on H2 (its TCP server, behind the proxy of the outage window). */
class SegmentJavaSdkH2IT extends SegmentJavaSdkScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    @Override
    SdkTestService service() {
        return service;
    }
}
