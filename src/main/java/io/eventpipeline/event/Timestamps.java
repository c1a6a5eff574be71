package io.eventpipeline.event;

import io.eventpipeline.errors.Messages;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * The two time conversions on the hot path, without a {@link DateTimeFormatter} for the common shapes: a profile
 * of batch ingest put a fifth of the service's CPU in {@code DateTimeFormatter.parse}. Anything outside the
 * common shapes goes to the formatter, so the accepted set and the results are exactly the formatter's, plus the
 * leap second, which the formatter refuses and RFC 3339 allows.
 */
public final class Timestamps {
    private static final DateTimeFormatter DATETIME_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");

    private Timestamps() {
    }

    /**
     * An ISO-8601 date-time with an offset, as {@link DateTimeFormatter#ISO_OFFSET_DATE_TIME} reads it, plus the
     * leap second of RFC 3339 (section 5.6: {@code time-second} may be 60): second 60 is accepted where its UTC time
     * is 23:59:60, on any date and after the offset is applied, and read as 23:59:59.999 UTC of that day, whatever
     * its fraction. An {@link Instant} has no 61st second, and the last millisecond of the day keeps the event in its
     * day and in order before the next day's first.
     *
     * @throws MisplacedLeapSecondException for second 60 at any other UTC time
     * @throws DateTimeParseException when the formatter would throw it for any other input
     */
    public static Instant parseOffsetDateTime(String s) {
        Instant fast = parseCommon(s);
        if (fast != null) {
            return fast;
        }
        int second = leapSecondAt(s);
        if (second < 0) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(s, OffsetDateTime::from).toInstant();
        }
        // The same text one second earlier: the formatter checks every other field as it always does.
        String previous = s.substring(0, second) + "59" + s.substring(second + 2);
        Instant t = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(previous, OffsetDateTime::from).toInstant();
        if (Math.floorMod(t.getEpochSecond(), 86_400) != 86_399) {
            throw new MisplacedLeapSecondException(s, second, LocalTime.ofInstant(t, ZoneOffset.UTC));
        }
        return Instant.ofEpochSecond(t.getEpochSecond(), 999_000_000);
    }

    /**
     * Where the seconds of {@code s} stand when they read 60 in the formatter's shape ({@code …THH:mm:60…}), or -1.
     * The date part never holds a T, so the first one starts the time.
     */
    private static int leapSecondAt(String s) {
        int t = 0;
        while (t < s.length() && s.charAt(t) != 'T' && s.charAt(t) != 't') {
            t++;
        }
        int second = t + 7;
        if (second + 2 > s.length() || s.charAt(t + 3) != ':' || s.charAt(t + 6) != ':'
                || s.charAt(second) != '6' || s.charAt(second + 1) != '0') {
            return -1;
        }
        return second;
    }

    /**
     * Second 60 at a UTC time other than 23:59:60: RFC 3339 allows a leap second only as the last second of a UTC
     * day (the offset applied first), so 2016-12-31T23:59:60+01:00, which is 22:59:60 UTC, is not a time.
     */
    public static final class MisplacedLeapSecondException extends DateTimeParseException {
        private static final long serialVersionUID = 1L;
        private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");
        private static final DateTimeFormatter HH_MM_SS = DateTimeFormatter.ofPattern("HH:mm:ss");

        MisplacedLeapSecondException(String text, int index, LocalTime utcSecondBefore) {
            super("has second 60, a leap second, which exists only at 23:59:60 UTC; '" + Messages.abbreviate(text, 40)
                    + "' is " + utc(utcSecondBefore) + " UTC", text, index);
        }

        /** The UTC label of the second after {@code before}: hh:mm:60 after hh:mm:59 (an offset with seconds). */
        private static String utc(LocalTime before) {
            LocalTime t = before.truncatedTo(ChronoUnit.SECONDS);
            return t.getSecond() == 59 ? HH_MM.format(t) + ":60" : HH_MM_SS.format(t.plusSeconds(1));
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm[:ss[.f{1,9}]](Z|±HH:MM)} with a four-digit year and every field in range;
     * null for anything else (the formatter then decides).
     */
    static Instant parseCommon(String s) {
        int n = s.length();
        if (n < 17 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(13) != ':') {
            return null;
        }
        char t = s.charAt(10);
        if (t != 'T' && t != 't') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > lengthOfMonth(year, month)
                || hour < 0 || hour > 23 || minute < 0 || minute > 59) {
            return null;
        }
        int i = 16;
        int second = 0;
        int nanos = 0;
        if (i < n && s.charAt(i) == ':') {
            second = digits(s, i + 1, 2);
            if (second < 0 || second > 59) {
                return null;
            }
            i += 3;
            if (i < n && s.charAt(i) == '.') {
                int start = ++i;
                while (i < n && i - start < 10 && isDigit(s.charAt(i))) {
                    nanos = nanos * 10 + (s.charAt(i) - '0');
                    i++;
                }
                int count = i - start;
                if (count < 1 || count > 9) {
                    return null;
                }
                for (int k = count; k < 9; k++) {
                    nanos *= 10;
                }
            }
        }
        int offsetSeconds;
        if (i == n - 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || om < 0 || om > 59 || oh > 18 || (oh == 18 && om != 0)) {
                return null;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        long epochDay = epochDay(year, month, day);
        long epochSecond = epochDay * 86_400 + hour * 3600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /**
     * {@code yyyy-MM-dd HH:mm:ss.SSS} in UTC: the DATETIME(3) text the database is given. Sub-millisecond digits
     * are dropped, as the formatter drops them.
     */
    public static String formatDatetimeMillis(Instant t) {
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        int year = d.getYear();
        if (year < 1000 || year > 9999) {
            return DATETIME_MILLIS.format(d);
        }
        byte[] b = new byte[23];
        put(b, 0, year, 4);
        b[4] = '-';
        put(b, 5, d.getMonthValue(), 2);
        b[7] = '-';
        put(b, 8, d.getDayOfMonth(), 2);
        b[10] = ' ';
        put(b, 11, d.getHour(), 2);
        b[13] = ':';
        put(b, 14, d.getMinute(), 2);
        b[16] = ':';
        put(b, 17, d.getSecond(), 2);
        b[19] = '.';
        put(b, 20, d.getNano() / 1_000_000, 3);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static void put(byte[] b, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
    }

    /** The number the {@code count} ASCII digits at {@code from} spell, or -1. */
    private static int digits(String s, int from, int count) {
        if (from + count > s.length()) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (!isDigit(c)) {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLeap(int year) {
        return (year % 4 == 0) && (year % 100 != 0 || year % 400 == 0);
    }

    private static int lengthOfMonth(int year, int month) {
        return switch (month) {
            case 2 -> isLeap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Days since 1970-01-01 in the proleptic Gregorian calendar (the algorithm of {@code LocalDate.toEpochDay}). */
    private static long epochDay(int year, int month, int day) {
        long y = year;
        long total = 365 * y;
        total += (y + 3) / 4 - (y + 99) / 100 + (y + 399) / 400;
        total += (367L * month - 362) / 12;
        total += day - 1;
        if (month > 2) {
            total--;
            if (!isLeap(year)) {
                total--;
            }
        }
        return total - 719_528; // days from year 0 to 1970
    }
}
