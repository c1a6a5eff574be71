package io.eventpipeline.source.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.MalformedBodyException;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;

/**
 * Reads an {@code ExportLogsServiceRequest} in binary protobuf a record at a time: protobuf's
 * {@link CodedInputStream} finds the nested messages (ResourceLogs, field 1; their ScopeLogs, field 2; their
 * LogRecords, field 2), and each resource, scope and record is parsed by its generated class. Parsing the request
 * whole would build every record's objects at once, some 25 times the bytes of a body of many small values; one
 * at a time, and none larger than {@link OtlpLogs.Reading#maxEncodedBytes()}, a request holds little more than
 * its events.
 * Protobuf's own rules are kept: fields in any order, a message field sent twice merged, the last of a string,
 * unknown fields skipped.
 */
final class ProtobufRequest {
    /** ResourceLogs in the request, ScopeLogs in a ResourceLogs, LogRecords in a ScopeLogs. */
    private static final int NESTED = 2;
    private static final int RESOURCE_LOGS = 1;
    /** Resource in a ResourceLogs, InstrumentationScope in a ScopeLogs. */
    private static final int HEAD = 1;
    private static final int SCHEMA_URL = 3;

    private ProtobufRequest() {
    }

    /** Where a length-delimited field's bytes are in the body. */
    private record Span(int from, int length) {
    }

    private interface FieldVisitor {
        void visit(Span field, int index) throws IOException, MalformedBodyException;
    }

    static void read(byte[] body, OtlpLogs.Reading reading) throws MalformedBodyException {
        try {
            forEach(body, new Span(0, body.length), RESOURCE_LOGS, (rl, r) -> {
                reading.found(OtlpLogs.Reading.Part.RESOURCE_LOGS);
                long resourceBytes = bytes(body, rl, HEAD);
                if (resourceBytes > reading.maxEncodedBytes()) {
                    reading.tooLarge("resource", resourceBytes);
                } else {
                    Resource.Builder resource = Resource.newBuilder();
                    forEach(body, rl, HEAD, (f, i) -> resource.mergeFrom(body, f.from, f.length));
                    reading.resource(resource.build(), lastString(body, rl, SCHEMA_URL));
                }
                forEach(body, rl, NESTED, (sl, s) -> {
                    reading.found(OtlpLogs.Reading.Part.SCOPE_LOGS);
                    long scopeBytes = bytes(body, sl, HEAD);
                    InstrumentationScope.Builder scope = InstrumentationScope.newBuilder();
                    if (scopeBytes > reading.maxEncodedBytes()) {
                        reading.tooLarge("scope", scopeBytes);
                    } else {
                        forEach(body, sl, HEAD, (f, i) -> scope.mergeFrom(body, f.from, f.length));
                    }
                    reading.scope(scope.build(), lastString(body, sl, SCHEMA_URL));
                    forEach(body, sl, NESTED, (record, i) -> {
                        reading.found(OtlpLogs.Reading.Part.LOG_RECORD);
                        String where = "resourceLogs[" + r + "].scopeLogs[" + s + "].logRecords[" + i + "]";
                        if (record.length > reading.maxEncodedBytes()) {
                            reading.recordTooLarge(record.length, where);
                        } else {
                            reading.record(LogRecord.parser().parseFrom(body, record.from, record.length), where);
                        }
                    });
                });
            });
        } catch (IOException e) {
            throw new MalformedBodyException("the body is not an OTLP ExportLogsServiceRequest in protobuf: "
                    + reason(e));
        }
    }

    /**
     * Visits each occurrence of the length-delimited field {@code field} of the message in {@code in}, in order; a
     * field of another number or wire type is skipped, as protobuf's parsers skip an unknown one.
     */
    private static void forEach(byte[] body, Span in, int field, FieldVisitor visitor)
            throws IOException, MalformedBodyException {
        CodedInputStream c = CodedInputStream.newInstance(body, in.from, in.length);
        int index = 0;
        for (int tag = c.readTag(); tag != 0; tag = c.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) != field
                    || WireFormat.getTagWireType(tag) != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                if (!c.skipField(tag)) {
                    throw new InvalidProtocolBufferException("an end-group tag where none was open");
                }
                continue;
            }
            int length = c.readRawVarint32();
            if (length < 0) {
                throw new InvalidProtocolBufferException("a field's length is over 2 GiB");
            }
            int from = in.from + c.getTotalBytesRead();
            c.skipRawBytes(length); // throws when the field runs past its message
            visitor.visit(new Span(from, length), index++);
        }
    }

    /**
     * Protobuf's reason, without its advice to the programmer of a parser ("Use CodedInputStream.setSizeLimit() to
     * increase the size limit"), which a client cannot act on.
     */
    private static String reason(IOException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int advice = m.indexOf(" Use ");
        if (advice > 0 && m.contains("setRecursionLimit")) {
            m = "it nests messages deeper than protobuf's limit of 100";
        } else if (advice > 0) {
            m = m.substring(0, advice);
        }
        return Messages.abbreviate(m);
    }

    /** The bytes of every occurrence of the field {@code field}, together. */
    private static long bytes(byte[] body, Span in, int field) throws IOException, MalformedBodyException {
        long[] total = new long[1];
        forEach(body, in, field, (f, i) -> total[0] += f.length);
        return total[0];
    }

    /** The last value of the string field {@code field}, or "" (protobuf's rule for a repeated scalar). */
    private static String lastString(byte[] body, Span in, int field) throws IOException, MalformedBodyException {
        Span[] last = new Span[1];
        forEach(body, in, field, (f, i) -> last[0] = f);
        if (last[0] == null) {
            return "";
        }
        ByteString utf8 = ByteString.copyFrom(body, last[0].from, last[0].length);
        if (!utf8.isValidUtf8()) {
            throw new InvalidProtocolBufferException("a schema_url is not valid UTF-8");
        }
        return utf8.toStringUtf8();
    }
}
