package io.eventpipeline.journal;

import static io.eventpipeline.journal.SegmentBytes.flipBits;
import static io.eventpipeline.journal.SegmentBytes.writeInt;
import static io.eventpipeline.journal.SegmentBytes.zero;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.journal.Journal.RecoveredSegment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One damaged place in a segment, in either on-disk format: every intact record around it is recovered, the
 * damaged range is reported, and the file is kept aside rather than deleted.
 */
class SegmentDamageTest {

    private static final long BIG = 1 << 20;
    private static final int SYNC = 0x5EC7A11E;
    private static final int RECORDS = 5;
    private static final int PAYLOAD_BYTES = "record-0-abcdefghijklmnop".length();

    /** The two record formats: the current one, and version 1 as written before the sync marker. */
    enum Format {
        CURRENT(Segment.HEADER_BYTES, Segment.RECORD_HEADER_BYTES, 4),
        VERSION_1(Segment.LEGACY_HEADER_BYTES, Segment.LEGACY_RECORD_HEADER_BYTES, 0);

        final int headerBytes;
        final int recordHeaderBytes;
        /** Offset of the length field in a record; the checksum follows it. */
        final int lengthAt;

        Format(int headerBytes, int recordHeaderBytes, int lengthAt) {
            this.headerBytes = headerBytes;
            this.recordHeaderBytes = recordHeaderBytes;
            this.lengthAt = lengthAt;
        }

        int recordBytes() {
            return recordHeaderBytes + PAYLOAD_BYTES;
        }

        long offsetOf(int record) {
            return headerBytes + (long) record * recordBytes();
        }
    }

    @TempDir
    Path dir;
    /** Bytes of the file {@link #writeSegment} wrote. */
    private long segmentSize;

    static Stream<Arguments> damagedRecordFields() {
        List<Arguments> cases = new ArrayList<>();
        for (Format f : Format.values()) {
            for (int record : new int[] {0, 2, RECORDS - 1}) {
                if (f == Format.CURRENT) {
                    cases.add(Arguments.of(f, record, "marker", 1, 0x01));
                }
                cases.add(Arguments.of(f, record, "length, one more", f.lengthAt + 3, 0x01));
                cases.add(Arguments.of(f, record, "length, shorter", f.lengthAt + 3, 0x08));
                cases.add(Arguments.of(f, record, "length, negative", f.lengthAt, 0x80));
                cases.add(Arguments.of(f, record, "length, past the end of the file", f.lengthAt + 1, 0x40));
                cases.add(Arguments.of(f, record, "checksum", f.lengthAt + 6, 0x10));
                cases.add(Arguments.of(f, record, "payload, first byte", f.recordHeaderBytes, 0x01));
                cases.add(Arguments.of(f, record, "payload, middle", f.recordHeaderBytes + PAYLOAD_BYTES / 2, 0x20));
                cases.add(Arguments.of(f, record, "payload, last byte", f.recordHeaderBytes + PAYLOAD_BYTES - 1, 0x02));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: record {1}, {2}")
    @MethodSource("damagedRecordFields")
    void every_intact_record_around_a_damaged_one_is_recovered(Format format, int record, String field,
                                                               int at, int mask) throws Exception {
        Path file = writeSegment(format);
        flipBits(file, format.offsetOf(record) + at, mask);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).as(field).containsExactlyElementsOf(payloadsWithout(record));
            assertThat(journal.corruptions()).singleElement().satisfies(d -> {
                assertThat(d.segment()).isEqualTo(file);
                assertThat(d.offset()).isEqualTo(format.offsetOf(record));
                assertThat(d.discardedBytes()).isEqualTo(format.recordBytes());
            });
            assertThat(log.warnings()).singleElement().asString()
                    .contains(file.toString(), "offset=" + format.offsetOf(record));
        }
        assertThat(file).as("damage is never deleted").exists();
    }

    static Stream<Arguments> damagedHeaderBytes() {
        return Stream.of(
                Arguments.of(Format.CURRENT, "magic", 0, 0x01),
                Arguments.of(Format.CURRENT, "magic", 3, 0xff),
                Arguments.of(Format.CURRENT, "version", 7, 0x01),
                Arguments.of(Format.CURRENT, "version, now reading as 1", 7, 0x03),
                Arguments.of(Format.CURRENT, "sync marker", 9, 0x40),
                Arguments.of(Format.VERSION_1, "magic", 1, 0x01),
                Arguments.of(Format.VERSION_1, "version", 7, 0x01),
                Arguments.of(Format.VERSION_1, "version, now reading as 2", 7, 0x03));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("damagedHeaderBytes")
    void every_record_after_a_damaged_segment_header_is_recovered(Format format, String field, int at, int mask)
            throws Exception {
        Path file = writeSegment(format);
        flipBits(file, at, mask);

        try (LogCapture ignored = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).as(field).containsExactlyElementsOf(payloadsWithout(-1));
            assertThat(journal.corruptions()).singleElement().satisfies(d -> {
                assertThat(d.offset()).isZero();
                assertThat(d.discardedBytes()).isEqualTo(format.headerBytes);
                assertThat(d.reason()).contains("header");
            });
        }
    }

    /** Bytes that appeared between two records, or vanished from one, shift everything after them. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Format.class)
    void records_shifted_by_inserted_or_missing_bytes_are_found_again(Format format) throws Exception {
        Path file = writeSegment(format);
        byte[] bytes = Files.readAllBytes(file);
        int r2 = (int) format.offsetOf(2);
        int r3 = (int) format.offsetOf(3);
        byte[] garbage = "\u0001\u0002garbage".getBytes(UTF_8);
        ByteArrayOutputStream damaged = new ByteArrayOutputStream();
        damaged.write(bytes, 0, r2);
        damaged.write(garbage); // inserted before record 2
        damaged.write(bytes, r2, r3 - r2 - 5); // record 2 is 5 bytes short of its end: record 3 follows early
        damaged.write(bytes, r3, bytes.length - r3);
        Files.write(file, damaged.toByteArray());

        try (LogCapture ignored = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).containsExactly(payload(0), payload(1), payload(3), payload(4));
            assertThat(journal.corruptions()).singleElement().satisfies(d -> {
                assertThat(d.offset()).isEqualTo(r2);
                assertThat(d.discardedBytes()).isEqualTo(garbage.length + r3 - r2 - 5);
            });
        }
    }

    @Test
    void every_intact_record_is_recovered_between_several_damaged_ones() throws Exception {
        Path file = writeSegment(Format.CURRENT);
        Format f = Format.CURRENT;
        flipBits(file, f.offsetOf(0) + f.lengthAt + 3, 0x01);
        zero(file, f.offsetOf(2), f.recordHeaderBytes);
        flipBits(file, f.offsetOf(3) + f.recordHeaderBytes, 0x01);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).containsExactly(payload(1), payload(4));
            assertThat(journal.corruptions()).extracting(JournalCorruption::offset)
                    .containsExactly(f.offsetOf(0), f.offsetOf(2));
            assertThat(journal.corruptions()).extracting(JournalCorruption::discardedBytes)
                    .containsExactly((long) f.recordBytes(), 2L * f.recordBytes());
            assertThat(log.warnings()).hasSize(2);
        }
    }

    @Test
    void a_damaged_segment_is_kept_aside_once_its_intact_records_are_released_and_never_replayed_again()
            throws Exception {
        Path file = writeSegment(Format.CURRENT);
        flipBits(file, Format.CURRENT.offsetOf(1) + Format.CURRENT.recordHeaderBytes, 0x01);
        flipBits(file, Format.CURRENT.offsetOf(3) + Format.CURRENT.lengthAt, 0x80);
        Path aside = file.resolveSibling(file.getFileName() + ".damaged");

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            RecoveredSegment old = journal.recovered().getFirst();
            assertThat(old.records()).hasSize(RECORDS - 2);
            journal.release(old.segmentId(), 2);
            assertThat(file).as("kept while records are unreleased").exists();

            journal.release(old.segmentId(), RECORDS - 4);
            assertThat(file).doesNotExist();
            assertThat(aside).exists().hasSize(segmentSize);
            long r1 = Format.CURRENT.offsetOf(1);
            long r3 = Format.CURRENT.offsetOf(3);
            int n = Format.CURRENT.recordBytes();
            assertThat(log.warnings()).last().asString().contains(aside.toString(),
                    "damaged_bytes=" + r1 + "-" + (r1 + n) + "," + r3 + "-" + (r3 + n));
        }

        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(journal.recovered()).isEmpty();
            assertThat(journal.corruptions()).isEmpty();
            assertThat(journal.write(List.of(payload(9).getBytes(UTF_8))).segmentId())
                    .as("a new segment never takes the id of one kept aside").isGreaterThan(1);
        }
        assertThat(aside).exists();
    }

    /** Bytes a client sends inside an event cannot pass for a record: they do not know the random marker. */
    @Test
    void a_record_forged_inside_an_event_is_not_recovered_after_a_damaged_length() throws Exception {
        byte[] forged = "forged-event".getBytes(UTF_8);
        byte[] inner = frame(0x0BADC0DE, forged);
        try (Journal journal = Journal.open(dir, BIG)) {
            journal.write(List.of(payload(0).getBytes(UTF_8), inner, payload(2).getBytes(UTF_8)));
        }
        Path file = singleSegment();
        long second = Segment.HEADER_BYTES + Segment.RECORD_HEADER_BYTES + PAYLOAD_BYTES;
        flipBits(file, second + 4, 0x80);

        try (LogCapture ignored = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).containsExactly(payload(0), payload(2));
        }
    }

    @Test
    void version_1_segments_written_before_an_upgrade_are_replayed_beside_new_ones() throws Exception {
        writeSegment(Format.VERSION_1);
        try (Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).containsExactlyElementsOf(payloadsWithout(-1));
            assertThat(journal.corruptions()).isEmpty();
            journal.write(List.of("new".getBytes(UTF_8)));
        }
        try (Journal journal = Journal.open(dir, BIG)) {
            List<String> all = new ArrayList<>(payloadsWithout(-1));
            all.add("new");
            assertThat(recoveredStrings(journal)).containsExactlyElementsOf(all);
            assertThat(journal.corruptions()).isEmpty();
        }
    }

    @Test
    void damage_in_a_version_1_segment_keeps_the_zeros_after_its_records_as_their_end() throws Exception {
        Path file = writeSegment(Format.VERSION_1);
        writeInt(file, Format.VERSION_1.offsetOf(2), 0);

        try (LogCapture log = new LogCapture(); Journal journal = Journal.open(dir, BIG)) {
            assertThat(recoveredStrings(journal)).containsExactlyElementsOf(payloadsWithout(2));
            assertThat(single(journal.corruptions()).discardedBytes()).isEqualTo(Format.VERSION_1.recordBytes());
        }
    }

    // --- helpers

    /** Five records in one segment of the format, followed by zeros as if preallocated. */
    private Path writeSegment(Format format) throws IOException {
        List<byte[]> payloads = IntStream.range(0, RECORDS).mapToObj(i -> payload(i).getBytes(UTF_8)).toList();
        Path file;
        if (format == Format.CURRENT) {
            try (Journal journal = Journal.open(dir, BIG, SYNC)) {
                journal.write(payloads);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            file = singleSegment();
        } else {
            file = dir.resolve(Segment.fileName(1));
            ByteBuffer b = ByteBuffer.allocate((int) format.offsetOf(RECORDS) + 4096); // zeros after the records
            b.putInt(Segment.MAGIC).putInt(Segment.LEGACY_VERSION);
            for (byte[] p : payloads) {
                b.putInt(p.length).putInt(crc(p)).put(p);
            }
            Files.write(file, b.array());
        }
        assertThat(Files.size(file)).isGreaterThan(format.offsetOf(RECORDS));
        segmentSize = Files.size(file);
        return file;
    }

    /** A record of the current format with the given marker, as a client could put it inside an event. */
    private static byte[] frame(int sync, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Segment.RECORD_HEADER_BYTES + payload.length);
        b.putInt(sync).putInt(payload.length);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 8);
        crc.update(payload);
        return b.putInt((int) crc.getValue()).put(payload).array();
    }

    private static int crc(byte[] payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload);
        return (int) crc.getValue();
    }

    private static String payload(int i) {
        return "record-" + i + "-abcdefghijklmnop";
    }

    private static List<String> payloadsWithout(int damaged) {
        return IntStream.range(0, RECORDS).filter(i -> i != damaged).mapToObj(SegmentDamageTest::payload).toList();
    }

    private static List<String> recoveredStrings(Journal journal) {
        return journal.recovered().stream().flatMap(r -> r.records().stream()).map(r -> new String(r, UTF_8))
                .toList();
    }

    private Path singleSegment() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return single(files.filter(f -> f.getFileName().toString().endsWith(".wal")).toList());
        }
    }

    private static <T> T single(List<T> items) {
        assertThat(items).hasSize(1);
        return items.getFirst();
    }
}
