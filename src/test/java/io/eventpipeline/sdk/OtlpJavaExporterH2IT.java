package io.eventpipeline.sdk;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenTelemetry Java SDK's OTLP/HTTP log exporter against the service on H2 (its TCP server, behind the proxy of
 * the outage window).
 */
class OtlpJavaExporterH2IT extends OtlpJavaExporterScenarios {
    @RegisterExtension
    final SdkTestService service = SdkTestService.onH2();

    @Override
    SdkTestService service() {
        return service;
    }
}
