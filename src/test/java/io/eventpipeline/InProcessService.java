package io.eventpipeline;

import io.eventpipeline.config.Config;
import io.eventpipeline.errors.StartupException;

/**
 * The service as {@code main} builds it ({@link Main#build}), started in the test's JVM: for tests in other packages
 * that start and stop nodes themselves, several at once or again on the same settings, where {@link RunningService}
 * runs one per test.
 */
public final class InProcessService {
    private InProcessService() {
    }

    /**
     * Builds and starts a service on {@code config}; the caller stops it.
     *
     * @throws StartupException as the command line would print it
     */
    public static Service start(Config config) throws StartupException {
        Service service = Main.build(config);
        service.start();
        return service;
    }
}
