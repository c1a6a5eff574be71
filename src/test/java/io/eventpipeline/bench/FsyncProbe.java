package io.eventpipeline.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The physical limit of a durable 202, measured beside the service: a loop, on a thread of the bench's own, of one
 * journal-sized record written with {@code FileChannel.write} and forced with {@code force(false)} (fdatasync), as
 * the journal appends and forces, on a file in a fresh temporary directory: the file system where the bench puts
 * the service's data directory ({@link TempDirs}). Like a journal segment, the file is filled with zeros ahead of
 * the records, so that a force flushes the record's block, not a change of the file's size. Each write + force is
 * one sample, in ms; {@link #start} begins the loop, {@link #stop} ends it and returns the figures.
 */
final class FsyncProbe {
    /** A journal record's header (sync marker, length, CRC32C: the journal's Segment.RECORD_HEADER_BYTES). */
    static final int RECORD_HEADER_BYTES = 12;
    /** The zeros written ahead of the records, as a journal segment preallocates; the records cycle through it. */
    private static final int FILE_BYTES = 1 << 20;
    /** Samples kept at most (8 bytes each); a disk that forces in 50 us makes 100,000 in a 5 s phase. */
    private static final int MAX_SAMPLES = 1_000_000;

    private final Path dir;
    private final int recordBytes;
    private final String during;
    private final Thread thread;
    private volatile boolean stopping;
    private long[] samples = new long[4096];
    private int count;
    private long sumNanos;
    private long writes;
    private IOException failure;
    private long startNanos;
    private long endNanos;

    private FsyncProbe(Path dir, int recordBytes, String during) {
        this.dir = dir;
        this.recordBytes = recordBytes;
        this.during = during;
        this.thread = Thread.ofPlatform().name("fsync-probe").daemon().unstarted(this::loop);
    }

    /**
     * Starts the loop on a thread of its own.
     *
     * @param recordBytes one record with its header, in bytes
     * @param during      what ran meanwhile, for the report
     */
    static FsyncProbe start(int recordBytes, String during) throws IOException {
        FsyncProbe probe = new FsyncProbe(TempDirs.create("pipeline-bench-fsync-"), recordBytes, during);
        probe.thread.start();
        return probe;
    }

    private void loop() {
        Path file = dir.resolve("probe.journal");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(FILE_BYTES), 0);
            ch.force(true);
            byte[] record = new byte[recordBytes];
            Arrays.fill(record, (byte) 'x');
            ByteBuffer buf = ByteBuffer.wrap(record);
            long position = 0;
            startNanos = System.nanoTime();
            while (!stopping) {
                if (position + recordBytes > FILE_BYTES) {
                    position = 0;
                }
                buf.clear();
                long t0 = System.nanoTime();
                while (buf.hasRemaining()) {
                    position += ch.write(buf, position);
                }
                ch.force(false);
                long took = System.nanoTime() - t0;
                writes++;
                sumNanos += took;
                if (count < MAX_SAMPLES) {
                    if (count == samples.length) {
                        samples = Arrays.copyOf(samples, count * 2);
                    }
                    samples[count++] = took;
                }
            }
        } catch (IOException e) {
            failure = e;
        } finally {
            endNanos = System.nanoTime();
        }
    }

    /** Ends the loop and returns what it measured; throws when a write or force failed. */
    Results.FsyncProbe stop() throws IOException, InterruptedException {
        stopping = true;
        thread.join();
        try {
            if (failure != null) {
                throw new IOException("the fsync probe in " + dir + " failed: " + failure, failure);
            }
            Percentiles p = Percentiles.of(Arrays.copyOf(samples, count));
            double meanMs = writes == 0 ? 0 : Math.round(sumNanos / (double) writes / 1e3) / 1e3;
            return new Results.FsyncProbe(Files.getFileStore(dir).type(), dir.getParent().toString(), recordBytes,
                    during, writes, (endNanos - startNanos) / 1e9, meanMs, p.p50Ms(), p.p99Ms(), p.p999Ms(),
                    p.maxMs());
        } finally {
            TempDirs.delete(dir);
        }
    }
}
