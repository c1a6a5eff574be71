package io.eventpipeline.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.config.Durability;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventCodec;
import io.eventpipeline.journal.Journal;
import io.eventpipeline.journal.LogCapture;
import io.eventpipeline.journal.SegmentBytes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalAcceptLogTest {

    @TempDir
    Path dir;

    @Test
    void recovers_the_events_around_a_damaged_record_and_reports_the_damage() throws Exception {
        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            assertThat(log.corruptions()).isZero();
            for (String id : List.of("e-0", "e-1", "e-2")) {
                log.append(List.of(event(id)));
            }
        }
        SegmentBytes.flipPayloadByte(singleSegment(), 1);

        try (LogCapture ignored = new LogCapture(); // the expected WARN line
             JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            assertThat(log.recover()).extracting(e -> e.event().id()).containsExactly("e-0", "e-2");
            assertThat(log.corruptions()).isEqualTo(1);
        }
    }

    /** Records another version wrote, or cut short: intact in the journal, but not events this one can read. */
    @Test
    void records_that_are_not_events_are_released_at_recovery_so_that_their_segment_can_go() throws Exception {
        byte[] truncated = Arrays.copyOf(EventCodec.encode(event("cut-short")), 5);
        byte[] otherVersion = "\u0063 not an event of this version".getBytes(UTF_8);
        long segment;
        try (Journal journal = Journal.open(dir, JournalAcceptLog.SEGMENT_BYTES)) {
            segment = journal.write(List.of(EventCodec.encode(event("e-0")), truncated, otherVersion,
                    EventCodec.encode(event("e-1")))).segmentId();
        }
        Path old = singleSegment();

        try (LogCapture capture = new LogCapture();
             JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            List<Envelope> recovered = log.recover();
            assertThat(recovered).extracting(e -> e.event().id()).containsExactly("e-0", "e-1");
            assertThat(recovered).extracting(Envelope::segment).containsOnly(segment);
            assertThat(capture.warnings()).singleElement().asString()
                    .contains("event=journal_unreadable_records", "segment=" + segment, "records=2");
            assertThat(log.corruptions()).as("intact records, not damage").isZero();

            log.stored(segment, recovered.size());
            assertThat(old).as("every record of it released").doesNotExist();
        }
    }

    @Test
    void in_journal_mode_an_accepted_event_is_replayed_until_it_is_stored() throws Exception {
        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            assertThat(log.describe()).isEqualTo("journal");
            long segment = log.append(List.of(event("e-0"), event("e-1")));
            assertThat(segment).isNotNegative();
            log.stored(segment, 1);
            log.keep(List.of(new Envelope(event("e-1"), segment, 0)), Duration.ofSeconds(10)); // in the journal already: no second copy
        }

        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            // Release counts are not journaled: the whole segment comes back, its stored event as a duplicate.
            List<Envelope> recovered = log.recover();
            assertThat(recovered).extracting(e -> e.event().id()).containsExactly("e-0", "e-1");
            assertThat(log.recover()).as("handed over once").isEmpty();
            log.stored(recovered.getFirst().segment(), recovered.size());
        }

        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            assertThat(log.recover()).isEmpty();
        }
    }

    @Test
    void in_journal_async_mode_an_accepted_event_is_in_the_journal_without_a_force_and_replayed_until_stored()
            throws Exception {
        long segment;
        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL_ASYNC, Duration.ofSeconds(10))) {
            assertThat(log.describe()).isEqualTo("journal-async");
            long started = System.nanoTime();
            segment = log.append(List.of(event("e-0"), event("e-1")));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("no wait for the 10s interval")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(segment).isNotNegative();
            assertThat(singleSegment()).as("written before the return").satisfies(
                    f -> assertThat(Files.readString(f, java.nio.charset.StandardCharsets.ISO_8859_1))
                            .contains("e-0", "e-1"));
            log.stored(segment, 1);
            log.keep(List.of(new Envelope(event("e-1"), segment, 0)), Duration.ofSeconds(10)); // no second copy
        }

        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL_ASYNC, Duration.ofMillis(10))) {
            List<Envelope> recovered = log.recover();
            assertThat(recovered).extracting(e -> e.event().id()).containsExactly("e-0", "e-1");
            log.stored(recovered.getFirst().segment(), recovered.size());
        }
    }

    @Test
    void journal_async_needs_a_flush_interval() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() -> JournalAcceptLog.open(dir, Durability.JOURNAL_ASYNC));
    }

    @Test
    void in_memory_mode_nothing_is_journaled_per_request_and_the_unstored_are_kept_for_the_next_start()
            throws Exception {
        try (LogCapture capture = new LogCapture();
             JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.MEMORY)) {
            assertThat(log.describe()).isEqualTo("memory");
            assertThat(log.append(List.of(event("e-0")))).as("no segment").isEqualTo(-1);
            log.stored(-1, 1);
            log.keep(List.of(new Envelope(event("e-1"), -1, 0)), Duration.ofSeconds(10));
            assertThat(capture.warnings()).as("nothing released that was never journaled").isEmpty();
        }

        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.MEMORY)) {
            assertThat(log.recover()).extracting(e -> e.event().id()).containsExactly("e-1");
        }
    }

    private static Event event(String id) {
        return new Event(id, "t", "s", null, null, "{\"n\":1}".getBytes(UTF_8), Instant.now(), null);
    }

    private Path singleSegment() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(".wal")).toList();
            assertThat(segments).hasSize(1);
            return segments.getFirst();
        }
    }
}
