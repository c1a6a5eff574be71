package io.eventpipeline.event;

/** An event breaks a rule of the contract; {@link #tooLarge()} marks a size rule (HTTP 413, not 400). */
public final class InvalidEventException extends Exception {
    private final FieldError fieldError;
    private final boolean tooLarge;

    public InvalidEventException(String field, String error) {
        this(field, error, false);
    }

    public InvalidEventException(String field, String error, boolean tooLarge) {
        super(field + ": " + error, null, false, false);
        this.fieldError = new FieldError(field, error);
        this.tooLarge = tooLarge;
    }

    public FieldError fieldError() {
        return fieldError;
    }

    public boolean tooLarge() {
        return tooLarge;
    }
}
