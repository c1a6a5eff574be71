package io.eventpipeline.journal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.journal.Journal.RecoveredSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan of a journal directory at open, on segment files written here, without opening a journal. */
class RecoveryTest {

    private static final int SYNC = 0x5EC7A11E;

    @TempDir
    Path dir;

    @Test
    void an_empty_directory_has_nothing_to_replay_and_starts_at_id_1() throws Exception {
        Recovery found = Recovery.scan(dir);

        assertThat(found.segments()).isEmpty();
        assertThat(found.replay()).isEmpty();
        assertThat(found.corruptions()).isEmpty();
        assertThat(found.nextSegmentId()).isEqualTo(1);
    }

    @Test
    void segments_are_replayed_oldest_first_with_their_records_unreleased() throws Exception {
        writeSegment(10, "c", "d");
        writeSegment(3, "a", "b");

        Recovery found = Recovery.scan(dir);

        assertThat(found.replay()).extracting(RecoveredSegment::segmentId).containsExactly(3L, 10L);
        assertThat(found.replay()).flatExtracting(r -> strings(r.records())).containsExactly("a", "b", "c", "d");
        assertThat(found.records()).isEqualTo(4);
        assertThat(found.segments()).extracting(s -> s.id).containsExactly(3L, 10L);
        assertThat(found.segments()).extracting(s -> s.unreleased).containsExactly(2L, 2L);
        assertThat(found.nextSegmentId()).isEqualTo(11);
    }

    @Test
    void a_segment_without_records_is_deleted_and_its_id_stays_used() throws Exception {
        Segment.create(dir, 5, SYNC).close();

        Recovery found = Recovery.scan(dir);

        assertThat(found.replay()).isEmpty();
        assertThat(segmentFiles()).isEmpty();
        assertThat(found.nextSegmentId()).isEqualTo(6);
    }

    @Test
    void files_that_are_not_replayed_still_use_up_their_ids() throws Exception {
        Files.write(dir.resolve(Segment.fileName(7) + DamagedSegments.SUFFIX), new byte[] {1});
        Path foreign = Files.writeString(dir.resolve(Segment.fileName(8)), "definitely not a journal segment");
        Files.createDirectory(dir.resolve(Segment.fileName(9)));
        writeSegment(2, "a");

        Recovery found;
        try (LogCapture log = new LogCapture()) {
            found = Recovery.scan(dir);
            assertThat(log.warnings()).hasSize(2).anySatisfy(w -> assertThat(w).contains("journal_segment_skipped"))
                    .anySatisfy(w -> assertThat(w).contains("journal_file_ignored"));
        }

        assertThat(found.replay()).extracting(RecoveredSegment::segmentId).containsExactly(2L);
        assertThat(found.corruptions()).singleElement().satisfies(d -> {
            assertThat(d.segment()).isEqualTo(foreign);
            assertThat(d.reason()).contains("unknown header");
        });
        assertThat(foreign).as("left alone").exists();
        assertThat(found.nextSegmentId()).isEqualTo(10);
    }

    @Test
    void damage_is_reported_and_stays_with_the_segment_so_that_it_is_kept_aside_later() throws Exception {
        Path file = writeSegment(1, "r0", "r1", "r2");
        long r1 = SegmentBytes.flipPayloadByte(file, 1);

        Recovery found;
        try (LogCapture ignored = new LogCapture()) {
            found = Recovery.scan(dir);
        }

        assertThat(found.replay()).flatExtracting(r -> strings(r.records())).containsExactly("r0", "r2");
        assertThat(found.corruptions()).singleElement().satisfies(d -> assertThat(d.offset()).isEqualTo(r1));
        assertThat(found.segments()).singleElement().satisfies(s -> {
            assertThat(s.damage).isEqualTo(found.corruptions());
            assertThat(s.unreleased).isEqualTo(2);
        });
    }

    @Test
    void a_directory_that_cannot_be_listed_fails_with_its_path() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("journal"), "a file");

        assertThatThrownBy(() -> Recovery.scan(notADirectory)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot list the journal directory " + notADirectory.toAbsolutePath());
    }

    // --- helpers

    private Path writeSegment(long id, String... records) throws IOException {
        Segment segment = Segment.create(dir, id, SYNC);
        try {
            segment.write(Segment.encode(Stream.of(records).map(r -> r.getBytes(UTF_8)).toList(), SYNC));
        } finally {
            segment.close();
        }
        return segment.path;
    }

    private static List<String> strings(List<byte[]> records) {
        return records.stream().map(r -> new String(r, UTF_8)).toList();
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wal")).toList();
        }
    }
}
