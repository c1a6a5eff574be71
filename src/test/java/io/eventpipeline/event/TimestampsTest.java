package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
    /** Seconds of 60 where the formatter's shape puts seconds: after the first T, HH:mm:. */
    private static final Pattern SECOND_60 = Pattern.compile("([^Tt]*[Tt]..:..:)60(.*)", Pattern.DOTALL);

    @Test
    void readsTheCommonShapesWithoutTheFormatter() {
        assertThat(Timestamps.parseCommon("2024-05-01T12:30:00Z")).isEqualTo(Instant.parse("2024-05-01T12:30:00Z"));
        assertThat(Timestamps.parseCommon("2024-05-01T14:30:00.250+02:00"))
                .isEqualTo(Instant.parse("2024-05-01T12:30:00.250Z"));
        assertThat(Timestamps.parseCommon("2024-02-29t23:59z")).isEqualTo(Instant.parse("2024-02-29T23:59:00Z"));
        assertThat(Timestamps.parseCommon("1000-01-01T00:00:00.123456789-18:00"))
                .isEqualTo(Instant.parse("1000-01-01T18:00:00.123456789Z"));
    }

    @Test
    void leavesEverythingUnusualToTheFormatter() {
        for (String s : List.of("2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:30:60Z",
                "2024-05-01T12:30:00+02:00:30", "+12024-05-01T12:30:00Z", "2024-05-01T12:30:00.Z",
                "2024-05-01T12:30:00.1234567890Z", "2024-05-01T12:30:00+19:00", "2024-05-01 12:30:00Z",
                "2024-05-01T12:30:00", "2024-5-01T12:30:00Z", "２０２４-05-01T12:30:00Z")) {
            assertThat(Timestamps.parseCommon(s)).as(s).isNull();
        }
    }

    @Test
    void agreesWithTheFormatterOnValidAndInvalidInput() {
        SplittableRandom random = new SplittableRandom(20241126);
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 200_000; i++) {
            String s = plausible(random);
            inputs.add(s);
            inputs.add(mutate(s, random));
        }
        int parsedByFastPath = 0;
        for (String s : inputs) {
            Instant expected;
            try {
                expected = reference(s);
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> Timestamps.parseOffsetDateTime(s)).as(s)
                        .isExactlyInstanceOf(e.getClass());
                continue;
            }
            if (Timestamps.parseCommon(s) != null) {
                parsedByFastPath++;
            }
            assertThat(Timestamps.parseOffsetDateTime(s)).as(s).isEqualTo(expected);
        }
        // Most plausible strings take the fast path, or the comparison above proves little.
        assertThat(parsedByFastPath).isGreaterThan(100_000);
    }

    /**
     * The formatter, and RFC 3339's leap second: second 60 is the formatter's reading of second 59 when that is
     * 23:59:59 UTC, moved to the day's last millisecond, and refused otherwise.
     */
    private static Instant reference(String s) {
        try {
            return REFERENCE.parse(s, OffsetDateTime::from).toInstant();
        } catch (DateTimeParseException e) {
            Matcher leap = SECOND_60.matcher(s);
            if (!leap.matches()) {
                throw e;
            }
            Instant before = REFERENCE.parse(leap.group(1) + "59" + leap.group(2), OffsetDateTime::from).toInstant();
            if (!LocalTime.ofInstant(before, ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                    .equals(LocalTime.of(23, 59, 59))) {
                throw new Timestamps.MisplacedLeapSecondException(s, 0, LocalTime.MIDNIGHT);
            }
            return before.truncatedTo(ChronoUnit.SECONDS).plusMillis(999);
        }
    }

    @Test
    void reads_the_leap_second_examples_of_rfc_3339_and_its_offsets() {
        String[][] cases = {
                {"2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999Z"},
                {"1990-12-31T23:59:60Z", "1990-12-31T23:59:59.999Z"},
                // RFC 3339 section 5.8: the same leap second in US Pacific time.
                {"1990-12-31T15:59:60-08:00", "1990-12-31T23:59:59.999Z"},
                {"2016-12-31T18:59:60-05:00", "2016-12-31T23:59:59.999Z"},
                // Ahead of UTC, the local date is the next day's.
                {"2017-01-01T05:29:60.5+05:30", "2016-12-31T23:59:59.999Z"},
                {"2016-12-31T23:59:60.000000001z", "2016-12-31T23:59:59.999Z"},
        };
        for (String[] c : cases) {
            assertThat(Timestamps.parseOffsetDateTime(c[0])).as(c[0]).isEqualTo(Instant.parse(c[1]));
        }
    }

    @Test
    void refuses_second_60_away_from_23_59_60_utc_and_says_when_it_is() {
        assertThatThrownBy(() -> Timestamps.parseOffsetDateTime("2016-12-31T23:59:60+01:00"))
                .isInstanceOf(Timestamps.MisplacedLeapSecondException.class)
                .hasMessage("has second 60, a leap second, which exists only at 23:59:60 UTC; "
                        + "'2016-12-31T23:59:60+01:00' is 22:59:60 UTC");
        assertThatThrownBy(() -> Timestamps.parseOffsetDateTime("2024-05-01T12:30:60Z"))
                .isInstanceOf(Timestamps.MisplacedLeapSecondException.class).hasMessageEndingWith("is 12:30:60 UTC");
        // An offset with seconds moves the leap second off the minute.
        assertThatThrownBy(() -> Timestamps.parseOffsetDateTime("2016-12-31T23:59:60+00:00:01"))
                .isInstanceOf(Timestamps.MisplacedLeapSecondException.class).hasMessageEndingWith("is 23:59:59 UTC");
    }

    @Test
    void second_60_on_a_day_or_time_that_does_not_exist_is_an_ordinary_parse_error() {
        for (String s : List.of("2023-02-29T23:59:60Z", "2016-12-31T24:59:60Z", "2016-12-31T23:60:60Z",
                "2016-12-31T23:59:61Z", "2016-12-31T23:59:60", "2016-12-31T23:59:60+25:00", "2016-12-31 23:59:60Z",
                "2016-12-31T23:59:6Z", "2016-12-31T23:59:600Z", "2016-12-31T23:5:60Z", "T23:59:60Z", "60")) {
            assertThatThrownBy(() -> Timestamps.parseOffsetDateTime(s)).as(s)
                    .isExactlyInstanceOf(DateTimeParseException.class);
        }
    }

    @Test
    void second_60_reads_as_the_last_millisecond_of_its_utc_day_at_every_offset_and_date() {
        SplittableRandom random = new SplittableRandom(1972);
        for (int i = 0; i < 50_000; i++) {
            LocalDate day = LocalDate.ofEpochDay(random.nextLong(LocalDate.of(1000, 1, 2).toEpochDay(),
                    LocalDate.of(9999, 12, 31).toEpochDay()));
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 60, 18 * 60 + 1) * 60);
            OffsetDateTime local = day.atTime(23, 59).atOffset(ZoneOffset.UTC).withOffsetSameInstant(offset);
            String s = String.format("%s:60%s%s", local.toLocalDateTime().toString().substring(0, 16),
                    fraction(random), offset.getTotalSeconds() == 0 && random.nextBoolean() ? "Z" : offset.getId());
            assertThat(Timestamps.parseOffsetDateTime(s)).as(s)
                    .isEqualTo(day.atTime(23, 59, 59, 999_000_000).toInstant(ZoneOffset.UTC));
        }
    }

    @Test
    void second_60_is_refused_at_every_other_utc_minute_whatever_the_offset() {
        SplittableRandom random = new SplittableRandom(2016);
        int refused = 0;
        for (int i = 0; i < 50_000; i++) {
            LocalDate day = LocalDate.ofEpochDay(random.nextLong(LocalDate.of(1000, 1, 2).toEpochDay(),
                    LocalDate.of(9999, 12, 31).toEpochDay()));
            ZoneOffset offset = ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 60, 18 * 60 + 1) * 60);
            LocalTime time = LocalTime.of(random.nextInt(24), random.nextInt(60));
            LocalTime utc = day.atTime(time).atOffset(offset).withOffsetSameInstant(ZoneOffset.UTC).toLocalTime();
            if (utc.equals(LocalTime.of(23, 59))) {
                continue;
            }
            String s = day + "T" + time + ":60" + fraction(random) + offset.getId();
            assertThatThrownBy(() -> Timestamps.parseOffsetDateTime(s)).as(s)
                    .isInstanceOf(Timestamps.MisplacedLeapSecondException.class)
                    .hasMessageEndingWith("is " + utc + ":60 UTC");
            refused++;
        }
        assertThat(refused).isGreaterThan(49_000);
    }

    /** Nothing, or a dot and 1 to 9 digits. */
    private static String fraction(SplittableRandom r) {
        int digits = r.nextInt(10);
        StringBuilder sb = new StringBuilder(digits == 0 ? "" : ".");
        for (int i = 0; i < digits; i++) {
            sb.append((char) ('0' + r.nextInt(10)));
        }
        return sb.toString();
    }

    @Test
    void formatsAsTheFormatterDoes() {
        DateTimeFormatter reference = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
        SplittableRandom random = new SplittableRandom(7);
        long min = Instant.parse("0001-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            Instant t = Instant.ofEpochSecond(random.nextLong(min, max + 1), random.nextInt(1_000_000_000));
            assertThat(Timestamps.formatDatetimeMillis(t)).as(t.toString())
                    .isEqualTo(reference.format(LocalDateTime.ofInstant(t, ZoneOffset.UTC)));
        }
        assertThat(Timestamps.formatDatetimeMillis(Instant.parse("2024-05-01T02:03:04.005Z")))
                .isEqualTo("2024-05-01 02:03:04.005");
    }

    /** A date-time in one of the shapes clients send, with fields sometimes out of range. */
    private static String plausible(SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%04d-%02d-%02d", r.nextInt(10_000), r.nextInt(14), r.nextInt(33)));
        sb.append(r.nextInt(10) == 0 ? 't' : 'T');
        sb.append(String.format("%02d:%02d", r.nextInt(25), r.nextInt(61)));
        if (r.nextInt(5) > 0) {
            sb.append(String.format(":%02d", r.nextInt(61)));
            if (r.nextBoolean()) {
                sb.append('.');
                int digits = r.nextInt(11);
                for (int i = 0; i < digits; i++) {
                    sb.append((char) ('0' + r.nextInt(10)));
                }
            }
        }
        switch (r.nextInt(4)) {
            case 0 -> sb.append(r.nextInt(8) == 0 ? 'z' : 'Z');
            case 1 -> sb.append(String.format("+%02d:%02d", r.nextInt(20), r.nextInt(61)));
            case 2 -> sb.append(String.format("-%02d:%02d", r.nextInt(20), r.nextInt(61)));
            default -> sb.append(String.format("+%02d:%02d:%02d", r.nextInt(19), r.nextInt(60), r.nextInt(60)));
        }
        return sb.toString();
    }

    /** The same string with one character replaced, inserted or removed. */
    private static String mutate(String s, SplittableRandom r) {
        String alphabet = "0123456789-:+.TtZz x";
        int at = r.nextInt(s.length());
        char c = alphabet.charAt(r.nextInt(alphabet.length()));
        return switch (r.nextInt(3)) {
            case 0 -> s.substring(0, at) + c + s.substring(at + 1);
            case 1 -> s.substring(0, at) + c + s.substring(at);
            default -> s.substring(0, at) + s.substring(at + 1);
        };
    }
}
