package io.eventpipeline.event;

import io.eventpipeline.errors.Messages;
import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Which JSON numbers every supported database stores without changing their value. MariaDB keeps a JSON document
 * as the text it was sent; H2 keeps each number as a decimal of any size (it respells it: {@code 1e2} becomes
 * {@code 1E2}); MySQL 8 keeps an integer that fits 64 bits (signed, or unsigned when positive) and turns any other
 * number into a double, refusing one past a double's range ({@code 1e400}) and rounding one with more digits than
 * a double holds. So a number is storable when it is such an integer, or when a double holds its value exactly as
 * written: {@code 0.1} (a double reads back as 0.1), not {@code 0.12345678901234567891} nor {@code 1e-400}
 * (which MySQL would store as 0). JSON itself has no such limit (RFC 8259 §6 leaves it to implementations).
 */
final class JsonNumbers {
    /** The longest number read at all: enough for any storable spelling, short enough to check in microseconds. */
    static final int MAX_CHARS = 1000;
    private static final BigInteger MIN_INT64 = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_UINT64 = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** Exponents longer than this are far past any double, and past what BigDecimal parses quickly. */
    private static final int MAX_EXPONENT_DIGITS = 4;

    private JsonNumbers() {
    }

    /**
     * Why the number {@code text} (valid JSON number syntax) cannot be stored as it is, or null when it can.
     *
     * @param where where the number is, for the message
     */
    static String problem(String text, boolean integer, String where) {
        if (text.length() > MAX_CHARS) {
            return "has a number of " + text.length() + " characters" + where + ", over the limit of " + MAX_CHARS;
        }
        if (integer ? storableInteger(text) : storableFraction(text)) {
            return null;
        }
        return "has the number " + Messages.abbreviate(text, 40) + where
                + ", which a database would not store exactly: a number must be an integer from -2^63 to 2^64-1, "
                + "or a value a double holds exactly as written (at most 15 to 17 significant digits, magnitude "
                + "about 1e-323 to 1.8e308); send it as a string to keep every digit";
    }

    private static boolean storableInteger(String text) {
        if (text.length() <= 18) {
            return true; // fits a long
        }
        BigInteger n = new BigInteger(text);
        return n.compareTo(MIN_INT64) >= 0 && n.compareTo(MAX_UINT64) <= 0 || sameAsDouble(text);
    }

    private static boolean storableFraction(String text) {
        int e = Math.max(text.indexOf('e'), text.indexOf('E'));
        if (e < 0 && text.length() <= 16) {
            return true; // at most 15 digits and no exponent: a double holds any such value exactly as written
        }
        if (e >= 0) {
            int digits = text.length() - e - 1;
            if (digits > 0 && (text.charAt(e + 1) == '-' || text.charAt(e + 1) == '+')) {
                digits--;
            }
            if (digits > MAX_EXPONENT_DIGITS) {
                return false;
            }
        }
        return sameAsDouble(text);
    }

    /** True when the nearest double, written back in its shortest form, is the same value as {@code text}. */
    private static boolean sameAsDouble(String text) {
        double d = Double.parseDouble(text);
        if (!Double.isFinite(d)) {
            return false;
        }
        return new BigDecimal(text).compareTo(new BigDecimal(Double.toString(d))) == 0;
    }
}
