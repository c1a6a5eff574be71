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
    void a_name_is_one_to_255_characters_of_the_bmp_or_beyond_counted_as_code_points() {
        assertThat(EventRules.nameError("a")).isNull();
        assertThat(EventRules.nameError("\u6ce8".repeat(255))).isNull();
        assertThat(EventRules.nameError(EMOJI.repeat(255))).as("510 UTF-16 units").isNull();
        assertThat(EventRules.nameError("")).isEqualTo("must be 1-255 characters long, got 0");
        assertThat(EventRules.nameError("\u6ce8".repeat(256))).isEqualTo("must be 1-255 characters long, got 256");
        assertThat(EventRules.nameError(EMOJI.repeat(256))).isEqualTo("must be 1-255 characters long, got 256");
        assertThat(EventRules.NAME_RULE).isEqualTo("1-255 characters, not blank, no control characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Order Completed", "$pageview", "\u6ce8\u6587 \u5b8c\u4e86", " x ", "a+b/c@d",
        "\uD83D\uDC69\u200D\uD83D\uDCBB", "\uD83C\uDDEF\uD83C\uDDF5", "x\u200B", "\u00ADsoft", "\uFEFFx",
        "\u061C\u0627", "\uE000", "\uFFFD", "\uDBFF\uDFFF"})
    void names_as_users_write_them_are_accepted_format_characters_included(String name) {
        assertThat(EventRules.nameError(name)).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x7F, 0x80, 0x85, 0x9F})
    void every_control_character_is_refused_where_it_stands(int control) {
        String c = Character.toString(control);

        assertThat(EventRules.nameError(EMOJI + "ab" + c + "cd")).isEqualTo(
                "must not contain a control character (found U+%04X at position 3)".formatted(control));
        assertThat(EventRules.nameError(c)).contains("at position 0");
    }

    @Test
    void every_code_point_of_category_cc_is_refused_and_no_other() {
        for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
            if (Character.getType(cp) == Character.SURROGATE) {
                continue;
            }
            String error = EventRules.nameError("a" + Character.toString(cp));
            assertThat(error != null).as("U+%04X", cp).isEqualTo(Character.getType(cp) == Character.CONTROL);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "   ", "\u00A0", "\u1680", "\u2000\u200A", "\u2028\u2029", "\u202F\u205F",
        "\u3000", "\u200B", "\u200D", "\uFEFF", " \u200B "})
    void a_blank_name_of_white_space_or_format_characters_only_is_refused(String name) {
        assertThat(EventRules.nameError(name))
                .isEqualTo("must not be blank (it has only spaces or invisible format characters)");
    }

    @Test
    void white_space_is_unicode_white_space_not_java_whitespace() {
        // PropList.txt lists 25 code points; Java's isWhitespace has 001C-001F and lacks the no-break spaces.
        int[] listed = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
            0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
        java.util.Set<Integer> expected = java.util.Arrays.stream(listed).boxed()
                .collect(java.util.stream.Collectors.toSet());
        for (int cp = 0; cp <= 0xFFFF; cp++) {
            assertThat(EventRules.whiteSpace(cp)).as("U+%04X", cp).isEqualTo(expected.contains(cp));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "a\uDBFF", "\uDC00b", "\uDE00\uD83D", "x\uD83D y"})
    void an_unpaired_surrogate_is_refused_where_it_stands(String name) {
        assertThat(EventRules.nameError(name)).startsWith("has an unpaired surrogate (U+D").contains("at position "
                + name.codePoints().takeWhile(cp -> !Character.isSurrogate((char) cp) || cp > 0xFFFF).count());
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
