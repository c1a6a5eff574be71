package io.eventpipeline.journal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a segment file at open and keeps the records up to the first damaged one. Nothing after a damaged
 * record is trusted: once a length field may be wrong, there is no reliable way to find the next record.
 */
final class SegmentScanner {

    /**
     * @param records    valid records in order
     * @param validBytes bytes of the file up to the end of the last valid record
     * @param damage     null if the whole file was valid
     * @param usable     false if the header was not ours: the file must be left alone
     */
    record Scan(List<byte[]> records, long validBytes, JournalCorruption damage, boolean usable) {}

    private SegmentScanner() {}

    static Scan scan(Path path) throws IOException {
        long fileSize = Files.size(path);
        List<byte[]> records = new ArrayList<>();
        if (fileSize < Segment.HEADER_BYTES) {
            // A crash between creating the file and syncing its header: there cannot be any records.
            return new Scan(records, fileSize, null, true);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16))) {
            int magic = in.readInt();
            int version = in.readInt();
            if (magic != Segment.MAGIC || version != Segment.FORMAT_VERSION) {
                String reason = String.format("unknown header (magic 0x%08x, version %d); left as it is",
                        magic, version);
                return new Scan(records, 0, new JournalCorruption(path, 0, fileSize, reason), false);
            }
            CRC32C crc = new CRC32C();
            long offset = Segment.HEADER_BYTES;
            while (offset < fileSize) {
                long remaining = fileSize - offset;
                String problem = null;
                if (remaining < Segment.RECORD_HEADER_BYTES) {
                    problem = "truncated record header";
                } else {
                    int length = in.readInt();
                    int expectedCrc = in.readInt();
                    if (length <= 0 || length > Segment.MAX_RECORD_BYTES) {
                        problem = "implausible record length " + length;
                    } else if (remaining - Segment.RECORD_HEADER_BYTES < length) {
                        problem = "truncated record (length " + length + ", only "
                                + (remaining - Segment.RECORD_HEADER_BYTES) + " bytes left)";
                    } else {
                        byte[] payload = in.readNBytes(length);
                        crc.reset();
                        crc.update(payload);
                        if ((int) crc.getValue() != expectedCrc) {
                            problem = "checksum mismatch";
                        } else {
                            records.add(payload);
                            offset += Segment.RECORD_HEADER_BYTES + length;
                        }
                    }
                }
                if (problem != null) {
                    return new Scan(records, offset, new JournalCorruption(path, offset, remaining, problem), true);
                }
            }
            return new Scan(records, offset, null, true);
        }
    }
}
