package io.eventpipeline.journal;

import io.eventpipeline.errors.IoReason;
import io.eventpipeline.journal.Journal.RecoveredSegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the journal finds in its directory at open: the segments left by earlier runs, their intact records to
 * replay and the damage around them (see {@link SegmentScanner}), and the id a new segment may take.
 *
 * @param segments      segments with records to replay, oldest first, each with all of them unreleased
 * @param replay        their records, in the same order
 * @param corruptions   damaged ranges, oldest segment first, each also logged as one WARN line
 * @param nextSegmentId above the id of every segment file in the directory, even one left alone or kept aside
 */
record Recovery(List<Segment> segments, List<RecoveredSegment> replay, List<JournalCorruption> corruptions,
                long nextSegmentId) {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    Recovery {
        segments = List.copyOf(segments);
        replay = List.copyOf(replay);
        corruptions = List.copyOf(corruptions);
    }

    /**
     * Scans every segment file of {@code dir}. A segment without intact records is deleted (or kept aside if
     * damaged), a file whose header is not ours and that holds no record of ours is left alone, a directory entry
     * that is not a regular file is ignored.
     *
     * @throws IOException if the directory cannot be listed or a segment cannot be read, with the file in its
     *                     message
     */
    static Recovery scan(Path dir) throws IOException {
        List<Segment> kept = new ArrayList<>();
        List<RecoveredSegment> replay = new ArrayList<>();
        List<JournalCorruption> corruptions = new ArrayList<>();
        long maxId = DamagedSegments.highestId(dir); // a segment kept aside keeps its id
        for (Path file : segmentFiles(dir)) {
            long id = Segment.idOf(file).orElseThrow();
            // Even a skipped file's id is used up, so a new segment can never collide with it.
            maxId = Math.max(maxId, id);
            if (!Files.isRegularFile(file)) {
                log.warn("event=journal_file_ignored file={} reason=\"not a regular file\"", file);
                continue;
            }
            SegmentScanner.Scan scan;
            try {
                scan = SegmentScanner.scan(file);
            } catch (IOException e) {
                throw new IOException("cannot read the journal segment " + file.toAbsolutePath() + ": "
                        + IoReason.of(e), e);
            }
            corruptions.addAll(scan.damage());
            if (!scan.usable()) {
                log.warn("event=journal_segment_skipped file={} reason=\"{}\"", file,
                        scan.damage().getFirst().reason());
                continue;
            }
            DamagedSegments.report(scan);
            Segment segment = Segment.recovered(id, file, scan.dataBytes(), scan.records().size(), scan.damage());
            if (scan.records().isEmpty()) {
                segment.delete();
                continue;
            }
            kept.add(segment);
            replay.add(new RecoveredSegment(id, List.copyOf(scan.records())));
        }
        return new Recovery(kept, replay, corruptions, maxId + 1);
    }

    /** Records to replay, over all segments. */
    int records() {
        return replay.stream().mapToInt(r -> r.records().size()).sum();
    }

    /**
     * The intact records in the segment files of {@code dir}, changing nothing (no file is deleted or kept aside):
     * what a start would replay. 0 when the directory does not exist.
     *
     * @throws IOException if the directory cannot be listed or a segment cannot be read
     */
    static long countRecords(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long records = 0;
        for (Path file : segmentFiles(dir)) {
            if (Files.isRegularFile(file)) {
                SegmentScanner.Scan scan = SegmentScanner.scan(file);
                records += scan.usable() ? scan.records().size() : 0;
            }
        }
        return records;
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> Segment.idOf(f).isPresent())
                    .sorted((a, b) -> Long.compare(Segment.idOf(a).orElseThrow(), Segment.idOf(b).orElseThrow()))
                    .toList();
        } catch (IOException e) {
            throw new IOException("cannot list the journal directory " + dir.toAbsolutePath() + ": "
                    + IoReason.of(e), e);
        }
    }
}
