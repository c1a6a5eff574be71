package io.eventpipeline.event;

/** An event breaks a rule of the contract; {@link #tooLarge()} marks a size rule (HTTP 413, not 400). */
public final class InvalidEventException extends Exception {
    private final FieldError fieldError;
    private final boolean tooLarge;
    private final boolean stoppedInside;

    public InvalidEventException(String field, String error) {
        this(field, error, false);
    }

    public InvalidEventException(String field, String error, boolean tooLarge) {
        this(field, error, tooLarge, false);
    }

    private InvalidEventException(String field, String error, boolean tooLarge, boolean stoppedInside) {
        super(field + ": " + error, null, false, false);
        this.fieldError = new FieldError(field, error);
        this.tooLarge = tooLarge;
        this.stoppedInside = stoppedInside;
    }

    /** A rule met before the value was read to its end (a depth limit): the parser is left inside the value. */
    static InvalidEventException stoppedInside(String field, String error) {
        return new InvalidEventException(field, error, false, true);
    }

    /** True when the parser stopped inside the value, so that it cannot skip the rest of the event by itself. */
    boolean stoppedInside() {
        return stoppedInside;
    }

    public FieldError fieldError() {
        return fieldError;
    }

    public boolean tooLarge() {
        return tooLarge;
    }
}
