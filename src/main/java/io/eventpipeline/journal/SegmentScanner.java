package io.eventpipeline.journal;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
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
                    if (length == 0 && expectedCrc == 0) {
                        // The preallocated zeros: the records end here, if nothing but zeros follows.
                        if (onlyZeros(in, remaining - Segment.RECORD_HEADER_BYTES)) {
                            return new Scan(records, offset, null, true);
                        }
                        problem = "a zeroed record header with data after it";
                    } else if (length <= 0 || length > Segment.MAX_RECORD_BYTES) {
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
                    long discarded = dataEnd(path, offset, fileSize) - offset;
                    return new Scan(records, offset, new JournalCorruption(path, offset, discarded, problem), true);
                }
            }
            return new Scan(records, offset, null, true);
        }
    }

    /**
     * Where the data of the file ends, from {@code from} on: its size without the zeros at its end, which are
     * preallocated space and not lost records.
     */
    private static long dataEnd(Path path, long from, long fileSize) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "r")) {
            byte[] buf = new byte[8192];
            long end = fileSize;
            while (end > from) {
                int n = (int) Math.min(buf.length, end - from);
                file.seek(end - n);
                file.readFully(buf, 0, n);
                for (int i = n - 1; i >= 0; i--) {
                    if (buf[i] != 0) {
                        return end - n + i + 1;
                    }
                }
                end -= n;
            }
            return from;
        }
    }

    private static boolean onlyZeros(DataInputStream in, long bytes) throws IOException {
        byte[] buf = new byte[8192];
        long left = bytes;
        while (left > 0) {
            int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
            if (n == 0) {
                return true; // the file is shorter than it was a moment ago; what was read was zeros
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != 0) {
                    return false;
                }
            }
            left -= n;
        }
        return true;
    }
}
