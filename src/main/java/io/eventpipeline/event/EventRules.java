package io.eventpipeline.event;

import java.time.Instant;

/**
 * The limits of an event's fields, in one place for intake ({@link EventParser}) and for queries (the filters and
 * cursors of GET /events), so that a filter accepts exactly the values an event can hold. Each limit is the column
 * the value is stored in (schema.sql): id is {@code VARCHAR(64)} of an ASCII set that needs no collation, type and
 * source are names as users write them in 255 characters, user_id holds 128 characters, and timestamp (the column
 * event_time) and created_at are {@code DATETIME(3)}, whose range MySQL and MariaDB document as the years 1000 to
 * 9999. A character is a code point everywhere (a surrogate pair is one), as MySQL's utf8mb4 {@code VARCHAR(n)}
 * counts; H2 counts UTF-16 units, so its columns are twice as wide (schema-h2.sql) and these rules are the limit.
 */
public final class EventRules {
    /** The longest id. */
    public static final int TOKEN_MAX_CHARS = 64;
    /** The characters of an id, as messages list them. */
    public static final String TOKEN_CHARS = "A-Z a-z 0-9 . _ : -";
    /** The whole rule of an id, as messages state it: "1-64 characters of A-Z a-z 0-9 . _ : -". */
    public static final String TOKEN_RULE = "1-" + TOKEN_MAX_CHARS + " characters of " + TOKEN_CHARS;
    /** The longest type or source, in characters (code points). */
    public static final int NAME_MAX_CHARS = 255;
    /** The whole rule of a type or source, as messages state it. */
    public static final String NAME_RULE = "1-" + NAME_MAX_CHARS + " characters, not blank, no control characters";
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
     * Whether {@code s} has the length of an id: 1 to {@value #TOKEN_MAX_CHARS} characters, counted as the message
     * that refuses it counts them. Only a value with characters outside the set can differ in UTF-16 units, and
     * {@link #firstNonTokenChar} refuses it anyway.
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

    /**
     * Null when {@code s} can be an event's type or source, else what is wrong with it, after the field's name
     * ("must not be blank"). The rule ({@link #NAME_RULE}) takes names as the SDKs people use send them
     * ({@code Order Completed}, {@code $pageview}, {@code 注文 完了}, emoji):
     * <ul>
     * <li>1 to {@value #NAME_MAX_CHARS} characters (code points);
     * <li>no control character (Unicode general category Cc: U+0000-U+001F, U+007F-U+009F, tab and newlines
     * included), since a name is shown on one line in logs and dashboards;
     * <li>no unpaired surrogate, which no utf8mb4 column can hold (see {@link Surrogates});
     * <li>not blank: at least one character that is neither Unicode White_Space nor a format character (Cf), so
     * that a name cannot look empty. Format characters are accepted beside visible ones, as the peers accept
     * them: the zero-width joiner holds emoji sequences together, and U+200B or a BOM are kept as sent.
     * </ul>
     * Nothing is trimmed or normalised: a name is stored, and matched by a filter, exactly as sent. Positions in
     * messages count characters (code points) from 0.
     */
    public static String nameError(String s) {
        int n = characters(s);
        if (n < 1 || n > NAME_MAX_CHARS) {
            return "must be 1-" + NAME_MAX_CHARS + " characters long, got " + n;
        }
        boolean visible = false;
        int position = 0;
        for (int i = 0; i < s.length(); position++) {
            int cp = s.codePointAt(i);
            int category = Character.getType(cp);
            if (category == Character.CONTROL) {
                return "must not contain a control character (found " + codePoint(cp) + " at position " + position
                        + ")";
            }
            if (category == Character.SURROGATE) {
                return "has an unpaired surrogate (" + codePoint(cp) + ") at position " + position
                        + ": escape a character outside the BMP as a pair, or send it as UTF-8";
            }
            visible |= !whiteSpace(cp) && category != Character.FORMAT;
            i += Character.charCount(cp);
        }
        return visible ? null : "must not be blank (it has only spaces or invisible format characters)";
    }

    /**
     * Unicode's White_Space property (PropList.txt): Java has no method for it. {@link Character#isWhitespace}
     * leaves out the no-break spaces and {@link Character#isSpaceChar} the controls among them (which
     * {@link #nameError} refuses first anyway).
     */
    static boolean whiteSpace(int cp) {
        return Character.isSpaceChar(cp) || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85;
    }

    private static String codePoint(int cp) {
        return String.format("U+%04X", cp);
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
