package io.eventpipeline.pipeline;

import io.eventpipeline.event.Event;
import java.io.IOException;
import java.util.List;

/** Memory durability: nothing is written per request. TODO: keep() spills to the journal format. */
public final class MemoryAcceptLog implements AcceptLog {
    @Override
    public long append(List<Event> events) {
        return -1;
    }

    @Override
    public void stored(long segment, int n) {
    }

    @Override
    public void keep(List<Envelope> unstored) throws IOException {
    }

    @Override
    public List<Envelope> recover() {
        return List.of();
    }

    @Override
    public String describe() {
        return "memory";
    }

    @Override
    public void close() {
    }
}
