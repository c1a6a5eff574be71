package io.eventpipeline.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class MessagesTest {
    @Test
    void root_message_is_the_innermost_message_on_one_line() {
        assertThat(Messages.rootMessage(new SQLException("Duplicate entry 'x' for key 'uk_events_id'")))
                .isEqualTo("Duplicate entry 'x' for key 'uk_events_id'");
        assertThat(Messages.rootMessage(new SQLException("first line\n  second line")))
                .isEqualTo("first line");
    }

    @Test
    void root_message_keeps_a_short_wrapper_message_in_front_of_the_cause() {
        Exception e = new SQLTransientConnectionException("pipeline-db - Connection is not available",
                new SQLException("Communications link failure\n\nThe last packet sent successfully..."));

        assertThat(Messages.rootMessage(e))
                .isEqualTo("pipeline-db - Connection is not available (Communications link failure)");
    }

    @Test
    void root_message_drops_a_long_wrapper_message() {
        Exception e = new RuntimeException("x".repeat(250), new SQLException("Table 'events' doesn't exist"));

        assertThat(Messages.rootMessage(e)).isEqualTo("Table 'events' doesn't exist");
    }

    @Test
    void root_message_does_not_repeat_a_message_the_wrapper_shares() {
        Exception e = new RuntimeException("Deadlock found", new SQLException("Deadlock found"));

        assertThat(Messages.rootMessage(e)).isEqualTo("Deadlock found");
    }

    @Test
    void root_message_names_the_exception_when_there_is_no_message() {
        assertThat(Messages.rootMessage(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(Messages.rootMessage(new SQLException("batch failed", new NullPointerException())))
                .isEqualTo("batch failed (NullPointerException)");
    }

    @Test
    void innermost_message_is_only_the_root_causes_first_line() {
        Exception e = new RuntimeException("wrapper", new IllegalStateException("outer",
                new SQLException("Access denied for user 'u'\nmore")));

        assertThat(Messages.innermostMessage(e)).isEqualTo("Access denied for user 'u'");
        assertThat(Messages.innermostMessage(new SQLException((String) null))).isEqualTo("SQLException");
    }

    @Test
    void abbreviate_keeps_a_value_up_to_the_limit_and_cuts_a_longer_one_with_dots() {
        assertThat(Messages.abbreviate("x".repeat(100))).isEqualTo("x".repeat(100));
        assertThat(Messages.abbreviate("x".repeat(101))).isEqualTo("x".repeat(100) + "...");
        assertThat(Messages.abbreviate("abcdef", 6)).isEqualTo("abcdef");
        assertThat(Messages.abbreviate("abcdefg", 6)).isEqualTo("abcdef...");
        assertThat(Messages.abbreviate("", 6)).isEmpty();
    }

    @Test
    void abbreviate_never_cuts_a_surrogate_pair_in_half() {
        String clef = "\uD834\uDD1E"; // U+1D11E, two UTF-16 units
        String text = "x".repeat(5) + clef + "tail";

        assertThat(Messages.abbreviate(text, 6)).isEqualTo("xxxxx...");
        assertThat(Messages.abbreviate(text, 7)).isEqualTo("xxxxx" + clef + "...");
    }

    @Test
    void abbreviate_refuses_a_limit_that_leaves_no_text() {
        assertThatThrownBy(() -> Messages.abbreviate("abc", 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("max must be at least 2, got 1");
    }
}
