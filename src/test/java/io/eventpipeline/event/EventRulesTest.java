package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EventRulesTest {
    private static final String EMOJI = "\uD83D\uDE00"; // U+1F600: one character, two UTF-16 units

    @Test
    void a_token_is_one_to_sixty_four_characters_long() {
        assertThat(EventRules.tokenLengthFits("")).isFalse();
        assertThat(EventRules.tokenLengthFits("a")).isTrue();
        assertThat(EventRules.tokenLengthFits("a".repeat(64))).isTrue();
        assertThat(EventRules.tokenLengthFits("a".repeat(65))).isFalse();
    }

    @Test
    void a_token_length_counts_characters_not_utf16_units() {
        // 40 characters in 80 units: the length is right, and the characters are what is wrong with it.
        String emojis = EMOJI.repeat(40);

        assertThat(EventRules.tokenLengthFits(emojis)).isTrue();
        assertThat(EventRules.firstNonTokenChar(emojis)).isZero();
        assertThat(EventRules.tokenLengthFits(EMOJI.repeat(65))).isFalse();
    }

    @Test
    void every_character_of_the_token_set_is_accepted() {
        String all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";

        assertThat(EventRules.firstNonTokenChar(all)).isEqualTo(-1);
        assertThat(EventRules.TOKEN_RULE).isEqualTo("1-64 characters of A-Z a-z 0-9 . _ : -");
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "/", "@", "[", "`", "{", "+", ",", "\u00e9", "\u0000", "\u007f", EMOJI})
    void a_character_just_outside_each_range_of_the_set_is_found_where_it_stands(String c) {
        // '/' '@' '[' '`' '{' border 0-9, A-Z and a-z; ',' and '+' border '-' and '.'.
        assertThat(EventRules.firstNonTokenChar("ab" + c + "cd")).isEqualTo(2);
        assertThat(EventRules.firstNonTokenChar(c)).isZero();
    }

    @Test
    void a_user_id_is_one_to_one_hundred_twenty_eight_characters_long() {
        assertThat(EventRules.userIdLengthError("u")).isNull();
        assertThat(EventRules.userIdLengthError("u".repeat(128))).isNull();
        assertThat(EventRules.userIdLengthError("")).isEqualTo("must be 1-128 characters long, got 0");
        assertThat(EventRules.userIdLengthError("u".repeat(129))).isEqualTo("must be 1-128 characters long, got 129");
    }

    @Test
    void a_user_id_length_counts_characters_not_utf16_units() {
        assertThat(EventRules.userIdLengthError(EMOJI.repeat(128))).isNull();
        assertThat(EventRules.userIdLengthError(EMOJI.repeat(129))).isEqualTo("must be 1-128 characters long, got 129");
    }

    @Test
    void a_time_is_in_range_from_the_first_instant_of_year_1000_to_the_last_millisecond_of_9999() {
        Instant first = Instant.parse("1000-01-01T00:00:00Z");
        Instant last = Instant.parse("9999-12-31T23:59:59.999Z");

        assertThat(EventRules.inTimeRange(first)).isTrue();
        assertThat(EventRules.inTimeRange(last)).isTrue();
        assertThat(EventRules.inTimeRange(first.minusMillis(1))).isFalse();
        assertThat(EventRules.inTimeRange(last.plusMillis(1))).isFalse();
        assertThat(EventRules.inTimeRange(first.toEpochMilli())).isTrue();
        assertThat(EventRules.inTimeRange(last.toEpochMilli())).isTrue();
        assertThat(EventRules.inTimeRange(first.toEpochMilli() - 1)).isFalse();
        assertThat(EventRules.inTimeRange(last.toEpochMilli() + 1)).isFalse();
        assertThat(EventRules.TIME_RANGE_RULE).isEqualTo("must be between the years 1000 and 9999");
    }
}
