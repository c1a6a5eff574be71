package io.eventpipeline.bench;

import io.eventpipeline.event.EventParser;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The SDK-shaped load: Segment track calls ("Order Completed", about 700 bytes each) as
 * {@code @segment/analytics-node} sends them, in the body of POST /v1/batch: {@code {"batch":[message,...],
 * "sentAt":...}}, each message with its {@code userId} and {@code anonymousId}, a {@code messageId} of the SDK's
 * form {@code node-next-<epoch ms>-<uuid v4>} (60 characters, within our id rule, so it is the stored id),
 * an ISO-8601 {@code timestamp} with milliseconds, eight properties (two of them a products array of two objects),
 * {@code context.library}, the SDK's {@code _metadata} and an empty {@code integrations}.
 *
 * <p>The same calls can also be written as our own events for POST /events/batch, as the Segment door maps them
 * (SEGMENT.md): id = messageId, type = the event name, source {@code segment.track}, user_id = userId, timestamp
 * as sent, data = the message plus the batch's {@code sentAt}. Both bodies then put the very same rows in the
 * database, so two phases that send them differ only in the door the events came through.
 *
 * <p>Message ids never repeat within a run (a counter) nor between runs (a random half of the uuid), so that
 * every message is stored once and a COUNT(*) tells when all are in. The rest varies over {@value #SHAPES}
 * shapes, built once, so that making a body costs the load generator little.
 */
final class SegmentEventFactory {
    /** What the SDK names itself in {@code context.library}, and its version (the npm registry's latest). */
    static final String LIBRARY = "@segment/analytics-node";
    static final String LIBRARY_VERSION = "3.1.0";
    static final String EVENT = "Order Completed";
    static final String SOURCE = "segment.track";
    private static final int SHAPES = 1000;
    private static final DateTimeFormatter JS_ISO = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    /** Per shape, the message from its first byte up to the opening quote of the messageId's value. */
    private final String[] heads = new String[SHAPES];
    private final String[] userIds = new String[SHAPES];
    /** The uuid's high 64 bits for this run, version 4 marked. */
    private final long uuidHigh;
    private final AtomicLong next = new AtomicLong();

    SegmentEventFactory() {
        uuidHigh = (ThreadLocalRandom.current().nextLong() & 0xFFFF_FFFF_FFFF_0FFFL) | 0x0000_0000_0000_4000L;
        for (int i = 0; i < SHAPES; i++) {
            userIds[i] = "user-" + (100_000 + i * 37);
            heads[i] = head(i, userIds[i]);
        }
        // Our own parser must take every shape as an event of POST /events/batch, or the comparable row would fail.
        EventParser parser = new EventParser(64 << 10, 1000, 5 << 20);
        String sentAt = JS_ISO.format(Instant.now());
        for (int i = 0; i < SHAPES; i++) {
            StringBuilder sb = new StringBuilder(1024);
            try {
                parser.parseSingle(appendEvent(sb, i, messageId(0, i), sentAt, sentAt).toString()
                        .getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new IllegalStateException("the bench's own Segment event does not validate: " + e.getMessage(),
                        e);
            }
        }
    }

    /** {@code n} track calls as the body of POST /v1/batch, as the SDK sends them: no envelope context. */
    byte[] v1Batch(int n) {
        return v1Batch(next.getAndAdd(n), System.currentTimeMillis(), n);
    }

    /** {@code n} other track calls, written as the events the Segment door would store: the body of /events/batch. */
    byte[] eventsBatch(int n) {
        return eventsBatch(next.getAndAdd(n), System.currentTimeMillis(), n);
    }

    /** The same {@code n} calls in both forms, for a test to hold one against the other. */
    record SameCalls(byte[] v1Batch, byte[] eventsBatch) {
    }

    SameCalls sameCalls(int n) {
        long first = next.getAndAdd(n);
        long now = System.currentTimeMillis();
        return new SameCalls(v1Batch(first, now, n), eventsBatch(first, now, n));
    }

    private byte[] v1Batch(long first, long now, int n) {
        String time = JS_ISO.format(Instant.ofEpochMilli(now));
        StringBuilder sb = new StringBuilder(16 + n * 800).append("{\"batch\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            long seq = first + i;
            appendMessage(sb, shape(seq), messageId(now, seq), time);
        }
        return sb.append("],\"sentAt\":\"").append(time).append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private byte[] eventsBatch(long first, long now, int n) {
        String time = JS_ISO.format(Instant.ofEpochMilli(now));
        StringBuilder sb = new StringBuilder(16 + n * 950).append("{\"events\":[");
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(',');
            }
            long seq = first + i;
            appendEvent(sb, shape(seq), messageId(now, seq), time, time);
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int shape(long seq) {
        return (int) (seq % SHAPES);
    }

    /** The SDK's form, {@code node-next-<Date.now()>-<uuid v4>}; {@code seq} makes it unique in this run. */
    private String messageId(long epochMs, long seq) {
        long low = (seq & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L; // the RFC 4122 variant
        return "node-next-" + epochMs + "-" + new UUID(uuidHigh, low);
    }

    private StringBuilder appendMessage(StringBuilder sb, int shape, String messageId, String timestamp) {
        return sb.append(heads[shape]).append(messageId).append("\",\"timestamp\":\"").append(timestamp)
                .append("\"}");
    }

    /** The event the Segment door makes of a message (SEGMENT.md), as our own JSON. */
    private StringBuilder appendEvent(StringBuilder sb, int shape, String messageId, String timestamp,
            String sentAt) {
        sb.append("{\"id\":\"").append(messageId).append("\",\"type\":\"").append(EVENT).append("\",\"source\":\"")
                .append(SOURCE).append("\",\"user_id\":\"").append(userIds[shape]).append("\",\"timestamp\":\"")
                .append(timestamp).append("\",\"data\":");
        appendMessage(sb, shape, messageId, timestamp);
        sb.setLength(sb.length() - 1); // the message's closing brace: the batch's sentAt goes in before it
        return sb.append(",\"sentAt\":\"").append(sentAt).append("\"}}");
    }

    /** A track call up to its messageId; the numbers vary with the shape, the keys are the SDK's. */
    private static String head(int shape, String userId) {
        UUID anonymousId = new UUID(0x5e9a_1b2c_0000_4000L | ((long) shape << 16), 0x9000_0000_0000_0000L | shape);
        long shoes = (40 + shape % 60) * 100 + 99; // cents
        long socks = (8 + shape % 7) * 100 + 50;
        long subtotal = shoes + 2 * socks;
        long shipping = 499;
        long tax = Math.round(subtotal * 0.0825);
        return String.format(Locale.ROOT, "{\"type\":\"track\",\"event\":\"%s\",\"userId\":\"%s\","
                + "\"anonymousId\":\"%s\",\"properties\":{\"order_id\":\"ord-%06d\",\"affiliation\":\"web-store\","
                + "\"total\":%s,\"revenue\":%s,\"shipping\":%s,\"tax\":%s,\"currency\":\"USD\","
                + "\"products\":[{\"product_id\":\"prod-%d\",\"sku\":\"SKU-%05d\",\"name\":\"Trail Running Shoes\","
                + "\"price\":%s,\"quantity\":1,\"category\":\"Footwear\"},{\"product_id\":\"prod-%d\","
                + "\"sku\":\"SKU-%05d\",\"name\":\"Wool Socks (3 pairs)\",\"price\":%s,\"quantity\":2,"
                + "\"category\":\"Accessories\"}]},\"context\":{\"library\":{\"name\":\"%s\",\"version\":\"%s\"}},"
                + "\"_metadata\":{\"nodeVersion\":\"v22.11.0\",\"jsRuntime\":\"node\"},\"integrations\":{},"
                + "\"messageId\":\"", EVENT, userId, anonymousId, shape * 7919 % 1_000_000,
                js(subtotal + shipping + tax), js(subtotal), js(shipping), js(tax), 1000 + shape % 200,
                10_000 + shape % 200, js(shoes), 2000 + shape % 50, 20_000 + shape % 50, js(socks), LIBRARY,
                LIBRARY_VERSION);
    }

    /** An amount in cents as JavaScript's JSON writes the number: {@code 8.5}, {@code 67.76}, {@code 12}. */
    private static String js(long cents) {
        return BigDecimal.valueOf(cents, 2).stripTrailingZeros().toPlainString();
    }
}
