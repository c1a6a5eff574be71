package io.eventpipeline;

/** A reason the service cannot start, already worded as the one line the operator sees. */
public final class StartupException extends Exception {
    public StartupException(String message) {
        super(message, null, false, false);
    }
}
