package io.eventpipeline.bench;

import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventParser;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's events: ~150-byte JSON objects, each with its own id, so that every phase stores exactly what it
 * sent and a COUNT(*) tells when it is all in. The JDBC phases insert the very same events: they are parsed from
 * this JSON by the service's own parser, so the bound values are what the service would bind. The OTLP row sends
 * them as log records instead ({@link #otlpLogs}).
 */
final class EventFactory {
    /** The events vary (user, page, ms) over this many shapes; the id alone makes them distinct. */
    private static final int SHAPES = 1000;
    private static final String[] PAGES = {"/home", "/search", "/cart", "/checkout", "/product/42"};
    /** The events' timestamp, 2024-05-01T12:30:00.250Z, as a log record's time_unix_nano. */
    private static final long TIME_UNIX_NANO = Instant.parse("2024-05-01T12:30:00.250Z").toEpochMilli() * 1_000_000;
    /** The one resource and scope of every OTLP request: the service's name, as every SDK sets it, and a logger. */
    private static final Resource RESOURCE = Resource.newBuilder().addAttributes(string("service.name", "web"))
            .build();
    private static final InstrumentationScope SCOPE = InstrumentationScope.newBuilder().setName("bench.clicks")
            .setVersion("1.0").build();

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

    /** What every id of this factory's events starts with. */
    String idPrefix() {
        return idPrefix;
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

    /**
     * {@code n} fresh events as the log records of one OTLP {@code ExportLogsServiceRequest} in protobuf, the body of
     * POST /v1/logs, as an SDK's OTLP exporter sends a batch: one resource with {@code service.name} (the events'
     * source), one scope, and for each event a record with its time (and an observed time a millisecond later),
     * severity INFO, a string body, and as attributes its id ({@code log.record.uid}, which makes each record
     * distinct, so that none is taken for another sent again), {@code user.id}, action, page and ms. The service
     * stores each as an event of type {@code log.info}, source {@code web}, user_id the event's.
     */
    byte[] otlpLogs(int n) {
        long first = next.getAndAdd(n);
        ScopeLogs.Builder scope = ScopeLogs.newBuilder().setScope(SCOPE);
        for (int i = 0; i < n; i++) {
            long seq = first + i;
            int shape = (int) (seq % SHAPES);
            String user = "u" + shape;
            String page = PAGES[shape % PAGES.length];
            scope.addLogRecords(LogRecord.newBuilder()
                    .setTimeUnixNano(TIME_UNIX_NANO)
                    .setObservedTimeUnixNano(TIME_UNIX_NANO + 1_000_000)
                    .setSeverityNumber(SeverityNumber.SEVERITY_NUMBER_INFO)
                    .setSeverityText("INFO")
                    .setBody(AnyValue.newBuilder().setStringValue(user + " clicked " + page))
                    .addAttributes(string("log.record.uid", id(seq)))
                    .addAttributes(string("user.id", user))
                    .addAttributes(string("action", "click"))
                    .addAttributes(string("page", page))
                    .addAttributes(KeyValue.newBuilder().setKey("ms")
                            .setValue(AnyValue.newBuilder().setIntValue(shape))));
        }
        return ExportLogsServiceRequest.newBuilder()
                .addResourceLogs(ResourceLogs.newBuilder().setResource(RESOURCE).addScopeLogs(scope))
                .build().toByteArray();
    }

    private static KeyValue string(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
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
