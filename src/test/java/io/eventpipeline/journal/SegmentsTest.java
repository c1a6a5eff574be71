package io.eventpipeline.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rolling over, release counts and deleting segments, on real files, without a syncer. */
class SegmentsTest {

    private static final int SYNC = 0x5EC7A11E;
    /** Bytes of one encoded record of {@link #record}. */
    private static final int RECORD_BYTES = Segment.RECORD_HEADER_BYTES + 10;
    private static final long TWO_RECORDS = Segment.HEADER_BYTES + 2L * RECORD_BYTES;

    @TempDir
    Path dir;
    /** The id of the active segment each time a roll forced it. */
    private final List<Long> forcedBeforeRoll = new ArrayList<>();
    private Segments segments;

    @Test
    void appends_go_to_the_active_segment_until_the_next_would_overflow_it_and_the_roll_forces_it_first()
            throws Exception {
        long first = start(TWO_RECORDS, "a", "b");
        assertThat(segments.active().id).isEqualTo(first);
        Segment next = segments.append(record("c"), 1);

        assertThat(next.id).isGreaterThan(first);
        assertThat(segments.active()).isSameAs(next);
        assertThat(forcedBeforeRoll).as("the old segment was forced while still active").containsExactly(first);
        assertThat(segments.count()).as("the old one still has unreleased records").isEqualTo(2);
        assertThat(segmentFiles()).hasSize(2);
    }

    @Test
    void a_batch_larger_than_a_segment_goes_whole_into_an_empty_one() throws Exception {
        long first = start(TWO_RECORDS);
        byte[] three = Segment.encode(List.of(payload("a"), payload("b"), payload("c")), SYNC);
        assertThat(segments.append(three, 3).id).isEqualTo(first);
        assertThat(segments.active().size()).isGreaterThan(TWO_RECORDS);
        assertThat(forcedBeforeRoll).isEmpty();
    }

    @Test
    void a_sealed_segment_takes_no_more_appends() throws Exception {
        long first = start(1 << 20, "a");
        segments.active().sealed = true; // what a failed force does
        assertThat(segments.append(record("b"), 1).id).isGreaterThan(first);
    }

    @Test
    void a_rolled_segment_is_handed_back_for_deletion_once_its_last_record_is_released() throws Exception {
        long first = start(TWO_RECORDS, "a", "b", "c"); // "c" rolls
        Path firstFile = dir.resolve(Segment.fileName(first));

        assertThat(segments.release(first, 1)).isNull();
        Segment doomed = segments.release(first, 1);

        assertThat(doomed.id).isEqualTo(first);
        assertThat(segments.count()).isEqualTo(1);
        assertThat(firstFile).as("deleted by the caller, outside the lock").exists();
        doomed.delete();
        assertThat(firstFile).doesNotExist();
    }

    @Test
    void a_fully_released_active_segment_is_kept_until_close_and_then_deleted() throws Exception {
        long id = start(1 << 20, "a");
        assertThat(segments.release(id, 1)).as("still appended to").isNull();
        assertThat(segmentFiles()).hasSize(1);

        segments.close();
        assertThat(segmentFiles()).isEmpty();
    }

    @Test
    void close_keeps_an_active_segment_with_unreleased_records() throws Exception {
        start(1 << 20, "a");
        segments.close();
        assertThat(segmentFiles()).hasSize(1);
    }

    @Test
    void a_released_segment_with_damage_found_at_open_is_kept_aside_not_deleted() throws Exception {
        Path file = dir.resolve(Segment.fileName(3));
        Files.write(file, new byte[] {1, 2, 3});
        JournalCorruption damage = new JournalCorruption(file, 0, 3, "test damage");
        segments = new Segments(dir, 1 << 20, SYNC, List.of(Segment.recovered(3, file, 3, 1,
                List.of(damage))), 4, () -> { }, null);
        segments.start();

        try (LogCapture ignored = new LogCapture()) {
            segments.release(3, 1).delete();
        }
        assertThat(file).doesNotExist();
        assertThat(file.resolveSibling(file.getFileName() + DamagedSegments.SUFFIX)).hasBinaryContent(
                new byte[] {1, 2, 3});
    }

    @Test
    void miscounted_releases_are_logged_and_change_nothing_they_should_not() throws Exception {
        long id = start(1 << 20, "a");
        try (LogCapture log = new LogCapture()) {
            assertThat(segments.release(id + 100, 1)).isNull();
            assertThat(segments.release(id, -1)).isNull();
            assertThat(segments.release(id, 5)).isNull();
            assertThat(log.warnings()).hasSize(3);
        }
        assertThat(segments.active().unreleased).as("an excess release leaves none").isZero();
    }

    @Test
    void disk_bytes_count_the_header_and_records_of_every_managed_segment() throws Exception {
        start(TWO_RECORDS);
        assertThat(segments.diskBytes()).isEqualTo(Segment.HEADER_BYTES);

        for (String r : List.of("a", "b", "c")) {
            segments.append(record(r), 1);
        }
        assertThat(segments.diskBytes()).isEqualTo(2L * Segment.HEADER_BYTES + 3L * RECORD_BYTES);
    }

    // --- helpers

    /**
     * Opens {@link #segments} on an empty directory and appends each record as a batch of its own.
     *
     * @return the id of the first active segment
     */
    private long start(long segmentBytes, String... records) throws IOException {
        segments = new Segments(dir, segmentBytes, SYNC, List.of(), 1, () -> {
            forcedBeforeRoll.add(segments.active().id);
            segments.active().sync();
        }, null);
        long first = segments.start();
        for (String r : records) {
            segments.append(record(r), 1);
        }
        return first;
    }

    /** One encoded record of ten bytes. */
    private static byte[] record(String value) {
        return Segment.encode(List.of(payload(value)), SYNC);
    }

    private static byte[] payload(String value) {
        return String.format("%-10s", value).getBytes(UTF_8);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wal")).toList();
        }
    }
}
