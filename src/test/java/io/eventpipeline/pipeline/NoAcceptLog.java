package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.util.List;

/** An accept log that keeps nothing, for tests whose subject is not durability. */
public class NoAcceptLog implements AcceptLog {
    @Override
    public long append(List<Event> events) {
        return 0;
    }

    @Override
    public void stored(long segment, int n) {
    }

    @Override
    public void keep(List<Envelope> unstored) {
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
