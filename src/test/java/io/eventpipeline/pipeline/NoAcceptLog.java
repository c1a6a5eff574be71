package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/** An accept log that keeps nothing, for tests whose subject is not durability. */
public class NoAcceptLog implements AcceptLog {
    /** Declares what a journal may throw, so that a test's subclass can fail the way one does. */
    @Override
    public long append(List<Event> events) throws IOException {
        return 0;
    }

    @Override
    public void stored(long segment, int n) {
    }

    @Override
    public void keep(List<Envelope> unstored, Duration within) {
    }

    @Override
    public List<Envelope> recover() {
        return List.of();
    }

    @Override
    public int corruptions() {
        return 0;
    }

    @Override
    public String describe() {
        return "none";
    }

    @Override
    public void close() {
    }
}
