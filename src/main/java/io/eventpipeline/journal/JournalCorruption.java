package io.eventpipeline.journal;

import java.nio.file.Path;

/**
 * One damaged range that recovery found in a segment file: a torn tail from a crash mid-write, a checksum
 * mismatch, a damaged length or marker, or an unreadable header. Intact records after the range are recovered;
 * the range itself is lost. Exposed so that the service can report it as a metric, not only as a log line.
 *
 * @param segment        the file, under the name it had when it was read
 * @param offset         byte offset in the file where the damage starts
 * @param discardedBytes bytes from {@code offset} up to the next intact record or, failing one, the end of the
 *                       file's data (the zeros at its end are preallocated space, not counted)
 * @param reason         what was wrong, for humans
 */
public record JournalCorruption(Path segment, long offset, long discardedBytes, String reason) {

    /** Where the damaged range ends (exclusive). */
    public long end() {
        return offset + discardedBytes;
    }
}
