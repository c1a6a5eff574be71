package io.eventpipeline.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TimestampsTest {
    private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ISO_OFFSET_DATE_TIME;

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
                expected = REFERENCE.parse(s, OffsetDateTime::from).toInstant();
            } catch (DateTimeParseException e) {
                assertThatThrownBy(() -> Timestamps.parseOffsetDateTime(s)).as(s)
                        .isInstanceOf(DateTimeParseException.class);
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
