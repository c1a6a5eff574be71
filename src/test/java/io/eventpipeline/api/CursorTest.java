package io.eventpipeline.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.storage.EventPage.Position;
import io.eventpipeline.storage.EventQuery;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorTest {
    static final EventQuery CLICKS = new EventQuery("click", null, "u-1", Instant.parse("2024-05-01T00:00:00Z"), null);
    static final Position AT = new Position(Instant.parse("2024-05-01T12:30:00.123Z"), 4711, 9000);

    @Test
    void a_cursor_reads_back_as_the_position_it_was_made_from() {
        String cursor = Cursor.encode(AT, CLICKS);
        assertThat(cursor).hasSize(44).matches("[A-Za-z0-9_-]+");
        assertThat(Cursor.decode(cursor, CLICKS)).isEqualTo(AT);
        assertThat(Cursor.decode(Cursor.encode(AT, EventQuery.ALL), EventQuery.ALL)).isEqualTo(AT);
    }

    @Test
    void a_cursor_sent_with_other_filters_is_refused() {
        String cursor = Cursor.encode(AT, CLICKS);
        for (EventQuery other : new EventQuery[] {
                EventQuery.ALL,
                new EventQuery("view", null, "u-1", CLICKS.since(), null),
                new EventQuery("click", "web", "u-1", CLICKS.since(), null),
                new EventQuery("click", null, "u-2", CLICKS.since(), null),
                new EventQuery("click", null, "u-1", CLICKS.since().plusMillis(1), null),
                new EventQuery("click", null, "u-1", CLICKS.since(), Instant.parse("2025-01-01T00:00:00Z")),
                // the same text in another field is another filter
                new EventQuery(null, "click", "u-1", CLICKS.since(), null)}) {
            assertThatThrownBy(() -> Cursor.decode(cursor, other)).as("%s", other)
                    .isInstanceOfSatisfying(ApiError.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.body()).containsEntry("field", "cursor");
                        assertThat(e.getMessage()).contains("other filters");
                    });
        }
    }

    @Test
    void a_cut_changed_or_made_up_cursor_is_refused() {
        String cursor = Cursor.encode(AT, CLICKS);
        byte[] bytes = Base64.getUrlDecoder().decode(cursor);
        String[] bad = {"", "x", cursor.substring(1), cursor + "A", cursor.replace('-', '+') + "==",
                cursor.substring(0, 43) + "=", "A".repeat(44), "!".repeat(44)};
        for (String s : bad) {
            assertRefused(s);
        }
        // Every single-bit change anywhere in the cursor is caught.
        for (int bit = 0; bit < bytes.length * 8; bit++) {
            byte[] changed = bytes.clone();
            changed[bit / 8] ^= (byte) (1 << (bit % 8));
            assertRefused(Base64.getUrlEncoder().withoutPadding().encodeToString(changed));
        }
    }

    @Test
    void a_well_formed_cursor_with_an_impossible_position_is_refused() {
        assertRefused(Cursor.encode(new Position(AT.createdAt(), 0, 9000), CLICKS));
        assertRefused(Cursor.encode(new Position(AT.createdAt(), 9001, 9000), CLICKS));
        assertRefused(Cursor.encode(new Position(Instant.parse("0999-12-31T23:59:59Z"), 1, 1), CLICKS));
    }

    private static void assertRefused(String cursor) {
        assertThatThrownBy(() -> Cursor.decode(cursor, CLICKS)).as(cursor)
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.body()).containsEntry("field", "cursor");
                });
    }
}
