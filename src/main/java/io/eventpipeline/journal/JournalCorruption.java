package io.eventpipeline.journal;

import java.nio.file.Path;

/**
 * Damage that recovery found in a segment file: a torn tail from a crash mid-write, a checksum mismatch, or an
 * unreadable header. Exposed so that the service can report it as a metric, not only as a log line.
 *
 * @param segment        the file
 * @param offset         byte offset in the file where the damage starts
 * @param discardedBytes bytes from {@code offset} to the end of the file's data that were not recovered (the zeros
 *                       at its end are preallocated space, not counted)
 * @param reason         what was wrong, for humans
 */
public record JournalCorruption(Path segment, long offset, long discardedBytes, String reason) {}
