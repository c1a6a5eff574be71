package io.eventpipeline.security;

/** What a key may do: WRITE posts events, READ reads them back. */
public enum Scope {
    WRITE,
    READ
}
