package io.eventpipeline.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The configured API keys. Lines are {@code scopes:name:sha256:<hex>}, e.g. {@code write:shop-web:sha256:9f86…},
 * where scopes is {@code write}, {@code read}, {@code read+write} or {@code write-browser} (alone: see
 * {@link Scope#WRITE_BROWSER}). A presented secret is hashed and compared
 * with every key's hash in constant time, so timing tells nothing about how close a guess was.
 */
public final class ApiKeys {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final String PREFIX = "ep_";

    private final List<ApiKey> keys;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
    }

    public static ApiKeys none() {
        return new ApiKeys(List.of());
    }

    /**
     * Parses key lines from a file and/or text (the environment); blank lines and # comments are skipped.
     *
     * @throws IllegalArgumentException for a malformed line, or a file that holds no key at all
     * @throws IOException when the file cannot be read
     */
    public static ApiKeys load(Path file, String text) throws IOException {
        List<ApiKey> keys = new ArrayList<>();
        if (file != null) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                parseInto(keys, lines.get(i), "--api-keys-file " + file + " line " + (i + 1));
            }
            if (keys.isEmpty()) {
                // A keys file was named, so keys were meant: starting without any would open the door to anyone.
                throw new IllegalArgumentException("--api-keys-file " + file + " holds no key: add the line that "
                        + "'keys new' prints, or leave the flag out to run without keys on loopback");
            }
        }
        if (text != null) {
            String[] lines = text.split("[\\n,;]");
            for (int i = 0; i < lines.length; i++) {
                parseInto(keys, lines[i], "PIPELINE_API_KEYS entry " + (i + 1));
            }
        }
        return new ApiKeys(keys);
    }

    private static void parseInto(List<ApiKey> keys, String raw, String where) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
            return;
        }
        String[] parts = line.split(":");
        if (parts.length != 4 || !parts[2].equals("sha256")) {
            throw new IllegalArgumentException(where + ": expected scopes:name:sha256:<64 hex digits>, e.g. "
                    + "write:shop-web:sha256:9f86d0…; run `event-pipeline keys new` to make one");
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        for (String s : parts[0].split("\\+")) {
            switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "read" -> scopes.add(Scope.READ);
                case "write" -> scopes.add(Scope.WRITE);
                case "write-browser" -> scopes.add(Scope.WRITE_BROWSER);
                default -> throw new IllegalArgumentException(where + ": unknown scope '" + s
                        + "' (use write, read, read+write or write-browser)");
            }
        }
        if (scopes.contains(Scope.WRITE_BROWSER) && scopes.size() > 1) {
            // A browser key is published in every page that carries it: it must not open anything else.
            throw new IllegalArgumentException(where + ": write-browser is a scope of its own, not to be combined: "
                    + "a browser key is public, so it may only post through the browser routes; make a separate key "
                    + "for the rest");
        }
        if (!NAME.matcher(parts[1]).matches()) {
            throw new IllegalArgumentException(where + ": the key name must be 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        if (!parts[3].matches("[0-9a-fA-F]{64}")) {
            throw new IllegalArgumentException(where + ": the hash must be 64 hex digits (SHA-256)");
        }
        keys.add(new ApiKey(parts[1], scopes, HexFormat.of().parseHex(parts[3].toLowerCase(Locale.ROOT))));
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public int size() {
        return keys.size();
    }

    /** Whether any key is a browser key ({@link Scope#WRITE_BROWSER}). */
    public boolean hasBrowserKey() {
        return keys.stream().anyMatch(ApiKey::browser);
    }

    /**
     * The key whose secret this is. Every configured hash is compared, each in constant time, whether or not an
     * earlier one matched: the time taken does not depend on the secret.
     */
    public Optional<ApiKey> find(String secret) {
        byte[] hash = sha256(secret);
        ApiKey found = null;
        for (ApiKey key : keys) {
            if (MessageDigest.isEqual(hash, key.secretHash()) && found == null) {
                found = key;
            }
        }
        return Optional.ofNullable(found);
    }

    public static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A new random secret (256 bits) and the line that configures it. */
    public record NewKey(String secret, String line) {
    }

    public static NewKey generate(String scopes, String name) {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String line = scopes + ":" + name + ":sha256:" + HexFormat.of().formatHex(sha256(secret));
        List<ApiKey> check = new ArrayList<>();
        parseInto(check, line, "the new key"); // the generated line must load
        return new NewKey(secret, line);
    }
}
