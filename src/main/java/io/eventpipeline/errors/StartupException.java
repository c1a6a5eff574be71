package io.eventpipeline.errors;

/**
 * A reason the service cannot start, already worded as the one line the operator sees, with the exit code it ends
 * with: {@link #BAD_VALUE} when the configuration itself is wrong (the flags, the environment, a key line), so
 * that no retry can help; {@link #UNAVAILABLE} when a valid configuration names something the service could not use
 * (a file, the data directory, the port, the database).
 */
public final class StartupException extends Exception {
    /** The exit code of a bad flag value, as picocli's own parse errors end too. */
    public static final int BAD_VALUE = 2;
    /** The exit code when what the configuration names cannot be used or reached. */
    public static final int UNAVAILABLE = 1;

    private final int exitCode;

    /** A resource that could not be used: exit code {@link #UNAVAILABLE}. */
    public StartupException(String message) {
        this(message, UNAVAILABLE);
    }

    private StartupException(String message, int exitCode) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** A configuration that is wrong in itself: exit code {@link #BAD_VALUE}. */
    public static StartupException badValue(String message) {
        return new StartupException(message, BAD_VALUE);
    }

    /** The process's exit code for this failure: {@link #BAD_VALUE} or {@link #UNAVAILABLE}. */
    public int exitCode() {
        return exitCode;
    }
}
