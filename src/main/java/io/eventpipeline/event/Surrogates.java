package io.eventpipeline.event;

/**
 * Finds unpaired UTF-16 surrogates, which JSON lets through as escapes ({@code "\ud800"}) but which no UTF-8
 * store can hold: MySQL and H2 refuse such a JSON document, and a VARCHAR gets a '?' in its place. An event that
 * carries one must be refused at the door, not accepted and then dead-lettered.
 */
public final class Surrogates {
    private Surrogates() {
    }

    /** The index of the first unpaired surrogate in {@code s}, or -1. */
    public static int firstUnpaired(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The offset of the first {@code \\u} escape of an unpaired surrogate in JSON text that has already been
     * parsed (so every backslash starts an escape inside a string), or -1. Raw surrogates cannot occur: the
     * body is checked to be strict UTF-8 first.
     */
    public static int firstUnpairedEscape(byte[] json, int from, int to) {
        int i = from;
        while (i < to) {
            if (json[i] != '\\') {
                i++;
                continue;
            }
            if (i + 1 >= to || json[i + 1] != 'u') {
                i += 2; // \" \\ \/ \b \f \n \r \t
                continue;
            }
            int unit = hex4(json, i + 2, to);
            if (unit >= 0xD800 && unit <= 0xDBFF) {
                int next = i + 6 + 1 < to && json[i + 6] == '\\' && json[i + 7] == 'u' ? hex4(json, i + 8, to) : -1;
                if (next < 0xDC00 || next > 0xDFFF) {
                    return i;
                }
                i += 12;
            } else if (unit >= 0xDC00 && unit <= 0xDFFF) {
                return i;
            } else {
                i += 6;
            }
        }
        return -1;
    }

    private static int hex4(byte[] b, int at, int to) {
        if (at + 4 > to) {
            return -1;
        }
        int v = 0;
        for (int k = at; k < at + 4; k++) {
            int d = Character.digit(b[k], 16);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
