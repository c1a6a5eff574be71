package io.eventpipeline.pipeline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.config.Durability;
import io.eventpipeline.event.Event;
import io.eventpipeline.journal.SegmentBytes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
                log.append(List.of(new Event(id, "t", "s", null, null, "{\"n\":1}".getBytes(UTF_8), Instant.now(),
                        null)));
            }
        }
        SegmentBytes.flipPayloadByte(singleSegment(), 1);

        PrintStream err = System.err;
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, UTF_8)); // the expected WARN line
        try (JournalAcceptLog log = JournalAcceptLog.open(dir, Durability.JOURNAL)) {
            assertThat(log.recover()).extracting(e -> e.event().id()).containsExactly("e-0", "e-2");
            assertThat(log.corruptions()).isEqualTo(1);
        } finally {
            System.setErr(err);
        }
    }

    private Path singleSegment() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> segments = files.filter(f -> f.toString().endsWith(".wal")).toList();
            assertThat(segments).hasSize(1);
            return segments.getFirst();
        }
    }
}
