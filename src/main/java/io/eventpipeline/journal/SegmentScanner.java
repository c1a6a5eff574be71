package io.eventpipeline.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads a segment file at open and keeps every record that checks out. A damaged record does not end the scan:
 * the scanner searches forward, byte by byte, for the next offset where a whole record checks out (its sync
 * marker, a plausible length, a matching CRC32C) and goes on from there. Each damaged range becomes one
 * {@link JournalCorruption}. A damaged segment header is found the same way: by the first record after it.
 *
 * <p>Version 1 segments have no sync marker, so there the search tries every offset as a record start; the
 * CRC of a plausible length's worth of bytes is what tells a record from the middle of one.
 */
final class SegmentScanner {

    /**
     * @param records   intact records in order
     * @param dataBytes bytes of the file up to the end of its last record or damage, without the zeros after
     * @param damage    damaged ranges, in order; empty if the whole file was intact
     * @param usable    false if no record of ours was found behind an unknown header: the file must be left alone
     */
    record Scan(List<byte[]> records, long dataBytes, List<JournalCorruption> damage, boolean usable) {}

    /** Where records start and how they are framed: the current format with its marker, or version 1 (sync 0). */
    private record Layout(int headerBytes, int sync) {
        static final Layout LEGACY = new Layout(Segment.LEGACY_HEADER_BYTES, 0);

        int recordHeaderBytes() {
            return sync == 0 ? Segment.LEGACY_RECORD_HEADER_BYTES : Segment.RECORD_HEADER_BYTES;
        }
    }

    private final Path path;
    private final ByteBuffer file;
    private final int size;
    /** End of the file without its trailing zeros: preallocated space, not data. */
    private final int dataEnd;
    private final CRC32C crc = new CRC32C();
    /** The length of the record {@link #check} last found intact. */
    private int length;

    private SegmentScanner(Path path, ByteBuffer file) {
        this.path = path;
        this.file = file;
        this.size = file.capacity();
        int end = size;
        while (end > 0 && file.get(end - 1) == 0) {
            end--;
        }
        this.dataEnd = end;
    }

    /**
     * @throws IOException if the file cannot be read, or is over 2 GiB (no segment of this service grows so large:
     *                     one is rolled at a few MiB)
     */
    static Scan scan(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException("it is " + size + " bytes, larger than any segment this service writes");
            }
            return new SegmentScanner(path, channel.map(FileChannel.MapMode.READ_ONLY, 0, size)).scan();
        }
    }

    private Scan scan() {
        if (size < Segment.LEGACY_HEADER_BYTES) {
            // A crash between creating the file and syncing its header: there cannot be any records.
            return new Scan(List.of(), size, List.of(), true);
        }
        int magic = file.getInt(0);
        int version = file.getInt(4);
        if (magic == Segment.MAGIC && version == Segment.FORMAT_VERSION && size < Segment.HEADER_BYTES) {
            return new Scan(List.of(), size, List.of(), true); // a torn header, as above
        }
        Layout declared = declared(magic, version);
        Scan scan = declared == null ? null : records(declared, declared.headerBytes(), new ArrayList<>());
        if (scan != null && !scan.records().isEmpty()) {
            return scan;
        }
        // A damaged header, or a file that is not ours: the first record that checks out tells which. A header
        // damaged into another valid one finds no record, so then the other layouts are tried as well. Version 1
        // goes last: without a marker to look for, its search costs a checksum at many offsets.
        String reason = String.format("damaged segment header (magic 0x%08x, version %d)", magic, version);
        for (Layout layout : guesses()) {
            int first = layout.equals(declared) ? dataEnd : next(layout, layout.headerBytes());
            if (first < dataEnd) {
                List<JournalCorruption> damage = new ArrayList<>();
                damage.add(new JournalCorruption(path, 0, first, reason));
                return records(layout, first, damage);
            }
        }
        if (scan != null) {
            return scan; // the header is ours and nothing in the file checks out: all of it is damage
        }
        reason = String.format("unknown header (magic 0x%08x, version %d) and no record found after it; "
                + "left as it is", magic, version);
        return new Scan(List.of(), 0, List.of(new JournalCorruption(path, 0, size, reason)), false);
    }

    /** The layout the header names, or null if it names none. */
    private Layout declared(int magic, int version) {
        if (magic != Segment.MAGIC) {
            return null;
        }
        if (version == Segment.LEGACY_VERSION) {
            return Layout.LEGACY;
        }
        if (version != Segment.FORMAT_VERSION) {
            return null;
        }
        int sync = file.getInt(8);
        return sync != 0 ? new Layout(Segment.HEADER_BYTES, sync) : null;
    }

    /** The current format with the header's marker, with the first record's marker, then version 1. */
    private List<Layout> guesses() {
        List<Layout> guesses = new ArrayList<>();
        for (int at : new int[] {8, Segment.HEADER_BYTES}) {
            if (size >= at + 4 && file.getInt(at) != 0) {
                guesses.add(new Layout(Segment.HEADER_BYTES, file.getInt(at)));
            }
        }
        guesses.add(Layout.LEGACY);
        return guesses;
    }

    private Scan records(Layout layout, int start, List<JournalCorruption> damage) {
        List<byte[]> records = new ArrayList<>();
        int offset = start;
        while (offset < dataEnd) {
            String problem = check(layout, offset);
            if (problem == null) {
                byte[] payload = new byte[length];
                file.get(offset + layout.recordHeaderBytes(), payload);
                records.add(payload);
                offset += layout.recordHeaderBytes() + length;
                continue;
            }
            int next = next(layout, offset + 1);
            damage.add(new JournalCorruption(path, offset, next - offset, problem));
            offset = next;
        }
        return new Scan(records, offset, damage, true);
    }

    /** The first offset from {@code from} on where an intact record starts, or {@link #dataEnd} if none does. */
    private int next(Layout layout, int from) {
        for (int at = from; at < dataEnd; at++) {
            boolean candidate = layout.sync() == 0 || (at + 4 <= size && file.getInt(at) == layout.sync());
            if (candidate && check(layout, at) == null) {
                return at;
            }
        }
        return dataEnd;
    }

    /** Null if an intact record starts at {@code offset} (its length then in {@link #length}), else what is wrong. */
    private String check(Layout layout, int offset) {
        int headerBytes = layout.recordHeaderBytes();
        long remaining = (long) size - offset;
        if (remaining < headerBytes) {
            return "truncated record header";
        }
        int at = offset;
        if (layout.sync() != 0) {
            int marker = file.getInt(at);
            at += 4;
            if (marker != layout.sync()) {
                return marker == 0 && file.getInt(at) == 0 && file.getInt(at + 4) == 0
                        ? "a zeroed record header with data after it"
                        : String.format("no record marker (0x%08x)", marker);
            }
        }
        int recordLength = file.getInt(at);
        int expectedCrc = file.getInt(at + 4);
        if (recordLength == 0 && expectedCrc == 0) {
            return "a zeroed record header with data after it";
        }
        if (recordLength <= 0 || recordLength > Segment.MAX_RECORD_BYTES) {
            return "implausible record length " + recordLength;
        }
        if (remaining - headerBytes < recordLength) {
            return "truncated record (length " + recordLength + ", only " + (remaining - headerBytes)
                    + " bytes left)";
        }
        crc.reset();
        if (layout.sync() != 0) {
            crc.update(file.slice(offset, 8)); // the marker and the length: a damaged length fails the check too
        }
        crc.update(file.slice(offset + headerBytes, recordLength));
        if ((int) crc.getValue() != expectedCrc) {
            return "checksum mismatch";
        }
        length = recordLength;
        return null;
    }
}
