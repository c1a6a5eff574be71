package io.eventpipeline.journal;

import static io.eventpipeline.journal.SegmentBytes.flipByte;
import static io.eventpipeline.journal.SegmentBytes.truncate;
import static io.eventpipeline.journal.SegmentBytes.writeInt;
import static io.eventpipeline.journal.SegmentBytes.zero;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.journal.Journal.Appended;
import io.eventpipeline.journal.Journal.RecoveredSegment;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    private static final long BIG = 1 << 20;
    /** A fixed sync marker where a test counts bytes: a random one could end a record header with a zero byte. */
    private static final int SYNC = 0x5EC7A11E;

    @TempDir
    Path dir;

    @Test
    void replays_records_that_were_not_released() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            journal.write(records("a", "b"));
            journal.write(records("c"));
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).hasSize(1);
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("a", "b", "c");
            assertThat(journal.corruptions()).isEmpty();
        }
    }

    @Test
    void records_left_counts_what_a_start_would_replay_without_touching_the_journal() throws Exception {
        assertThat(Journal.recordsLeft(dir.resolve("none"))).as("no journal yet").isZero();
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("a", "b"));
            Journal.Appended c = journal.write(records("c"));
            assertThat(Journal.recordsLeft(dir)).as("read beside a running journal").isEqualTo(3);
            journal.release(c.segmentId(), 1);
        }
        assertThat(Journal.recordsLeft(dir)).as("a and b, and c that shares their segment").isEqualTo(3);
        assertThat(Journal.recordsLeft(dir)).as("counting changes nothing").isEqualTo(3);

        try (Journal journal = Journal.open(dir, BIG)) {
            Journal.RecoveredSegment replayed = journal.takeRecovered().getFirst();
            journal.release(replayed.segmentId(), replayed.records().size());
        }
        assertThat(Journal.recordsLeft(dir)).as("everything stored, then a clean close").isZero();
    }

    @Test
    void replays_segments_oldest_first_and_new_segments_get_higher_ids_after_a_restart() throws Exception {
        long firstId;
        try (Journal journal = Journal.open(dir, BIG)) {
            firstId = journal.write(records("first")).segmentId();
        }
        long secondId;
        try (Journal journal = Journal.open(dir, BIG)) {
            secondId = journal.write(records("second")).segmentId();
            assertThat(secondId).isGreaterThan(firstId);
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).extracting(RecoveredSegment::segmentId).containsExactly(firstId, secondId);
            assertThat(journal.recovered()).flatExtracting(r -> strings(r.records())).containsExactly("first", "second");
            assertThat(journal.write(records("third")).segmentId()).isGreaterThan(secondId);
        }
    }

    @Test
    void appends_report_their_segment_count_and_a_growing_position() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            Appended first = journal.append(records("a", "b"));
            Appended second = journal.append(records("c"));

            assertThat(first.count()).isEqualTo(2);
            assertThat(second.segmentId()).isEqualTo(first.segmentId());
            assertThat(second.position()).isGreaterThan(first.position());
            assertThat(journal.awaitDurable(second, Duration.ofSeconds(30))).isTrue();
            journal.awaitDurable(first); // already covered by the same force
        }
    }

    @Test
    void released_segments_are_deleted_and_the_journal_stays_small_after_roll_over() throws Exception {
        long segmentBytes = 256;
        try (Journal journal = Journal.open(dir, segmentBytes)) {
            List<Long> segmentIds = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Appended a = journal.write(List.of(padded("event-" + i, 50)));
                segmentIds.add(a.segmentId());
                journal.release(a.segmentId(), a.count());

                assertThat(journal.segmentCount()).isEqualTo(1);
                assertThat(journal.diskBytes()).isLessThanOrEqualTo(segmentBytes);
                assertThat(segmentFiles()).hasSize(1);
            }
            assertThat(segmentIds.stream().distinct().count()).as("segments rolled over").isGreaterThan(10);
        }

        assertThat(segmentFiles()).isEmpty();
        try (Journal journal = Journal.open(dir, segmentBytes)) {
            assertThat(journal.recovered()).isEmpty();
        }
    }

    @Test
    void a_segment_is_kept_until_its_last_record_is_released() throws Exception {
        Appended a;
        try (Journal journal = Journal.open(dir, 256)) {
            a = journal.write(List.of(padded("x", 100), padded("y", 100)));
            Appended next = journal.write(List.of(padded("z", 100))); // rolls: "x" and "y" fill the first segment
            assertThat(next.segmentId()).isNotEqualTo(a.segmentId());

            journal.release(a.segmentId(), 1);
            assertThat(journal.segmentCount()).isEqualTo(2);

            journal.release(a.segmentId(), 1);
            assertThat(journal.segmentCount()).isEqualTo(1);
            assertThat(Files.exists(dir.resolve(Segment.fileName(a.segmentId())))).isFalse();
        }
    }

    @Test
    void recovered_segments_are_deleted_once_their_records_are_released() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("a", "b", "c"));
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            RecoveredSegment old = journal.recovered().get(0);
            Path oldFile = dir.resolve(Segment.fileName(old.segmentId()));
            assertThat(journal.segmentCount()).isEqualTo(2);

            journal.release(old.segmentId(), 2);
            assertThat(oldFile).exists();

            journal.release(old.segmentId(), 1);
            assertThat(oldFile).doesNotExist();
            assertThat(journal.segmentCount()).isEqualTo(1);
        }
        assertThat(segmentFiles()).isEmpty();
    }

    @Test
    void a_torn_final_record_is_dropped_with_one_warning_and_the_earlier_records_are_replayed() throws Exception {
        try (Journal journal = Journal.open(dir, BIG, SYNC)) {
            journal.write(records("r0", "r1", "r2", "r3", "r4"));
        }
        Path file = single(segmentFiles());
        long size = Segment.HEADER_BYTES + 5L * (Segment.RECORD_HEADER_BYTES + 2); // where the records end
        truncate(file, size - 3);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("r0", "r1", "r2", "r3");

            long tornRecordOffset = size - (Segment.RECORD_HEADER_BYTES + 2);
            JournalCorruption damage = single(journal.corruptions());
            assertThat(damage.segment()).isEqualTo(file);
            assertThat(damage.offset()).isEqualTo(tornRecordOffset);
            assertThat(damage.discardedBytes()).isEqualTo(Segment.RECORD_HEADER_BYTES + 2 - 3);

            assertThat(log.warnings()).singleElement().asString()
                    .contains(file.toString(), "offset=" + tornRecordOffset,
                            "discarded_bytes=" + (Segment.RECORD_HEADER_BYTES + 2 - 3));
            assertThat(log.text()).doesNotContain("\tat ", "Exception");
        }
    }

    /** The file is written ahead with zeros; they end the records, they are not damage. */
    @Test
    void the_zeros_written_ahead_of_the_records_end_them_without_a_warning() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("r0", "r1"));
        }
        Path file = single(segmentFiles());
        long recordsEnd = Segment.HEADER_BYTES + 2L * (Segment.RECORD_HEADER_BYTES + 2);
        assertThat(Files.size(file)).as("preallocated").isGreaterThanOrEqualTo(recordsEnd + Segment.PREALLOCATE_BYTES);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("r0", "r1");
            assertThat(journal.corruptions()).isEmpty();
            assertThat(log.warnings()).isEmpty();
        }
    }

    /** How a crash tears a record in a preallocated file: its last bytes never reached the disk, zeros remain. */
    @Test
    void a_record_torn_inside_the_zeros_is_dropped_and_only_its_own_bytes_count_as_discarded() throws Exception {
        try (Journal journal = Journal.open(dir, BIG, SYNC)) {
            journal.write(records("r0", "r1", "r2"));
        }
        Path file = single(segmentFiles());
        long recordsEnd = Segment.HEADER_BYTES + 3L * (Segment.RECORD_HEADER_BYTES + 2);
        zero(file, recordsEnd - 2, 2); // the payload of r2

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("r0", "r1");
            JournalCorruption damage = single(journal.corruptions());
            assertThat(damage.offset()).isEqualTo(recordsEnd - Segment.RECORD_HEADER_BYTES - 2);
            assertThat(damage.reason()).contains("checksum");
            assertThat(damage.discardedBytes()).as("r2's header; the zeros after it are not data")
                    .isEqualTo(Segment.RECORD_HEADER_BYTES);
        }
    }

    /** Zeros where a record should start, with data after them, are damage: the record after them is recovered. */
    @Test
    void a_zeroed_record_header_with_data_after_it_is_damage() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("r0", "r1", "r2"));
        }
        Path file = single(segmentFiles());
        long r1 = Segment.HEADER_BYTES + Segment.RECORD_HEADER_BYTES + 2;
        zero(file, r1, Segment.RECORD_HEADER_BYTES);

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("r0", "r2");
            JournalCorruption damage = single(journal.corruptions());
            assertThat(damage.offset()).isEqualTo(r1);
            assertThat(damage.reason()).contains("zeroed record header");
            assertThat(damage.discardedBytes()).isEqualTo(Segment.RECORD_HEADER_BYTES + 2);
        }
    }

    @Test
    void a_flipped_byte_drops_that_record_only_and_no_other_segment() throws Exception {
        int recordBytes = Segment.RECORD_HEADER_BYTES + 100;
        long threePerSegment = Segment.HEADER_BYTES + 3L * recordBytes;
        try (Journal journal = Journal.open(dir, threePerSegment)) {
            for (int i = 0; i < 9; i++) {
                journal.write(List.of(padded("rec-" + i, 100)));
            }
        }
        List<Path> files = segmentFiles();
        assertThat(files).hasSize(3);
        long offsetOfSecondRecord = Segment.HEADER_BYTES + recordBytes;
        flipByte(files.get(0), offsetOfSecondRecord + Segment.RECORD_HEADER_BYTES + 50);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, threePerSegment)) {
            assertThat(journal.recovered()).hasSize(3);
            assertThat(trimmed(journal.recovered().get(0).records())).containsExactly("rec-0", "rec-2");
            assertThat(trimmed(journal.recovered().get(1).records())).containsExactly("rec-3", "rec-4", "rec-5");
            assertThat(trimmed(journal.recovered().get(2).records())).containsExactly("rec-6", "rec-7", "rec-8");

            JournalCorruption damage = single(journal.corruptions());
            assertThat(damage.segment()).isEqualTo(files.get(0));
            assertThat(damage.offset()).isEqualTo(offsetOfSecondRecord);
            assertThat(damage.discardedBytes()).isEqualTo(recordBytes);
            assertThat(damage.reason()).contains("checksum");
            assertThat(log.warnings()).singleElement().asString().contains(files.get(0).toString());
        }
    }

    @Test
    void an_implausible_length_counts_as_corruption() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("good", "bad"));
        }
        Path file = single(segmentFiles());
        long secondRecord = Segment.HEADER_BYTES + Segment.RECORD_HEADER_BYTES + 4;
        writeInt(file, secondRecord + 4, -5); // after the sync marker

        try (LogCapture ignored = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(strings(journal.recovered().get(0).records())).containsExactly("good");
            assertThat(single(journal.corruptions()).reason()).contains("length -5");
        }
    }

    @Test
    void a_segment_whose_only_record_is_damaged_is_kept_aside_at_open() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(records("only"));
        }
        Path file = single(segmentFiles());
        flipByte(file, Segment.HEADER_BYTES + Segment.RECORD_HEADER_BYTES);

        try (LogCapture ignored = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            assertThat(journal.corruptions()).hasSize(1);
            assertThat(file).doesNotExist();
            assertThat(file.resolveSibling(file.getFileName() + ".damaged")).exists();
        }
    }

    @Test
    void a_file_with_a_foreign_header_is_reported_skipped_and_left_alone() throws Exception {
        Path foreign = dir.resolve(Segment.fileName(7));
        Files.write(foreign, "definitely not a journal segment".getBytes(UTF_8));

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            assertThat(single(journal.corruptions()).reason()).contains("header");
            assertThat(log.warnings()).singleElement().asString().contains(foreign.toString());
            assertThat(journal.write(records("x")).segmentId()).isGreaterThan(7);
        }
        assertThat(foreign).exists();
    }

    @Test
    void empty_segment_files_left_by_a_crash_are_deleted_at_open() throws Exception {
        Path headerOnly = dir.resolve(Segment.fileName(1));
        Files.write(headerOnly, ByteBuffer.allocate(8).putInt(Segment.MAGIC).putInt(Segment.FORMAT_VERSION).array());
        Path zeroBytes = dir.resolve(Segment.fileName(2));
        Files.createFile(zeroBytes);

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            assertThat(journal.corruptions()).isEmpty();
            assertThat(headerOnly).doesNotExist();
            assertThat(zeroBytes).doesNotExist();
            assertThat(journal.write(records("x")).segmentId()).isEqualTo(3);
        }
    }

    @Test
    void restarting_with_an_empty_journal_recovers_nothing_and_leaves_no_files() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.segmentCount()).isEqualTo(1);
        }
        assertThat(segmentFiles()).isEmpty();

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            assertThat(journal.corruptions()).isEmpty();
            assertThat(journal.segmentCount()).isEqualTo(1);
        }
        assertThat(segmentFiles()).isEmpty();
    }

    @Test
    void open_creates_missing_parent_directories() throws Exception {
        Path nested = dir.resolve("a").resolve("b");
        try (Journal journal = Journal.open(nested, BIG)) {
            journal.write(records("x"));
        }
        assertThat(nested).isDirectory();
    }

    @Test
    void open_fails_with_a_clear_message_when_the_directory_cannot_be_created() throws Exception {
        // Tests run as root, which may write anywhere: a regular file in the way is what reliably fails.
        Path notADirectory = Files.writeString(dir.resolve("journal"), "I am a file");

        assertThatThrownBy(() -> Journal.open(notADirectory, BIG))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("journal directory")
                .hasMessageContaining(notADirectory.toString());
        assertThatThrownBy(() -> Journal.open(notADirectory.resolve("below"), BIG))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(notADirectory.resolve("below").toString());
    }

    @Test
    void concurrent_appends_are_all_recovered_exactly_once_and_share_forces() throws Exception {
        int threads = 32;
        int writesPerThread = 200;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        long forces;
        int segmentsUsed;
        try (Journal journal = Journal.open(dir, 16 * 1024)) {
            Queue<Long> segmentIds = new ConcurrentLinkedQueue<>();
            runWriters(threads, failures, t -> {
                for (int i = 0; i < writesPerThread; i++) {
                    segmentIds.add(journal.write(records("t" + t + "-" + i)).segmentId());
                }
            });
            forces = journal.forceCount();
            segmentsUsed = (int) segmentIds.stream().distinct().count();
        }
        assertThat(failures).isEmpty();
        assertThat(segmentsUsed).as("rolled over while writers waited").isGreaterThan(1);

        int writes = threads * writesPerThread;
        assertThat(forces).as("forces for %d writes", writes).isPositive().isLessThan(writes / 4);

        try (Journal journal = Journal.open(dir, 16 * 1024)) {
            List<String> replayed = journal.recovered().stream().flatMap(r -> strings(r.records()).stream()).toList();
            List<String> expected = IntStream.range(0, threads).boxed()
                    .flatMap(t -> IntStream.range(0, writesPerThread).mapToObj(i -> "t" + t + "-" + i))
                    .toList();
            assertThat(replayed).hasSize(writes).containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @Test
    void an_interrupted_caller_does_not_break_the_journal() throws Exception {
        int recordBytes = Segment.RECORD_HEADER_BYTES + 10;
        try (Journal journal = Journal.open(dir, Segment.HEADER_BYTES + recordBytes)) {
            journal.write(List.of(padded("before", 10)));

            Thread.currentThread().interrupt();
            Appended rolled = journal.append(List.of(padded("rolled", 10))); // rolls over with the flag set
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt flag kept").isTrue();
            try {
                journal.awaitDurable(rolled); // returns at once if the syncer already forced it, else is interrupted
            } catch (InterruptedException expected) {
                assertThat(Thread.currentThread().isInterrupted()).as("flag consumed by the exception").isFalse();
            }
            Thread.interrupted();

            journal.write(List.of(padded("after", 10)));
            journal.awaitDurable(rolled);
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).flatExtracting(r -> trimmed(r.records()))
                    .containsExactly("before", "rolled", "after");
        }
    }

    @Test
    void close_keeps_segments_with_unreleased_records_and_removes_a_fully_released_active_one() throws Exception {
        Path keep = dir.resolve("keep");
        try (Journal journal = Journal.open(keep, BIG)) {
            Appended a = journal.write(records("one", "two"));
            journal.release(a.segmentId(), 1);
        }
        try (Journal journal = Journal.open(keep, BIG)) {
            // Release counts are not journaled: after a crash or restart the whole segment is replayed.
            assertThat(journal.recovered()).flatExtracting(r -> strings(r.records())).containsExactly("one", "two");
        }

        Path drop = dir.resolve("drop");
        try (Journal journal = Journal.open(drop, BIG)) {
            Appended a = journal.write(records("one", "two"));
            journal.release(a.segmentId(), 2);
            assertThat(segmentFilesIn(drop)).hasSize(1);
        }
        assertThat(segmentFilesIn(drop)).isEmpty();
    }

    @Test
    void releasing_more_than_was_appended_logs_a_warning_instead_of_throwing() throws Exception {
        try (Journal journal = Journal.open(dir, BIG)) {
            Appended a = journal.write(records("a", "b"));
            try (LogCapture log = new LogCapture()) {
                journal.release(a.segmentId(), 5);
                journal.release(12345, 1);
                assertThat(log.warnings()).hasSize(2);
            }
            assertThat(journal.write(records("c")).count()).isEqualTo(1);
        }
        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).flatExtracting(r -> strings(r.records())).containsExactly("a", "b", "c");
        }
    }

    @Test
    void appends_after_close_fail_and_bad_records_are_refused() throws Exception {
        Journal journal = Journal.open(dir, BIG);
        assertThatThrownBy(() -> journal.append(List.of(new byte[0]))).isInstanceOf(IllegalArgumentException.class);
        journal.close();
        journal.close(); // idempotent

        assertThatThrownBy(() -> journal.append(records("late"))).isInstanceOf(IOException.class);
    }

    /** journal-async: an append is in the file on return, read back by recovery, though nothing was forced. */
    @Test
    void with_a_flush_interval_an_append_is_in_the_file_before_any_force_and_the_close_forces_it() throws Exception {
        Journal journal = Journal.open(dir, BIG, Duration.ofSeconds(10));
        try {
            Appended a = journal.append(records("a", "b"));
            journal.append(records("c"));

            // What a kill -9 would leave: the file as written, read as the next start reads it.
            assertThat(Recovery.scan(dir).replay()).singleElement()
                    .satisfies(r -> assertThat(r.segmentId()).isEqualTo(a.segmentId()))
                    .satisfies(r -> assertThat(strings(r.records())).containsExactly("a", "b", "c"));
            assertThat(journal.forceCount()).as("no force within the 10s interval").isZero();
        } finally {
            journal.close();
        }
        assertThat(journal.forceCount()).as("the close forced what the interval had not").isEqualTo(1);

        try (Journal reopened = Journal.open(dir, BIG)) {
            assertThat(reopened.recovered()).flatExtracting(r -> strings(r.records())).containsExactly("a", "b", "c");
        }
    }

    /**
     * journal-async: a roll forces nothing from the appender's thread (no fsync under the lock): the old segment
     * stays open for the syncer, which forces it, the new one and the directory, then closes the old one.
     */
    @Test
    void with_a_flush_interval_a_roll_leaves_every_force_to_the_syncer() throws Exception {
        try (Journal journal = Journal.open(dir, Segment.HEADER_BYTES + 64, Duration.ofHours(1))) {
            journal.append(records("first"));
            Segment old = journal.activeSegment();
            Appended rolled = journal.append(records("x".repeat(64)));
            Segment next = journal.activeSegment();

            assertThat(next.id).as("rolled").isGreaterThan(old.id);
            assertThat(journal.forceCount()).as("nothing forced by the roll").isZero();
            assertThat(old.isOpen()).as("left open for the syncer").isTrue();
            assertThat(next.createUnforced).isTrue();
            assertThat(journal.awaitDurable(rolled, Duration.ofMillis(20))).isFalse();
        }
        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).as("the close forced both").hasSize(2)
                    .flatExtracting(r -> strings(r.records())).containsExactly("first", "x".repeat(64));
        }

        try (Journal journal = Journal.open(dir, Segment.HEADER_BYTES + 64, Duration.ofMillis(20))) {
            journal.append(records("again"));
            Segment old = journal.activeSegment();
            Appended rolled = journal.append(records("y".repeat(64)));
            Segment next = journal.activeSegment();

            assertThat(journal.awaitDurable(rolled, Duration.ofSeconds(30))).as("the syncer's force").isTrue();
            assertThat(old.isOpen()).as("closed by the syncer").isFalse();
            assertThat(next.createUnforced).as("header and directory entry forced").isFalse();
        }
    }

    /**
     * journal-async: the syncer's force of a rolled-out segment fails (a failing disk). Its records were
     * acknowledged, so the journal takes no more appends, as after any failed force.
     */
    @Test
    void with_a_flush_interval_a_failed_force_of_a_rolled_out_segment_refuses_later_appends() throws Exception {
        Journal journal = Journal.open(dir, Segment.HEADER_BYTES + 64, Duration.ofMillis(300));
        try {
            Appended acknowledged = journal.append(records("acknowledged"));
            journal.activeSegment().channel().close(); // its next force fails, as on a failing disk
            Appended rolled = journal.append(records("x".repeat(64))); // acknowledged before its force, as any
            assertThat(rolled.segmentId()).isGreaterThan(acknowledged.segmentId());

            assertThatThrownBy(() -> journal.awaitDurable(rolled, Duration.ofSeconds(30)))
                    .isInstanceOf(IOException.class).hasMessageContaining("force failed");
            assertThat(journal.forceFailure()).isNotNull();
            assertThatThrownBy(() -> journal.append(records("later"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("takes no more appends");
        } finally {
            journal.close();
        }
    }

    /**
     * journal-async: a rolled-out segment whose records are all released is deleted at once, while the syncer
     * still holds it open to force: forcing an open descriptor of a deleted file is harmless.
     */
    @Test
    void with_a_flush_interval_a_rolled_out_segment_may_be_deleted_before_the_syncer_forces_it() throws Exception {
        try (Journal journal = Journal.open(dir, Segment.HEADER_BYTES + 64, Duration.ofMillis(20))) {
            Appended stored = journal.append(records("stored"));
            journal.release(stored.segmentId(), 1); // the active one: kept until it is rolled out
            Path oldFile = journal.activeSegment().path;
            Appended rolled = journal.append(records("x".repeat(64)));

            assertThat(oldFile).as("deleted by the roll").doesNotExist();
            assertThat(journal.awaitDurable(rolled, Duration.ofSeconds(30))).isTrue();
            assertThat(journal.forceFailure()).isNull();
        }
    }

    /** Forces start at least an interval apart, so a run of T has at most T / interval + 1 of them. */
    @Test
    void with_a_flush_interval_forces_are_spaced_by_it_under_many_appends() throws Exception {
        Duration interval = Duration.ofMillis(50);
        int threads = 8;
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        long forces;
        long elapsedNanos;
        int appends;
        try (Journal journal = Journal.open(dir, 64L << 20, interval)) { // no roll: a roll forces too
            long start = System.nanoTime();
            long end = start + Duration.ofMillis(600).toNanos();
            AtomicInteger count = new AtomicInteger();
            runWriters(threads, failures, t -> {
                for (int i = 0; System.nanoTime() < end; i++) {
                    journal.append(records("t" + t + "-" + i));
                    count.incrementAndGet();
                }
            });
            forces = journal.forceCount();
            elapsedNanos = System.nanoTime() - start;
            appends = count.get();
        }
        assertThat(failures).isEmpty();
        long bound = elapsedNanos / interval.toNanos() + 2;
        assertThat(forces).as("forces for %d appends in %d ms", appends, elapsedNanos / 1_000_000)
                .isLessThanOrEqualTo(bound)
                .as("the syncer forces on its own, with nobody waiting").isGreaterThanOrEqualTo(2);
        assertThat(appends).as("appends").isGreaterThan((int) (10 * bound));

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).flatExtracting(RecoveredSegment::records).hasSize(appends);
        }
    }

    /**
     * A journal-async run killed with records in the page cache only, restarted in another tier: the open forces
     * every segment it finds, whatever the tier, before their records are replayed and acknowledged as stored.
     */
    @Test
    void every_open_forces_the_segments_an_earlier_run_left_whatever_the_tier() throws Exception {
        try (Journal first = Journal.open(dir, BIG, Duration.ofSeconds(10))) {
            first.append(records("a"));
        }
        try (Journal second = Journal.open(dir, BIG, Duration.ofSeconds(10))) {
            assertThat(second.recoveredForced()).isEqualTo(1);
            second.append(records("b"));
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recoveredForced()).as("both files, in the journal tier too").isEqualTo(2);
            assertThat(journal.recovered()).flatExtracting(r -> strings(r.records())).containsExactly("a", "b");
        }
    }

    @Test
    void a_flush_interval_must_be_positive() {
        assertThatThrownBy(() -> Journal.open(dir, BIG, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }

    // --- helpers

    /** One writer's work, given its number. */
    @FunctionalInterface
    private interface Writer {
        void run(int thread) throws Exception;
    }

    /** Runs {@code writer} on {@code threads} virtual threads and waits for them; what they throw goes to failures. */
    private static void runWriters(int threads, Queue<Throwable> failures, Writer writer) throws InterruptedException {
        List<Thread> writers = IntStream.range(0, threads)
                .mapToObj(t -> Thread.ofVirtual().name("writer-" + t).start(() -> {
                    try {
                        writer.run(t);
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }))
                .toList();
        for (Thread w : writers) {
            w.join();
        }
    }

    private static List<byte[]> records(String... values) {
        return Stream.of(values).map(v -> v.getBytes(UTF_8)).toList();
    }

    private static byte[] padded(String value, int length) {
        return String.format("%-" + length + "s", value).getBytes(UTF_8);
    }

    private static List<String> strings(List<byte[]> records) {
        return records.stream().map(r -> new String(r, UTF_8)).toList();
    }

    private static List<String> trimmed(List<byte[]> records) {
        return strings(records).stream().map(String::trim).toList();
    }

    private static <T> T single(Collection<T> items) {
        assertThat(items).hasSize(1);
        return items.iterator().next();
    }

    private List<Path> segmentFiles() throws IOException {
        return segmentFilesIn(dir);
    }

    private static List<Path> segmentFilesIn(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".wal")).sorted().toList();
        }
    }
}
