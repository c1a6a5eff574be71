package io.eventpipeline.event;

/** What is wrong with one field of an event, in words a client can act on. */
public record FieldError(String field, String error) {
}
