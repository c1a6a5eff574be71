package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import io.eventpipeline.errors.Messages;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Says in the service's own words what is wrong with a body that is not JSON, and where. Jackson's messages are
 * written for programmers using Jackson: they name its classes and advise enabling its features (NaN, comments,
 * single quotes...), which a client of this service cannot do. Its message is only used to tell the kinds of
 * fault apart; none of its text reaches the client.
 */
public final class JsonSyntax {
    private static final Pattern ELEMENT = Pattern.compile("/events/(\\d+)");
    private static final String VALUES =
            "a string in double quotes, a number, an object, an array, true, false or null";

    private JsonSyntax() {
    }

    /**
     * The message for a syntax error in {@code body}.
     *
     * @param shift what to add to the parser's byte offsets to make them offsets in {@code body}
     * @param indexShift what to add to the parser's index in a batch's "events" to make it the body's
     */
    public static String describe(JsonProcessingException e, byte[] body, long shift, int indexShift) {
        JsonLocation at = e.getLocation();
        long offset = at == null || at.getByteOffset() < 0 ? -1 : at.getByteOffset() + shift;
        offset = tokenStart(String.valueOf(e.getOriginalMessage()), body, offset);
        return "the body is not valid JSON" + where(body, offset) + pointer(e, indexShift) + ": "
                + what(e, body, offset);
    }

    /**
     * What a body that the parser gave up on is told, whole: a limit it is over, where its syntax breaks, or that it
     * could not be read.
     *
     * @param maxDepth the nesting limit of the parser that read it
     */
    public static MalformedBodyException malformedBody(java.io.IOException e, byte[] body, int maxDepth) {
        return switch (e) {
            case StreamConstraintsException c -> new MalformedBodyException("the body " + limit(c, maxDepth));
            case JsonProcessingException j -> new MalformedBodyException(describe(j, body, 0, 0));
            default -> new MalformedBodyException("the body could not be read");
        };
    }

    /** The message for a parser safety limit (Jackson's stream constraints): the nesting depth in practice. */
    public static String limit(StreamConstraintsException e, int maxDepth) {
        String m = String.valueOf(e.getOriginalMessage());
        if (m.contains("nesting depth")) {
            return "is nested more than " + maxDepth + " levels deep (the body's outer object is level 1)";
        }
        return "is over a parser limit: a document, name, string or number longer than the body size limit";
    }

    private static String what(JsonProcessingException e, byte[] body, long offset) {
        String m = String.valueOf(e.getOriginalMessage());
        if (e instanceof JsonEOFException || m.startsWith("Unexpected end-of-input")) {
            return "the body ends before its JSON is complete (an object, array or string is not closed)";
        }
        String token = quoted(m);
        if (m.startsWith("Non-standard token")) {
            return token + " is not a JSON number: send a number, or the value as a string or null";
        }
        if (m.contains("plus sign")) {
            return "a number may not start with '+'";
        }
        if (m.contains("Leading zeroes")) {
            return "a number may not start with a 0 followed by more digits";
        }
        if (m.contains("comment")) {
            return "JSON has no comments";
        }
        if (m.contains("Decimal point not followed")) {
            return "a number may not end with a decimal point: write a digit after it";
        }
        if (m.contains("Exponent indicator")) {
            return "the exponent of a number has no digits";
        }
        if (m.contains("minus sign")) {
            return "a '-' must be followed by the digits of a number";
        }
        if (m.contains("Illegal unquoted character")) {
            int c = offset >= 0 && offset < body.length ? body[(int) offset] & 0xFF : -1;
            return "a control character" + (c >= 0 && c < 0x20 ? String.format(" (U+%04X)", c) : "")
                    + " inside a string must be escaped, such as \\n or \\u000a";
        }
        if (m.contains("Unrecognized character escape")) {
            return "a backslash in a string must start one of the escapes \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX";
        }
        if (m.contains("hex-digit")) {
            return "\\u in a string must be followed by four hexadecimal digits";
        }
        if (m.startsWith("Unrecognized token")) {
            return token + " is not a JSON value: a value is " + VALUES;
        }
        String c = character(body, offset);
        if (c.equals("'''")) {
            return "names and strings take double quotes, not single quotes";
        }
        if (m.contains("start field name")) {
            return c.equals("'}'") ? "a comma before '}': JSON allows no comma after the last member"
                    : "found " + c + " where the name of a member was expected: a name is a string in double quotes";
        }
        if (m.contains("expected a value")) {
            return c.equals("']'") ? "a comma before ']': JSON allows no comma after the last element"
                    : "found " + c + " where a value was expected: a value is " + VALUES;
        }
        if (m.contains("valid value")) {
            return "found " + c + " where a value was expected: a value is " + VALUES;
        }
        if (m.contains("comma to separate")) {
            return "found " + c + " where a comma or the end of the " + (m.contains("Array") ? "array" : "object")
                    + " was expected";
        }
        if (m.contains("colon")) {
            return "found " + c + " where a colon after the name of a member was expected";
        }
        if (m.contains("close marker")) {
            return m.contains("expected ']'") ? c + " where ']' was expected to close an array"
                    : m.contains("expected '}'") ? c + " where '}' was expected to close an object"
                    : c + " closes nothing that is open here";
        }
        return "unexpected " + c;
    }

    /** Jackson places some errors after the word or digit at fault; a client looks for where the value starts. */
    private static long tokenStart(String m, byte[] body, long offset) {
        if (offset >= 0 && offset <= body.length && (m.contains("plus sign") || m.contains("Leading zeroes"))) {
            long start = offset;
            while (start > 0 && isNumberStart(body[(int) start - 1])) {
                start--;
            }
            return start;
        }
        if (offset < 0 || !(m.startsWith("Non-standard token") || m.startsWith("Unrecognized token"))) {
            return offset;
        }
        String token = quoted(m);
        byte[] word = token.substring(1, token.length() - 1).getBytes(StandardCharsets.UTF_8);
        long start = offset - word.length;
        if (start < 0 || offset > body.length) {
            return offset;
        }
        for (int i = 0; i < word.length; i++) {
            if (body[(int) start + i] != word[i]) {
                return offset;
            }
        }
        return start;
    }

    private static boolean isNumberStart(byte b) {
        return b >= '0' && b <= '9' || b == '+' || b == '-';
    }

    /** The JSON Pointer of the value being read (RFC 6901), such as {@code /events/2/data/items/0}. */
    private static String pointer(JsonProcessingException e, int indexShift) {
        if (!(e.getProcessor() instanceof JsonParser p) || p.getParsingContext() == null) {
            return "";
        }
        String path = p.getParsingContext().pathAsPointer().toString();
        Matcher element = ELEMENT.matcher(path);
        if (indexShift != 0 && element.lookingAt()) {
            path = "/events/" + (Integer.parseInt(element.group(1)) + indexShift) + path.substring(element.end());
        }
        return path.isEmpty() ? "" : " (in " + Messages.abbreviate(path) + ")";
    }

    /** " at line L, column C", counting characters (not bytes) from 1, or "" when the offset is unknown. */
    private static String where(byte[] body, long offset) {
        if (offset < 0 || offset > body.length) {
            return "";
        }
        int line = 1;
        int column = 1;
        for (int i = 0; i < offset; i++) {
            if (body[i] == '\n') {
                line++;
                column = 1;
            } else if ((body[i] & 0xC0) != 0x80) {
                column++; // a continuation byte belongs to the character before it
            }
        }
        return " at line " + line + ", column " + column;
    }

    /** The character at the offset, quoted, or "the end of the body". */
    private static String character(byte[] body, long offset) {
        if (offset < 0 || offset >= body.length) {
            return "the end of the body";
        }
        int i = (int) offset;
        int end = i + 1;
        while (end < body.length && (body[end] & 0xC0) == 0x80) {
            end++;
        }
        int cp = new String(body, i, end - i, StandardCharsets.UTF_8).codePointAt(0);
        return visible(cp) ? "'" + Character.toString(cp) + "'" : String.format("U+%04X", cp);
    }

    /** False for what a reader would not see between quotes: controls, format marks (U+FEFF), odd spaces. */
    private static boolean visible(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR, Character.PRIVATE_USE, Character.SURROGATE,
                    Character.UNASSIGNED -> cp == ' ';
            default -> true;
        };
    }

    /** The input text Jackson quotes in its message (a token such as NaN), quoted again by us. */
    private static String quoted(String m) {
        int from = m.indexOf('\'');
        int to = from < 0 ? -1 : m.indexOf('\'', from + 1);
        return to < 0 ? "the value" : "'" + Messages.abbreviate(m.substring(from + 1, to)) + "'";
    }
}
