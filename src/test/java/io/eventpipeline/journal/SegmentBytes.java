package io.eventpipeline.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Damage done to segment files on disk, the way a crash or a failing disk would. */
public final class SegmentBytes {
    private SegmentBytes() {}

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    static void zero(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(length), offset);
        }
    }

    /** Flips the lowest bit of one byte. */
    static void flipByte(Path file, long offset) throws IOException {
        flipBits(file, offset, 0x01);
    }

    static void flipBits(Path file, long offset, int mask) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ mask)).rewind();
            ch.write(b, offset);
        }
    }

    static void writeInt(Path file, long offset, int value) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(value).flip(), offset);
        }
    }

    /**
     * Flips a bit in the middle of the payload of record {@code index} (from 0) of a segment in the current format.
     *
     * @return the offset of that record in the file
     */
    public static long flipPayloadByte(Path segment, int index) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(segment));
        int sync = b.getInt(8);
        int at = Segment.HEADER_BYTES;
        for (int i = 0; i < index; i++) {
            if (b.getInt(at) != sync) {
                throw new AssertionError("the segment has only " + i + " records: " + segment);
            }
            at += Segment.RECORD_HEADER_BYTES + b.getInt(at + 4);
        }
        flipBits(segment, at + Segment.RECORD_HEADER_BYTES + b.getInt(at + 4) / 2, 0x01);
        return at;
    }
}
