package io.eventpipeline.metrics;

/**
 * What one ingest request's answer did with the events it carried, each event in exactly one part: so on one
 * instance {@code received = accepted + rejected + throttled + rate_limited} holds by construction.
 *
 * @param accepted    answered 202: they will be stored
 * @param rejected    refused as the client's fault (400, 413, 415): resending them unchanged will not help
 * @param throttled   refused by the service (503: queue full, journal unwritable, draining; 500 on a fault):
 *                    the client should retry
 * @param rateLimited refused with a 429: the API key was over its {@code --rate-limit}
 */
public record IngestOutcome(int accepted, int rejected, int throttled, int rateLimited) {
    /** All the events the request carried. */
    public int received() {
        return accepted + rejected + throttled + rateLimited;
    }
}
