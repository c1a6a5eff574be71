package io.eventpipeline.api;

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
}
