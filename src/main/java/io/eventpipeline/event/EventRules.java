package io.eventpipeline.event;

import java.time.Instant;

/**
 * The limits of an event's fields, in one place for intake ({@link EventParser}) and for queries (the filters and
 * cursors of GET /events), so that a filter accepts exactly the values an event can hold. Each limit is the column
 * the value is stored in (schema.sql): id, type and source are {@code VARCHAR(64)} of an ASCII set that needs no
 * collation, user_id holds 128 characters (code points), and timestamp (the column event_time) and created_at are
 * {@code DATETIME(3)}, whose range MySQL and MariaDB document as the years 1000 to 9999.
 */
public final class EventRules {
    /** The longest id, type or source. */
    public static final int TOKEN_MAX_CHARS = 64;
    /** The characters of an id, type or source, as messages list them. */
    public static final String TOKEN_CHARS = "A-Z a-z 0-9 . _ : -";
    /** The whole rule of an id, type or source, as messages state it: "1-64 characters of A-Z a-z 0-9 . _ : -". */
    public static final String TOKEN_RULE = "1-" + TOKEN_MAX_CHARS + " characters of " + TOKEN_CHARS;
    /** The longest user_id, in characters (code points, not UTF-16 units). */
    public static final int USER_ID_MAX_CHARS = 128;
    /** The earliest time a {@code DATETIME(3)} column holds. */
    public static final Instant MIN_TIME = Instant.parse("1000-01-01T00:00:00Z");
    /** The latest time a {@code DATETIME(3)} column holds. */
    public static final Instant MAX_TIME = Instant.parse("9999-12-31T23:59:59.999Z");
    /** The time rule as messages state it, after the field's name. */
    public static final String TIME_RANGE_RULE = "must be between the years 1000 and 9999";

    private EventRules() {
    }

    /**
     * Whether {@code s} has the length of an id, type or source: 1 to {@value #TOKEN_MAX_CHARS} characters, counted
     * as the message that refuses it counts them. Only a value with characters outside the set can differ in UTF-16
     * units, and {@link #firstNonTokenChar} refuses it anyway.
     */
    public static boolean tokenLengthFits(String s) {
        int n = characters(s);
        return n >= 1 && n <= TOKEN_MAX_CHARS;
    }

    /** Where the first character outside {@value #TOKEN_CHARS} stands in {@code s}, or -1 when there is none. */
    public static int firstNonTokenChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == ':' || c == '-';
            if (!ok) {
                return i;
            }
        }
        return -1;
    }

    /** The characters of {@code s} as its limits count them: code points, so that a pair of surrogates is one. */
    public static int characters(String s) {
        return s.codePointCount(0, s.length());
    }

    /**
     * Null when {@code userId} has the length of a user_id (1 to {@value #USER_ID_MAX_CHARS} characters), else
     * what is wrong with it, after the field's name: "must be 1-128 characters long, got 0".
     */
    public static String userIdLengthError(String userId) {
        int n = characters(userId);
        return n >= 1 && n <= USER_ID_MAX_CHARS ? null
                : "must be 1-" + USER_ID_MAX_CHARS + " characters long, got " + n;
    }

    /** Whether a {@code DATETIME(3)} column holds {@code t} (already cut to the millisecond it is stored as). */
    public static boolean inTimeRange(Instant t) {
        return !t.isBefore(MIN_TIME) && !t.isAfter(MAX_TIME);
    }

    /** Whether a {@code DATETIME(3)} column holds the time {@code epochMillis} after the epoch. */
    public static boolean inTimeRange(long epochMillis) {
        return epochMillis >= MIN_TIME.toEpochMilli() && epochMillis <= MAX_TIME.toEpochMilli();
    }
}
