package io.eventpipeline.journal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One segment file of the journal and its on-disk format. Not thread-safe: {@link Journal} guards every
 * instance with its lock, except {@link #channel()}'s force, which the syncer runs outside the lock, and
 * {@link #delete}, once no other part of the journal refers to the segment.
 *
 * <p>Format: a 12-byte header ({@link #MAGIC}, {@link #FORMAT_VERSION}, a sync marker), then records
 * {@code [int sync marker][int length][int CRC32C of marker, length and payload][payload]}, big-endian, then
 * zeros up to the end of the file. The marker lets recovery find the next record after a damaged one without
 * trusting a length; it is random per journal instance and never zero, so that neither the zeros nor bytes a
 * client sent inside an event can pass for a record. Version 1 files ({@link #LEGACY_VERSION}: an 8-byte header,
 * records {@code [int length][int CRC32C of payload][payload]}) are still read.
 *
 * <p>The zeros are written ahead of the records, {@link #PREALLOCATE_BYTES} at a time: an append then writes
 * into blocks the file already has, so its {@code fdatasync} flushes only the data, without a file-system
 * journal commit for a new size and new blocks, as long as appends stay within the preallocated part.
 */
final class Segment {
    static final int MAGIC = 0x45504A4C; // "EPJL"
    static final int FORMAT_VERSION = 2;
    static final int HEADER_BYTES = 12;
    static final int RECORD_HEADER_BYTES = 12;
    /** The format before the sync marker, written by earlier versions of the service. */
    static final int LEGACY_VERSION = 1;
    static final int LEGACY_HEADER_BYTES = 8;
    static final int LEGACY_RECORD_HEADER_BYTES = 8;
    /** Larger lengths are read as corruption, so appends must refuse them too. */
    static final int MAX_RECORD_BYTES = 64 << 20;
    /** How far ahead of the records the file is filled with zeros. */
    static final int PREALLOCATE_BYTES = 1 << 20;
    private static final byte[] ZEROS = new byte[64 << 10];

    private static final Pattern FILE_NAME = Pattern.compile("segment-(\\d{20})\\.wal");
    private static final Logger log = LoggerFactory.getLogger(Segment.class);

    final long id;
    final Path path;
    /** Open only while this is the active segment. */
    private RandomAccessFile file;
    /** Bytes of the file that belong to the journal (header and complete records). */
    private long size;
    /** Bytes of the file: the size, then zeros written ahead. */
    private long allocated;
    /** False once writing ahead failed (a nearly full disk): the rest of this segment grows as it is written. */
    private boolean preallocating = true;
    /** Damage recovery found in this file: never deleted, kept aside once its intact records are released. */
    final List<JournalCorruption> damage;
    /** Records appended (or recovered) and not yet released. */
    long unreleased;
    /** No more appends: a force failed or a failed append could not be undone. */
    boolean sealed;
    /**
     * Created by a {@code journal-async} roll: its header and directory entry are not forced yet; the syncer's
     * next force does it (see {@link #create(Path, long, int, boolean)}).
     */
    boolean createUnforced;

    private Segment(long id, Path path, RandomAccessFile file, long size, long unreleased,
                    List<JournalCorruption> damage) {
        this.id = id;
        this.path = path;
        this.damage = List.copyOf(damage);
        this.file = file;
        this.size = size;
        this.allocated = size;
        this.unreleased = unreleased;
    }

    /** A new journal instance's sync marker: random, so no event's bytes can be made to look like a record. */
    static int newSync() {
        SecureRandom random = new SecureRandom();
        int sync;
        do {
            sync = random.nextInt();
        } while (sync == 0); // zero would make the preallocated zeros look like the start of a record
        return sync;
    }

    static String fileName(long id) {
        return String.format("segment-%020d.wal", id);
    }

    static OptionalLong idOf(Path file) {
        Matcher m = FILE_NAME.matcher(file.getFileName().toString());
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** A segment found at open: read-only from now on, kept until its records are released. */
    static Segment recovered(long id, Path path, long size, int records, List<JournalCorruption> damage) {
        return new Segment(id, path, null, size, records, damage);
    }

    /**
     * Creates a new, empty segment whose header and directory entry are already durable, so that a crash can
     * leave neither a half-written header nor a forced record in a file that the directory does not list.
     */
    static Segment create(Path dir, long id, int sync) throws IOException {
        return create(dir, id, sync, true);
    }

    /**
     * As {@link #create(Path, long, int)}, or, with {@code forceNow} false, without forcing anything: for a
     * {@code journal-async} roll, whose appenders must not wait for two {@code fsync}s under the journal's lock.
     * Its records are only promised within the flush interval, so the syncer forces the file and then the directory
     * with them ({@link #createUnforced}); a crash before that leaves at worst a file without a header, which
     * recovery deletes or leaves aside.
     */
    static Segment create(Path dir, long id, int sync, boolean forceNow) throws IOException {
        Path path = dir.resolve(fileName(id));
        Files.createFile(path);
        RandomAccessFile file = null;
        try {
            file = new RandomAccessFile(path.toFile(), "rw");
            file.write(ByteBuffer.allocate(HEADER_BYTES).putInt(MAGIC).putInt(FORMAT_VERSION).putInt(sync).array());
            if (forceNow) {
                file.getFD().sync();
                syncDirectory(dir);
            }
            Segment segment = new Segment(id, path, file, HEADER_BYTES, 0, List.of());
            segment.createUnforced = !forceNow;
            return segment;
        } catch (IOException | RuntimeException e) {
            if (file != null) {
                closeQuietly(file, e);
            }
            try {
                Files.deleteIfExists(path);
            } catch (IOException d) {
                e.addSuppressed(d);
            }
            throw e;
        }
    }

    /**
     * Encodes a batch into one buffer, so an append is a single write and the CRC work happens before the
     * caller takes the journal lock.
     *
     * @param sync the journal's non-zero sync marker, the same in every segment it writes
     */
    static byte[] encode(List<byte[]> records, int sync) {
        long total = 0;
        for (byte[] r : records) {
            Objects.requireNonNull(r, "record");
            // Empty records are refused because a zero-filled tail (left by some file systems after a crash)
            // would otherwise read back as valid empty records: CRC32C of nothing is 0.
            if (r.length == 0 || r.length > MAX_RECORD_BYTES) {
                throw new IllegalArgumentException(
                        "Record length must be 1.." + MAX_RECORD_BYTES + " bytes, was " + r.length);
            }
            total += RECORD_HEADER_BYTES + r.length;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("Batch too large for one append: " + total + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) total);
        CRC32C crc = new CRC32C();
        for (byte[] r : records) {
            int start = buf.position();
            buf.putInt(sync).putInt(r.length);
            crc.reset();
            crc.update(buf.array(), start, 8);
            crc.update(r);
            buf.putInt((int) crc.getValue()).put(r);
        }
        return buf.array();
    }

    long size() {
        return size;
    }

    boolean hasRecords() {
        return size > HEADER_BYTES;
    }

    // Writes go through RandomAccessFile, not FileChannel.write: an interrupt of a thread inside a FileChannel
    // operation closes the channel for every thread, and one cancelled HTTP request must not break the journal.
    void write(byte[] batch) throws IOException {
        long end = size + batch.length;
        if (end > allocated && preallocating) {
            preallocate(end + PREALLOCATE_BYTES);
        }
        file.seek(size);
        file.write(batch);
        size = end;
    }

    /**
     * Fills the file with zeros up to {@code length}. Real zeros, not a sparse {@code setLength}: writing into a
     * hole allocates blocks, which is the metadata change preallocation is there to avoid. Where the disk has no
     * room for them, the zeros are given back and the records written without: a megabyte of zeros must not
     * refuse events that would fit.
     */
    private void preallocate(long length) throws IOException {
        file.seek(allocated);
        try {
            while (allocated < length) {
                int n = (int) Math.min(ZEROS.length, length - allocated);
                file.write(ZEROS, 0, n);
                allocated += n;
            }
        } catch (IOException e) {
            preallocating = false;
            try {
                file.setLength(size);
                allocated = size;
            } catch (IOException ignored) {
                // Zeros past the records are harmless; the write that follows reports the disk's state.
            }
        }
    }

    /** Undoes a failed write, so that nothing of it can be read back at recovery; drops the zeros ahead too. */
    void truncate(long length) throws IOException {
        file.setLength(length);
        size = length;
        allocated = length;
    }

    /**
     * For the syncer's {@code force(false)}. Only the syncer uses the channel, and only close() interrupts the
     * syncer, so the channel is not closed by a stray interrupt.
     */
    FileChannel channel() {
        return file.getChannel();
    }

    /** Forces from a caller's thread (roll, close): uninterruptible, unlike FileChannel.force. */
    void sync() throws IOException {
        file.getFD().sync();
    }

    /** Whether the file is still open: until the segment is closed (a roll or the journal's close). */
    boolean isOpen() {
        return file != null;
    }

    void close() throws IOException {
        if (file != null) {
            RandomAccessFile f = file;
            file = null;
            f.close();
        }
    }

    /**
     * Removes the file of a segment whose records are all released; one with damage is kept aside instead, since
     * what could not be read is never deleted (see {@link DamagedSegments}).
     */
    void delete() {
        if (!damage.isEmpty()) {
            DamagedSegments.keepAside(this);
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Not fatal: the only cost is that its records are replayed (stored twice) after the next open.
            log.warn("event=journal_delete_failed segment={} error=\"{}\" note=\"it will be replayed at next open\"",
                    this, e.toString());
        }
    }

    /** Forces the directory, so that the files created in it stay listed after a power loss. */
    static void syncDirectory(Path dir) throws IOException {
        // A pending interrupt would make the FileChannel refuse to work; a new segment must not depend on it.
        boolean interrupted = Thread.interrupted();
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void closeQuietly(RandomAccessFile file, Exception primary) {
        try {
            file.close();
        } catch (IOException e) {
            primary.addSuppressed(e);
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
