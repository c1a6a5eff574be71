package io.eventpipeline.journal;

import io.eventpipeline.errors.IoReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Segments in which recovery found damage. Their intact records are replayed like any others; once those are
 * released the file is renamed to {@code segment-<id>.wal.damaged} instead of being deleted, so that the bytes
 * that could not be read stay for inspection and the file is never replayed again. Nothing deletes these files:
 * that is for the operator, after a look.
 */
final class DamagedSegments {
    static final String SUFFIX = ".damaged";

    private static final Logger log = LoggerFactory.getLogger(DamagedSegments.class);
    private static final Pattern FILE_NAME = Pattern.compile("segment-(\\d{20})\\.wal" + Pattern.quote(SUFFIX));

    private DamagedSegments() {}

    /** One WARN line per damaged range of a segment that recovery reads. */
    static void report(SegmentScanner.Scan scan) {
        for (JournalCorruption d : scan.damage()) {
            log.warn("event=journal_segment_damaged file={} offset={} reason=\"{}\" discarded_bytes={} "
                    + "recovered_records={}", d.segment(), d.offset(), d.reason(), d.discardedBytes(),
                    scan.records().size());
        }
    }

    /**
     * Renames a damaged segment whose intact records are all released. If that fails the file stays a segment,
     * and the next open replays its intact records again: stored twice, which the database turns into duplicates.
     */
    static void keepAside(Segment segment) {
        Path target = segment.path.resolveSibling(segment.path.getFileName() + SUFFIX);
        try {
            Files.move(segment.path, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("event=journal_keep_aside_failed segment={} error=\"{}\" note=\"it will be replayed at next "
                    + "open\"", segment, e.toString());
            return;
        }
        log.warn("event=journal_segment_kept_aside file={} damaged_bytes={} note=\"its intact records are stored; "
                + "the damaged byte ranges could not be read and are kept for inspection\"", target,
                ranges(segment.damage));
    }

    /** The highest id of a segment kept aside in {@code dir}, 0 if none: a new segment must not take it again. */
    static long highestId(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> FILE_NAME.matcher(f.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToLong(m -> Long.parseLong(m.group(1)))
                    .max().orElse(0);
        } catch (IOException e) {
            throw new IOException("cannot list the journal directory " + dir.toAbsolutePath() + ": "
                    + IoReason.of(e), e);
        }
    }

    /** Byte ranges as {@code start-end} (end exclusive), comma-separated. */
    static String ranges(List<JournalCorruption> damage) {
        return damage.stream().map(d -> d.offset() + "-" + d.end()).collect(Collectors.joining(","));
    }
}
