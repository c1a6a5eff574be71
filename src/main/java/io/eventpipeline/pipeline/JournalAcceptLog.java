package io.eventpipeline.pipeline;

import io.eventpipeline.config.Durability;
import io.eventpipeline.config.Units;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventCodec;
import io.eventpipeline.journal.Journal;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accept log on top of the write-ahead journal, in each durability mode. With JOURNAL every accepted
 * request is in the journal, forced to disk, before its 202. With JOURNAL_ASYNC it is written to the journal file
 * before its 202 and forced by the journal's syncer, whose forces start at least the flush interval apart. With
 * MEMORY nothing is written per request, and only the events left unstored at shutdown are written to the journal.
 * Either way the next start replays what the journal holds: one mechanism for crashes, timeouts and outages.
 */
public final class JournalAcceptLog implements AcceptLog {
    private static final Logger log = LoggerFactory.getLogger(JournalAcceptLog.class);
    /**
     * After a crash the whole active segment is replayed (its stored events as harmless duplicates), so segments
     * are kept small enough that this takes a moment; rolling one costs three forces, a few times a second at most
     * (with JOURNAL_ASYNC the syncer does them, off the requests' path).
     */
    static final long SEGMENT_BYTES = 8L << 20;

    private final Journal journal;
    private final Durability durability;

    private JournalAcceptLog(Journal journal, Durability durability) {
        this.journal = journal;
        this.durability = durability;
    }

    /**
     * Opens the journal in {@code dir} for {@code durability}; with JOURNAL_ASYNC the journal forces every
     * {@code flushInterval} (see {@link Journal#open(Path, long, Duration)}), the other tiers ignore it.
     *
     * @throws IOException if the journal cannot be opened, with the directory and the cause in its message
     */
    public static JournalAcceptLog open(Path dir, Durability durability, Duration flushInterval) throws IOException {
        Journal journal = durability == Durability.JOURNAL_ASYNC
                ? Journal.open(dir, SEGMENT_BYTES, flushInterval) : Journal.open(dir, SEGMENT_BYTES);
        return new JournalAcceptLog(journal, durability);
    }

    /** As {@link #open(Path, Durability, Duration)} for JOURNAL or MEMORY, which have no flush interval. */
    public static JournalAcceptLog open(Path dir, Durability durability) throws IOException {
        if (durability == Durability.JOURNAL_ASYNC) {
            throw new IllegalArgumentException("journal-async needs a flush interval");
        }
        return new JournalAcceptLog(Journal.open(dir, SEGMENT_BYTES), durability);
    }

    /**
     * {@inheritDoc} JOURNAL: forced to disk on return; JOURNAL_ASYNC: written to the journal file on return,
     * forced by the syncer's next force; MEMORY: nothing written, -1.
     *
     * @throws IOException if the write (or with JOURNAL the force) failed, or with JOURNAL_ASYNC an earlier force
     *                     failed: the events are not accepted
     */
    @Override
    public long append(List<Event> events) throws IOException, InterruptedException {
        if (durability == Durability.MEMORY) {
            return -1;
        }
        List<byte[]> records = new ArrayList<>(events.size());
        for (Event e : events) {
            records.add(EventCodec.encode(e));
        }
        if (durability == Durability.JOURNAL_ASYNC) {
            return journal.append(records).segmentId();
        }
        return journal.write(records).segmentId();
    }

    @Override
    public void stored(long segment, int n) {
        if (segment >= 0) {
            journal.release(segment, n);
        }
    }

    /**
     * {@inheritDoc} With JOURNAL and JOURNAL_ASYNC every accepted event is in the journal already, unreleased until
     * stored, so nothing is written; with JOURNAL_ASYNC the close forces what the syncer had not.
     */
    @Override
    public void keep(List<Envelope> unstored, Duration within) throws IOException {
        if (durability != Durability.MEMORY) {
            return; // every accepted event is in the journal already, unreleased until stored
        }
        List<byte[]> records = new ArrayList<>(unstored.size());
        for (Envelope e : unstored) {
            records.add(EventCodec.encode(e.event()));
        }
        try {
            Journal.Appended appended = journal.append(records);
            if (!journal.awaitDurable(appended, within)) {
                throw new IOException("the disk did not confirm the write of " + unstored.size() + " unstored events "
                        + "within " + Units.formatDuration(within) + ": they may be lost");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keeping " + unstored.size() + " unstored events", e);
        }
        // Events replayed from an earlier run are in their old segments too; keep those segments as well.
    }

    @Override
    public List<Envelope> recover() {
        List<Envelope> out = new ArrayList<>();
        long now = System.nanoTime();
        for (Journal.RecoveredSegment segment : journal.takeRecovered()) {
            int unreadable = 0;
            for (byte[] record : segment.records()) {
                try {
                    out.add(new Envelope(EventCodec.decode(record), segment.segmentId(), now));
                } catch (IOException e) {
                    unreadable++;
                }
            }
            if (unreadable > 0) {
                log.warn("event=journal_unreadable_records segment={} records={} note=\"not events of this version\"",
                        segment.segmentId(), unreadable);
                journal.release(segment.segmentId(), unreadable);
            }
        }
        return out;
    }

    @Override
    public int corruptions() {
        return journal.corruptions().size();
    }

    /** {@inheritDoc} Only with JOURNAL_ASYNC, after a failed force: see {@link Journal#forceFailure()}. */
    @Override
    public String failure() {
        return journal.forceFailure();
    }

    /** The tier's wire name: journal, journal-async or memory. */
    @Override
    public String describe() {
        return durability.wireName();
    }

    @Override
    public void close() throws IOException {
        journal.close();
    }

    @Override
    public void close(Duration within) throws IOException {
        journal.close(within);
    }
}
