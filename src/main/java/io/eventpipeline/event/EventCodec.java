package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Turns an event into bytes and back: a compact binary form for the journal, and JSON for the dead letter. */
public final class EventCodec {
    /**
     * Version 2 added the key name; version 3 adds the refusal of a message refused at intake, and is written only
     * for those, so that every other record stays readable by a version that knows only 2. Versions 1 and 2 are
     * still read.
     */
    private static final byte VERSION = 2;
    private static final byte VERSION_REFUSED = 3;
    /** The longest refusal a record keeps, in characters; a longer one is cut (it is a message for people). */
    static final int MAX_REFUSAL_CHARS = 2000;
    private static final JsonFactory JSON = JsonFactories.factory();

    private EventCodec() {
    }

    /**
     * The journal record of an event: the format of {@link DataOutputStream} (modified UTF-8 strings with a
     * two-byte length, big-endian numbers), written into one array of the exact size. A profile of batch ingest
     * had the stream's buffer growth and per-string arrays at 7% of the service's CPU.
     */
    public static byte[] encode(Event e) {
        String refusal = e.refusal() == null ? null : abbreviate(e.refusal());
        int size = 1 + utfSize(e.id()) + utfSize(e.type()) + utfSize(e.source()) + 1
                + (e.userId() != null ? utfSize(e.userId()) : 0) + 8 + 8 + 4 + e.data().length + 1
                + (e.keyName() != null ? utfSize(e.keyName()) : 0) + (refusal != null ? utfSize(refusal) : 0);
        byte[] b = new byte[size];
        int at = 0;
        b[at++] = refusal != null ? VERSION_REFUSED : VERSION;
        at = putUtf(b, at, e.id());
        at = putUtf(b, at, e.type());
        at = putUtf(b, at, e.source());
        b[at++] = (byte) (e.userId() != null ? 1 : 0);
        if (e.userId() != null) {
            at = putUtf(b, at, e.userId());
        }
        at = putLong(b, at, e.timestamp() == null ? Long.MIN_VALUE : e.timestamp().toEpochMilli());
        at = putLong(b, at, e.receivedAt().toEpochMilli());
        int n = e.data().length;
        b[at++] = (byte) (n >>> 24);
        b[at++] = (byte) (n >>> 16);
        b[at++] = (byte) (n >>> 8);
        b[at++] = (byte) n;
        System.arraycopy(e.data(), 0, b, at, n);
        at += n;
        b[at++] = (byte) (e.keyName() != null ? 1 : 0);
        if (e.keyName() != null) {
            at = putUtf(b, at, e.keyName());
        }
        if (refusal != null) {
            at = putUtf(b, at, refusal);
        }
        assert at == size;
        return b;
    }

    private static String abbreviate(String refusal) {
        if (refusal.length() <= MAX_REFUSAL_CHARS) {
            return refusal;
        }
        int end = MAX_REFUSAL_CHARS;
        if (Character.isHighSurrogate(refusal.charAt(end - 1))) {
            end--;
        }
        return refusal.substring(0, end) + "…";
    }

    /** Bytes of {@link DataOutputStream#writeUTF}: a two-byte length, then modified UTF-8 of at most 65535. */
    private static int utfSize(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c >= 0x0001 && c <= 0x007F ? 1 : c <= 0x07FF ? 2 : 3;
        }
        if (n > 65535) {
            // Parsing bounds every string field far below this; writeUTF would refuse it too.
            throw new UncheckedIOException(new java.io.UTFDataFormatException("string too long: " + n + " bytes"));
        }
        return 2 + n;
    }

    private static int putUtf(byte[] b, int at, String s) {
        int lengthAt = at;
        at += 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x0001 && c <= 0x007F) {
                b[at++] = (byte) c;
            } else if (c <= 0x07FF) {
                b[at++] = (byte) (0xC0 | ((c >> 6) & 0x1F));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            } else {
                b[at++] = (byte) (0xE0 | ((c >> 12) & 0x0F));
                b[at++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[at++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        int n = at - lengthAt - 2;
        b[lengthAt] = (byte) (n >>> 8);
        b[lengthAt + 1] = (byte) n;
        return at;
    }

    private static int putLong(byte[] b, int at, long v) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            b[at++] = (byte) (v >>> shift);
        }
        return at;
    }

    /** Reads what {@link #encode} wrote; an IOException means the record is not an event of this version. */
    public static Event decode(byte[] record) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(record))) {
            byte version = in.readByte();
            if (version < 1 || version > VERSION_REFUSED) {
                throw new IOException("unknown event record version " + version);
            }
            String id = in.readUTF();
            String type = in.readUTF();
            String source = in.readUTF();
            String userId = in.readBoolean() ? in.readUTF() : null;
            long ts = in.readLong();
            Instant receivedAt = Instant.ofEpochMilli(in.readLong());
            int n = in.readInt();
            if (n < 0 || n > record.length) {
                throw new IOException("bad data length " + n);
            }
            byte[] data = in.readNBytes(n);
            if (data.length != n) {
                throw new IOException("record ends inside data");
            }
            String keyName = version >= 2 && in.readBoolean() ? in.readUTF() : null;
            String refusal = version >= VERSION_REFUSED ? in.readUTF() : null;
            return new Event(id, type, source, userId, ts == Long.MIN_VALUE ? null : Instant.ofEpochMilli(ts), data,
                    receivedAt, keyName, refusal);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException("malformed event record: " + e.getMessage(), e);
        }
    }

    /** The event as the JSON a client would have sent, plus received_at: what the dead letter keeps. */
    public static String toJson(Event e) {
        java.io.StringWriter w = new java.io.StringWriter(128 + e.data().length);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", e.id());
            g.writeStringField("type", e.type());
            g.writeStringField("source", e.source());
            if (e.userId() != null) {
                g.writeStringField("user_id", e.userId());
            }
            if (e.timestamp() != null) {
                g.writeStringField("timestamp", e.timestamp().toString());
            }
            g.writeFieldName("data");
            g.writeRawValue(new String(e.data(), StandardCharsets.UTF_8));
            g.writeStringField("received_at", e.receivedAt().toString());
            g.writeEndObject();
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return w.toString();
    }
}
