package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.storage.EventPage.Position;
import io.eventpipeline.storage.EventQuery;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ListRequestTest {

    private static ListRequest parse(String query) {
        return ListRequest.parse(QueryString.parse(query));
    }

    private static void assertRefused(String query, String field, String message) {
        assertThatThrownBy(() -> parse(query)).as(query).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.body()).containsEntry("field", field);
            assertThat(e.getMessage()).startsWith(field.equals("userId") ? "unknown" : field + ": ")
                    .contains(message);
        });
    }

    @Test
    void a_type_or_source_filter_is_a_name_as_users_write_it_url_encoded() {
        assertThat(parse("type=Order%20Completed&source=%24web").query().type()).isEqualTo("Order Completed");
        assertThat(parse("type=Order+Completed").query().type()).isEqualTo("Order Completed");
        assertThat(parse("source=%24web").query().source()).isEqualTo("$web");
        assertThat(parse("type=%E6%B3%A8%E6%96%87%20%E5%AE%8C%E4%BA%86").query().type()).isEqualTo("注文 完了");
        assertThat(parse("type=" + "%F0%9F%98%80".repeat(255)).query().type()).isEqualTo("😀".repeat(255));
    }

    @Test
    void a_type_filter_no_event_could_have_is_refused_with_the_name_rule() {
        assertThatThrownBy(() -> parse("type=" + "%F0%9F%98%80".repeat(256))).isInstanceOf(ApiError.class)
                .hasMessage("type: must be 1-255 characters long, got 256 (1-255 characters, not blank, no control "
                        + "characters, as an event's type)");
    }

    @Test
    void no_parameters_mean_the_newest_100_events_of_any_kind() {
        ListRequest r = parse("");
        assertThat(r.query()).isEqualTo(EventQuery.ALL);
        assertThat(r.limit()).isEqualTo(100);
        assertThat(r.after()).isEmpty();
    }

    @Test
    void every_filter_is_read() {
        ListRequest r = parse("type=order.placed&source=shop&user_id=caf%C3%A9+42&since=2024-05-01T12:30:00Z"
                + "&until=2024-05-02T00:00:00.5%2B02:00&limit=1000");
        assertThat(r.query()).isEqualTo(new EventQuery("order.placed", "shop", "café 42",
                Instant.parse("2024-05-01T12:30:00Z"), Instant.parse("2024-05-01T22:00:00.500Z")));
        assertThat(r.limit()).isEqualTo(1000);
    }

    @Test
    void an_unencoded_plus_in_an_offset_still_means_plus() {
        assertThat(parse("since=2024-05-01T14:30:00+02:00").query().since())
                .isEqualTo(Instant.parse("2024-05-01T12:30:00Z"));
    }

    @Test
    void times_round_up_to_the_millisecond_created_at_holds() {
        assertThat(parse("since=2024-05-01T12:30:00.1231Z&until=2024-05-01T12:30:00.9999999Z").query())
                .extracting(EventQuery::since, EventQuery::until)
                .containsExactly(Instant.parse("2024-05-01T12:30:00.124Z"), Instant.parse("2024-05-01T12:30:01Z"));
    }

    @Test
    void a_leap_second_bounds_the_last_millisecond_of_its_utc_day() {
        assertThat(parse("since=2016-12-31T18:59:60-05:00").query().since())
                .isEqualTo(Instant.parse("2016-12-31T23:59:59.999Z"));
        assertThat(parse("until=2016-12-31T23:59:60.5Z").query().until())
                .isEqualTo(Instant.parse("2016-12-31T23:59:59.999Z"));
        assertRefused("until=2016-12-31T23:59:60%2B01:00", "until", "'2016-12-31T23:59:60+01:00' is 22:59:60 UTC");
    }

    @Test
    void a_cursor_is_read_against_the_filters_it_came_with() {
        EventQuery clicks = new EventQuery("click", null, null, null, null);
        Position at = new Position(Instant.parse("2024-05-01T12:30:00.123Z"), 7, 9);
        ListRequest r = parse("type=click&limit=5&cursor=" + Cursor.encode(at, clicks));
        assertThat(r.after()).isEqualTo(Optional.of(at));
        assertThat(r.limit()).isEqualTo(5);
        assertRefused("type=view&cursor=" + Cursor.encode(at, clicks), "cursor", "other filters");
    }

    @Test
    void bad_values_are_refused_with_the_parameter_named() {
        assertRefused("limit=0", "limit", "from 1 to 1000");
        assertRefused("limit=1001", "limit", "got 1001");
        assertRefused("limit=abc", "limit", "got 'abc'");
        assertRefused("limit=1.5", "limit", "whole number");
        assertRefused("limit=%2B5", "limit", "whole number");
        assertRefused("limit=99999999999999", "limit", "whole number");
        assertRefused("limit=", "limit", "must not be empty");
        assertRefused("since=yesterday", "since", "ISO-8601 instant such as 2024-05-01T12:30:00Z");
        assertRefused("since=2024-05-01T12:30:00", "since", "ISO-8601");
        assertRefused("since=1714566600", "since", "ISO-8601");
        assertRefused("until=0999-01-01T00:00:00Z", "until", "years 1000 and 9999");
        assertRefused("since=2024-05-01T00:00:00Z&until=2024-05-01T00:00:00Z", "since", "before until");
        assertRefused("type=a%09b", "type", "must not contain a control character (found U+0009 at position 1)");
        assertRefused("type=+%E3%80%80", "type", "must not be blank");
        assertRefused("source=" + "s".repeat(256), "source", "1-255 characters long, got 256");
        assertRefused("user_id=" + "😀".repeat(129), "user_id", "1-128 characters");
        assertRefused("type=a&type=a", "type", "given 2 times");
        assertRefused("cursor=abc", "cursor", "not a cursor this service issued");
    }

    @Test
    void unknown_parameters_are_refused_by_name() {
        assertRefused("userId=u-1&limit=5", "userId", "unknown query parameter 'userId'");
        assertThatThrownBy(() -> parse("a=1&b=2&type=t")).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.getMessage()).startsWith("unknown query parameters 'a', 'b' (known: type, source,");
            assertThat(e.body()).containsEntry("field", "a");
        });
    }
}
