package io.eventpipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Turns an event into bytes and back: a compact binary form for the journal, and JSON for the dead letter. */
public final class EventCodec {
    /** Version 2 added the key name; version 1 records (without it) are still read. */
    private static final byte VERSION = 2;
    private static final JsonFactory JSON = new JsonFactory();

    private EventCodec() {
    }

    public static byte[] encode(Event e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + e.data().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(e.id());
            out.writeUTF(e.type());
            out.writeUTF(e.source());
            out.writeBoolean(e.userId() != null);
            if (e.userId() != null) {
                out.writeUTF(e.userId());
            }
            out.writeLong(e.timestamp() == null ? Long.MIN_VALUE : e.timestamp().toEpochMilli());
            out.writeLong(e.receivedAt().toEpochMilli());
            out.writeInt(e.data().length);
            out.write(e.data());
            out.writeBoolean(e.keyName() != null);
            if (e.keyName() != null) {
                out.writeUTF(e.keyName());
            }
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** Reads what {@link #encode} wrote; an IOException means the record is not an event of this version. */
    public static Event decode(byte[] record) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(record))) {
            byte version = in.readByte();
            if (version != VERSION && version != 1) {
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
            return new Event(id, type, source, userId, ts == Long.MIN_VALUE ? null : Instant.ofEpochMilli(ts), data,
                    receivedAt, keyName);
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
