package io.eventpipeline.event;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Syntax errors are told in the service's words, with where they are, and never with a library's advice. */
class JsonSyntaxTest {
    private static final String[] LIBRARY_WORDS = {"enable", "Feature", "ALLOW_", "Jackson", "JsonRead", "(code ",
        "REDACTED", "StreamRead", "Non-standard", "CTRL-CHAR", "`"};

    private final EventParser parser = new EventParser(64 << 10, 1000, 5 << 20);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{\"x\":NaN}                | column 38 (in /data/x): 'NaN' is not a JSON number",
        "{\"x\":Infinity}           | column 38 (in /data/x): 'Infinity' is not a JSON number",
        "{\"x\":-Infinity}          | column 38 (in /data/x): '-Infinity' is not a JSON number",
        "{\"x\":+Infinity}          | '+Infinity' is not a JSON number",
        "{\"x\":+1}                 | a number may not start with '+'",
        "{\"x\":01}                 | a number may not start with a 0 followed by more digits",
        "{\"x\":1.}                 | a number may not end with a decimal point",
        "{\"x\":.5}                 | found '.' where a value was expected",
        "{\"x\":1e}                 | the exponent of a number has no digits",
        "{\"x\":-}                  | a '-' must be followed by the digits of a number",
        "{'x':1}                    | column 34 (in /data): names and strings take double quotes",
        "{\"x\":'y'}                | names and strings take double quotes",
        "{\"x\":1 /* c */}          | JSON has no comments",
        "{x:1}                      | found 'x' where the name of a member was expected",
        "{\"x\":1,}                 | a comma before '}'",
        "{\"x\":[1,]}               | a comma before ']'",
        "{\"x\":\"a\tb\"}           | a control character (U+0009) inside a string must be escaped",
        "{\"x\":\"\\q\"}            | a backslash in a string must start one of the escapes",
        "{\"x\":\"\\u12g4\"}        | \\u in a string must be followed by four hexadecimal digits",
        "{\"x\":tru}                | 'tru' is not a JSON value",
        "{\"x\":1 \"y\":2}          | found '\"' where a comma or the end of the object was expected",
        "{\"x\" 1}                  | found '1' where a colon after the name of a member was expected",
        "{\"x\":[1}                 | '}' where ']' was expected to close an array",
        "{\"x\":1                   | the body ends before its JSON is complete",
        "{\"x\":1}\uFEFF}            | U+FEFF"})
    void a_syntax_error_says_what_and_where_in_the_service_s_words(String data, String expected) {
        String body = "{\"type\":\"t\",\"source\":\"s\",\"data\":" + data + "}";

        Throwable t = catchThrowable(() -> parser.parseSingle(body.getBytes(UTF_8)));

        assertThat(t).isInstanceOf(MalformedBodyException.class);
        assertThat(t.getMessage()).startsWith("the body is not valid JSON at line ").contains(expected)
                .doesNotContain(LIBRARY_WORDS);
    }

    @Test
    void an_error_in_a_batch_names_the_element() {
        String body = "{\"events\":[{\"type\":\"t\",\"source\":\"s\",\"data\":{}},{\"type\":\"t\",\"data\":{\"v\":NaN}}]}";

        Throwable t = catchThrowable(() -> parser.parseBatch(body.getBytes(UTF_8)));

        assertThat(t).hasMessageContaining("(in /events/1/data/v): 'NaN' is not a JSON number");
    }

    @Test
    void no_mutated_body_gets_a_message_with_a_library_s_words() {
        String valid = "{\"type\":\"t\",\"source\":\"s\",\"data\":{\"a\":[1,2.5e3,\"x\\n\"],\"b\":{\"c\":null,\"d\":true}}}";
        String inserts = "'/+-.0eE\\\"{}[],:NnIaxt \t\n#*";
        Random r = new Random(11);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder(valid);
            for (int k = 0; k <= r.nextInt(3); k++) {
                int at = r.nextInt(b.length());
                switch (r.nextInt(3)) {
                    case 0 -> b.insert(at, inserts.charAt(r.nextInt(inserts.length())));
                    case 1 -> b.deleteCharAt(at);
                    default -> b.setCharAt(at, inserts.charAt(r.nextInt(inserts.length())));
                }
            }
            String body = r.nextBoolean() ? b.toString() : "{\"events\":[" + b + "," + b + "]}";
            boolean batch = body.startsWith("{\"events\"");
            Throwable t = catchThrowable(() -> {
                if (batch) {
                    parser.parseBatch(body.getBytes(UTF_8));
                } else {
                    parser.parseSingle(body.getBytes(UTF_8));
                }
            });
            if (t != null) {
                assertThat(t).as(body).isInstanceOfAny(MalformedBodyException.class, InvalidEventException.class);
                assertThat(t.getMessage()).as(body).doesNotContain(LIBRARY_WORDS);
            }
        }
    }
}
