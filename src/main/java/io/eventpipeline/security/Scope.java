package io.eventpipeline.security;

/**
 * What a key may do: WRITE posts events through every ingest route, READ reads them back, and WRITE_BROWSER is the
 * public key of a web page: it may post through the browser routes only ({@code /v1/t}, {@code /v1/b}, …, the
 * paths analytics.js posts to), only from a page of an origin in {@code --cors-origins}, under
 * {@code --browser-rate-limit}; it can never read. A page cannot keep a secret, so such a key is public by nature.
 */
public enum Scope {
    WRITE,
    READ,
    WRITE_BROWSER
}
