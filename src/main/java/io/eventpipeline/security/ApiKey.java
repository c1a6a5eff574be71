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

    public boolean allows(Scope scope) {
        return scopes.contains(scope);
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
