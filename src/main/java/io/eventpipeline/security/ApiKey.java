package io.eventpipeline.security;

import java.util.Set;

/**
 * One configured key: its name (stored with the events it writes), what it may do, and the SHA-256 of its
 * secret. The secret itself is never kept.
 */
public record ApiKey(String name, Set<Scope> scopes, byte[] secretHash) {
    public ApiKey {
        scopes = Set.copyOf(scopes);
        secretHash = secretHash.clone();
    }

    /** Whether the key may do what {@code scope} names; a write key may do what a browser key may. */
    public boolean allows(Scope scope) {
        return scopes.contains(scope) || scope == Scope.WRITE_BROWSER && scopes.contains(Scope.WRITE);
    }

    /** A public key of a web page ({@link Scope#WRITE_BROWSER}): the browser routes, allowed origins, nothing else. */
    public boolean browser() {
        return scopes.contains(Scope.WRITE_BROWSER);
    }

    @Override
    public byte[] secretHash() {
        return secretHash.clone();
    }

    @Override
    public String toString() {
        return "ApiKey[name=" + name + ", scopes=" + scopes + "]";
    }
}
