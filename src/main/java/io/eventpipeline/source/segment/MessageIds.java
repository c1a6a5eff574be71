package io.eventpipeline.source.segment;

import io.eventpipeline.event.EventRules;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * A Segment {@code messageId} as an event id. The Segment spec lets a messageId be any string, and an SDK never
 * resends a message answered 400, so none is refused: one that fits the id rule ({@link EventRules#TOKEN_RULE}) is
 * the id as it is, any other becomes {@code sha256:} followed by the unpadded base64url (RFC 4648 §5) of the
 * SHA-256 of its UTF-8 bytes: 50 characters of the id rule. The same messageId always gives the same id, so a
 * message sent again (an SDK's retry) is stored once.
 */
public final class MessageIds {
    /** What starts an id made from a messageId that does not fit the id rule. */
    public static final String HASH_PREFIX = "sha256:";

    private MessageIds() {
    }

    /**
     * The event id of {@code messageId}: itself when it fits the id rule, else its hash. A lone surrogate in it is
     * hashed as the UTF-8 encoder writes it, as {@code ?}.
     */
    public static String eventId(String messageId) {
        if (EventRules.tokenLengthFits(messageId) && EventRules.firstNonTokenChar(messageId) < 0) {
            return messageId;
        }
        return HASH_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(messageId));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
