package io.eventpipeline.api;

import io.eventpipeline.event.EventRules;
import io.eventpipeline.storage.EventPage.Position;
import io.eventpipeline.storage.EventQuery;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

/**
 * The opaque {@code cursor} of GET /events: a walk's {@link Position} and the filters it was issued for, as 44
 * base64url characters.
 *
 * <p>Layout (33 bytes): version 1, created_at in epoch millis (8), seq (8), maxSeq (8), a digest of the filters
 * (4), a digest of all that precedes (4). The check digest catches a cursor that was cut, mistyped or made up, and
 * the filter digest a cursor sent with other filters than the page it came from; both are a 400. Neither is a
 * secret: a cursor built by hand to point elsewhere only moves where a walk starts over events the caller may
 * read anyway, and needing no key keeps cursors valid across restarts and across instances behind one database.
 */
final class Cursor {
    static final int VERSION = 1;
    private static final int BYTES = 33;
    private static final int CHARS = 44;
    private static final String NOT_OURS =
            "cursor: is not a cursor this service issued; pass next_cursor back exactly as it came, or leave cursor "
                    + "out to start from the newest event";

    private Cursor() {
    }

    static String encode(Position p, EventQuery filters) {
        ByteBuffer b = ByteBuffer.allocate(BYTES);
        b.put((byte) VERSION).putLong(p.createdAt().toEpochMilli()).putLong(p.seq()).putLong(p.maxSeq())
                .putInt(filterDigest(filters));
        b.putInt(check(b.array(), BYTES - 4));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    /** The position a cursor stands for, or a 400 that says why it cannot be used with these filters. */
    static Position decode(String cursor, EventQuery filters) {
        if (cursor.length() != CHARS || !base64url(cursor)) {
            throw invalid();
        }
        ByteBuffer b = ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor));
        int version = b.get();
        long millis = b.getLong();
        long seq = b.getLong();
        long maxSeq = b.getLong();
        int filterDigest = b.getInt();
        int check = b.getInt();
        if (check != check(b.array(), BYTES - 4) || version != VERSION) {
            throw invalid();
        }
        if (!EventRules.inTimeRange(millis) || seq < 1 || seq > maxSeq) {
            throw invalid();
        }
        if (filterDigest != filterDigest(filters)) {
            throw ApiError.badRequest("cursor: was issued for other filters; send the same type, source, user_id, "
                    + "since and until as the first page (limit may change), or leave cursor out to start over")
                    .with("field", "cursor");
        }
        return new Position(Instant.ofEpochMilli(millis), seq, maxSeq);
    }

    private static ApiError invalid() {
        return ApiError.badRequest(NOT_OURS).with("field", "cursor");
    }

    /** 44 characters of 33 bytes use every bit, so each such string is the one encoding of its bytes. */
    private static boolean base64url(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
                    || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Each filter as absent, or its length and value: no two different filter sets read the same. */
    private static int filterDigest(EventQuery q) {
        StringBuilder sb = new StringBuilder();
        for (String v : new String[] {q.type(), q.source(), q.userId(), millis(q.since()), millis(q.until())}) {
            if (v == null) {
                sb.append('-');
            } else {
                sb.append('+').append(v.length()).append(':').append(v);
            }
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.wrap(sha256(text, text.length)).getInt();
    }

    private static String millis(Instant t) {
        return t == null ? null : Long.toString(t.toEpochMilli());
    }

    private static int check(byte[] bytes, int length) {
        return ByteBuffer.wrap(sha256(bytes, length)).getInt();
    }

    private static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
