package io.eventpipeline.bench;

import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's events: ~150-byte JSON objects, each with its own id, so that every phase stores exactly what it
 * sent and a COUNT(*) tells when it is all in. The JDBC phases insert the very same events: they are parsed from
 * this JSON by the service's own parser, so the bound values are what the service would bind.
 */
final class EventFactory {
    /** The events vary (user, page, ms) over this many shapes; the id alone makes them distinct. */
    private static final int SHAPES = 1000;
    private static final String[] PAGES = {"/home", "/search", "/cart", "/checkout", "/product/42"};

    private final String idPrefix;
    private final AtomicLong next = new AtomicLong();
    private final Event[] shapes = new Event[SHAPES];

    EventFactory(String idPrefix) {
        this.idPrefix = idPrefix;
        EventParser parser = new EventParser(64 << 10, 1000, 5 << 20);
        for (int i = 0; i < SHAPES; i++) {
            try {
                shapes[i] = parser.parseSingle(json(i));
            } catch (Exception e) {
                throw new IllegalStateException("the bench's own event does not validate: " + e.getMessage(), e);
            }
        }
    }

    /** One event as the body of POST /events. */
    byte[] single() {
        return json(next.getAndIncrement());
    }

    /** {@code n} events as the body of POST /events/batch. */
    byte[] batch(int n) {
        long first = next.getAndAdd(n);
        StringBuilder sb = new StringBuilder(16 + n * 160).append("{\"events\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            appendEvent(sb, first + i);
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code n} fresh events for a JDBC phase, received now: the same fields the service would store. */
    List<Event> events(int n) {
        long first = next.getAndAdd(n);
        Instant receivedAt = Instant.now();
        List<Event> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long seq = first + i;
            Event shape = shapes[(int) (seq % SHAPES)];
            out.add(new Event(id(seq), shape.type(), shape.source(), shape.userId(), shape.timestamp(), shape.data(),
                    receivedAt, null));
        }
        return out;
    }

    private byte[] json(long seq) {
        return appendEvent(new StringBuilder(160), seq).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The shape depends on {@code seq % SHAPES} only, so a parsed shape plus the id is the whole event. */
    private StringBuilder appendEvent(StringBuilder sb, long seq) {
        int shape = (int) (seq % SHAPES);
        return sb.append("{\"id\":\"").append(id(seq))
                .append("\",\"type\":\"user_action\",\"source\":\"web\",\"user_id\":\"u").append(shape)
                .append("\",\"timestamp\":\"2024-05-01T12:30:00.250Z\",\"data\":{\"action\":\"click\",\"page\":\"")
                .append(PAGES[shape % PAGES.length]).append("\",\"ms\":").append(shape).append("}}");
    }

    private String id(long seq) {
        return idPrefix + seq;
    }
}
