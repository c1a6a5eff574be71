package io.eventpipeline;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints the last 8,000 characters of each service's log to stderr when a test fails, and where the whole logs are;
 * register it with {@code @RegisterExtension} on a field, over the test's own list of started services.
 */
public final class ServiceLogsOnFailure implements TestWatcher {
    static final int TAIL_CHARS = 8000;

    private final List<JarProcess> services;
    private final Supplier<Path> logDir;

    /** @param services the test's services, read when a test fails; @param logDir where their logs are kept */
    public ServiceLogsOnFailure(List<JarProcess> services, Supplier<Path> logDir) {
        this.services = services;
        this.logDir = logDir;
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (int i = 0; i < services.size(); i++) {
            try {
                String log = services.get(i).output();
                System.err.println("---- service log " + i + " of " + context.getDisplayName() + " (last "
                        + TAIL_CHARS + " chars; all of it under " + logDir.get() + ")");
                System.err.println(log.substring(Math.max(0, log.length() - TAIL_CHARS)));
            } catch (IOException e) {
                System.err.println("cannot read the service log: " + e);
            }
        }
    }
}
