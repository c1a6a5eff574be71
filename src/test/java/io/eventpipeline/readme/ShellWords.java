package io.eventpipeline.readme;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Splits one shell command line as POSIX sh does for the forms the README's examples use: single quotes (literal,
 * newlines included), double quotes (with {@code $NAME} and backslash escapes), backslash escapes and
 * backslash-newline continuations outside quotes, and a {@code #} comment at the start of a word. Anything else
 * (command substitution, globs, redirections) is not interpreted.
 */
public final class ShellWords {
    private ShellWords() {}

    /**
     * The words of {@code command}, with {@code $NAME} replaced from {@code variables}.
     *
     * @throws IllegalArgumentException on an unclosed quote or a variable that is not given
     */
    public static List<String> split(String command, Map<String, String> variables) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int i = 0;
        int n = command.length();
        while (i < n) {
            char c = command.charAt(i);
            if (c == '\'') {
                int end = command.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("an unclosed ' in: " + command);
                }
                word.append(command, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                i = doubleQuoted(command, i + 1, word, variables);
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 < n && command.charAt(i + 1) != '\n') {
                    word.append(command.charAt(i + 1));
                    inWord = true;
                }
                i += 2;
            } else if (c == '$') {
                i = variable(command, i + 1, word, variables);
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else if (c == '#' && !inWord) {
                int end = command.indexOf('\n', i);
                i = end < 0 ? n : end;
            } else {
                word.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    private static int doubleQuoted(String s, int i, StringBuilder word, Map<String, String> variables) {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\' && i + 1 < s.length() && "\"\\$`".indexOf(s.charAt(i + 1)) >= 0) {
                word.append(s.charAt(i + 1));
                i += 2;
            } else if (c == '$') {
                i = variable(s, i + 1, word, variables);
            } else {
                word.append(c);
                i++;
            }
        }
        throw new IllegalArgumentException("an unclosed \" in: " + s);
    }

    private static int variable(String s, int i, StringBuilder word, Map<String, String> variables) {
        int end = i;
        while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_')) {
            end++;
        }
        if (end == i) {
            word.append('$');
            return i;
        }
        String name = s.substring(i, end);
        String value = variables.get(name);
        if (value == null) {
            throw new IllegalArgumentException("$" + name + " is not one of the variables the examples may use "
                    + variables.keySet());
        }
        word.append(value);
        return end;
    }
}
