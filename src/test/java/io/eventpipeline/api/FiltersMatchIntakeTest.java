package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.eventpipeline.event.EventParser;
import io.eventpipeline.event.InvalidEventException;
import io.eventpipeline.event.MalformedBodyException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A filter or an id that no event could hold is a 400, and one that an event could hold is a query: the query side
 * and intake must agree on every value, at each limit and on each side of it.
 */
class FiltersMatchIntakeTest {
    private static final String EMOJI = "\uD83D\uDE00";
    private final EventParser parser = new EventParser(64 << 10, 10, 1 << 20);

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "A-z_0.9:", "a b", "x/y", "caf\u00e9", "\u0000", "64", "65", "40 emoji",
        "65 emoji", "255", "256", "255 emoji", "256 emoji", " ", "\u200b", "a\tb", "a\u0085", "$pageview",
        "\uD83D\uDC69\u200D\uD83D\uDCBB"})
    void type_source_and_id_filters_accept_exactly_the_values_an_event_may_have(String example) {
        String v = switch (example) {
            case "64", "65", "255", "256" -> "a".repeat(Integer.parseInt(example));
            case "40 emoji", "65 emoji", "255 emoji", "256 emoji" ->
                    EMOJI.repeat(Integer.parseInt(example.substring(0, example.indexOf(' '))));
            default -> example;
        };
        for (String field : List.of("type", "source", "id")) {
            String body = event(field, v);
            boolean filter = field.equals("id") ? accepted(() -> ListRequest.requireToken("id", v))
                    : accepted(() -> ListRequest.parse(Map.of(field, List.of(v))));

            assertThat(filter).as("%s %s: a filter as intake", field, example).isEqualTo(intakeAccepts(body));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 127, 128, 129})
    void user_id_filters_accept_exactly_the_lengths_an_event_may_have(int n) {
        for (String v : List.of("u".repeat(n), EMOJI.repeat(n), "caf\u00e9 ".repeat(n).substring(0, n))) {
            String body = event("user_id", v);

            assertThat(accepted(() -> ListRequest.parse(Map.of("user_id", List.of(v)))))
                    .as("user_id of %d: a filter as intake", n).isEqualTo(intakeAccepts(body));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0999-12-31T23:59:59.999Z", "1000-01-01T00:00:00Z", "1000-01-01T00:30:00+01:00",
        "9999-12-31T23:59:59.999Z", "9999-12-31T23:00:00-01:00", "+10000-01-01T00:00:00Z", "2024-05-01T12:30:00Z"})
    void since_and_until_accept_exactly_the_times_an_event_may_have(String t) {
        String body = event("timestamp", t);

        assertThat(accepted(() -> ListRequest.parse(Map.of("since", List.of(t))))).as("since=%s", t)
                .isEqualTo(intakeAccepts(body));
        assertThat(accepted(() -> ListRequest.parse(Map.of("until", List.of(t))))).as("until=%s", t)
                .isEqualTo(intakeAccepts(body));
    }

    /** A valid event but for {@code field}, which is {@code value}. */
    private static String event(String field, String value) {
        Map<String, String> fields = new LinkedHashMap<>(Map.of("type", "t", "source", "s"));
        fields.put(field, value);
        StringBuilder json = new StringBuilder("{\"data\":{}");
        fields.forEach((name, v) -> json.append(",\"").append(name).append("\":\"")
                .append(JsonStringEncoder.getInstance().quoteAsString(v)).append('"'));
        return json.append('}').toString();
    }

    private boolean intakeAccepts(String body) {
        try {
            parser.parseSingle(body.getBytes(StandardCharsets.UTF_8));
            return true;
        } catch (InvalidEventException e) {
            return false;
        } catch (MalformedBodyException e) {
            throw new AssertionError("the test's body is not JSON: " + body, e);
        }
    }

    private static boolean accepted(Runnable filter) {
        try {
            filter.run();
            return true;
        } catch (ApiError e) {
            assertThat(e.status()).isEqualTo(400);
            return false;
        }
    }
}
