package io.eventpipeline.event;

/** The body as a whole cannot be read: not JSON, not UTF-8, wrong envelope, too many events. */
public final class MalformedBodyException extends Exception {
    private final boolean tooLarge;

    public MalformedBodyException(String message) {
        this(message, false);
    }

    public MalformedBodyException(String message, boolean tooLarge) {
        super(message, null, false, false);
        this.tooLarge = tooLarge;
    }

    public boolean tooLarge() {
        return tooLarge;
    }
}
