package io.eventpipeline.api;

import io.eventpipeline.pipeline.AcceptLog;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Something beside the database that /health reports (the Kafka brokers, a writer node's consumers), read when asked.
 *
 * @param name      its key in the /health body; when down, {@code <name>_error} says why
 * @param up        whether it works now
 * @param lastError why it does not, or empty
 * @param required  whether the node is not ready (503) while it is down
 */
public record Dependency(String name, BooleanSupplier up, Supplier<String> lastError, boolean required) {

    /**
     * The local journal as a required dependency, "journal": down once it refuses every event until a restart
     * (see {@link AcceptLog#failure()}), so that a load balancer stops sending events to a node that would answer
     * each with a 503.
     */
    public static Dependency journal(AcceptLog acceptLog) {
        return new Dependency("journal", () -> acceptLog.failure() == null, acceptLog::failure, true);
    }
}
