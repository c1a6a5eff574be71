package io.eventpipeline.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.MalformedBodyException;
import io.eventpipeline.security.ApiKey;
import io.eventpipeline.source.otlp.OtlpLogs;
import io.javalin.http.Context;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * OTLP/HTTP logs, as the OpenTelemetry protocol specification defines them: {@code POST /v1/logs} with an
 * {@code ExportLogsServiceRequest} in binary protobuf ({@code application/x-protobuf}) or in OTLP/JSON
 * ({@code application/json}), gzip or not. Each log record becomes an event ({@link OtlpLogs}) and takes the path
 * of {@code /events/batch}: rate limits, journal, queue, workers, metrics. The answers are the specification's,
 * encoded as the request was: 200 with an {@code ExportLogsServiceResponse}, whose {@code partial_success} counts
 * the records refused and says why; 400 for a body that is not a request; 429 and 503 with Retry-After, which the
 * exporters retry; every error's body a {@code google.rpc.Status} ({@link #errorBody}).
 */
final class OtlpRoutes {
    /** The route of logs, the specification's default path. */
    static final String LOGS_PATH = "/v1/logs";

    /** How a request's body is encoded, from its Content-Type. */
    enum Encoding {
        PROTOBUF("application/x-protobuf", OtlpLogs.Encoding.PROTOBUF),
        JSON("application/json", OtlpLogs.Encoding.JSON);

        final String contentType;
        final OtlpLogs.Encoding wire;

        Encoding(String contentType, OtlpLogs.Encoding wire) {
            this.contentType = contentType;
            this.wire = wire;
        }

        /**
         * The encoding a Content-Type names ({@code application/x-protobuf}, or {@code application/protobuf} as
         * some clients write it; {@code application/json}), or null for any other.
         */
        static Encoding of(String contentType) {
            if (contentType == null) {
                return null;
            }
            return switch (BodyReader.mediaType(contentType)) {
                case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
                case "application/json" -> JSON;
                default -> null;
            };
        }
    }

    /** Whether {@code path} (as routed: without a trailing slash) is an OTLP route. */
    static boolean isRoute(String path) {
        return path.equals(LOGS_PATH);
    }

    private final IngestRoutes intake;
    private final OtlpLogs logs;
    private final long maxBodyBytes;

    /**
     * @param maxBodyBytes  the largest body, after gzip is inflated, and the most event data one request may make
     *                      (--max-body-bytes)
     * @param maxEventBytes the largest data of one record's event (--max-event-bytes)
     * @param maxRecords    the most log records one request may hold (--max-batch-events)
     */
    OtlpRoutes(IngestRoutes intake, long maxBodyBytes, long maxEventBytes, int maxRecords) {
        this.intake = intake;
        this.logs = new OtlpLogs(maxEventBytes, maxRecords, maxBodyBytes);
        this.maxBodyBytes = maxBodyBytes;
    }

    void logs(Context ctx) throws Exception {
        intake.counted(ctx, this::takeLogs);
    }

    private void takeLogs(Context ctx, IngestTally tally) throws Exception {
        intake.refuseEarlyWhenDraining();
        Encoding encoding = Encoding.of(ctx.header("Content-Type"));
        if (encoding == null) {
            String sent = ctx.header("Content-Type");
            throw ApiError.unsupportedMediaType((sent == null ? "Content-Type is missing"
                    : "Content-Type '" + Messages.abbreviate(sent) + "' is not an OTLP encoding")
                    + ": send application/x-protobuf or application/json (OTLP/HTTP)");
        }
        // A charset parameter means nothing to protobuf; OTLP/JSON is UTF-8 like every JSON body here.
        byte[] body = encoding == Encoding.PROTOBUF ? intake.readBinaryBody(ctx, maxBodyBytes, "--max-body-bytes")
                : intake.readBody(ctx, maxBodyBytes, "--max-body-bytes", true);
        ApiKey key = ctx.attribute(Authenticator.KEY_ATTRIBUTE);
        OtlpLogs.Result result;
        try {
            result = logs.read(body, encoding.wire, key == null ? null : key.name(), Instant.now());
        } catch (MalformedBodyException e) {
            throw new ApiError(e.tooLarge() ? 413 : 400, e.getMessage());
        }
        tally.parsed(result.events().size(), result.rejected());
        if (!result.events().isEmpty()) {
            intake.accept(ctx, result.events());
        }
        ExportLogsServiceResponse.Builder response = ExportLogsServiceResponse.newBuilder();
        if (result.rejected() > 0) {
            response.setPartialSuccess(ExportLogsPartialSuccess.newBuilder()
                    .setRejectedLogRecords(result.rejected()).setErrorMessage(result.errorMessage()));
        }
        // The specification: the response has the Content-Type of the request (application/protobuf included).
        ctx.status(200).contentType(BodyReader.mediaType(ctx.header("Content-Type")))
                .result(encode(response.build(), encoding));
    }

    private static byte[] encode(ExportLogsServiceResponse response, Encoding encoding) {
        if (encoding == Encoding.PROTOBUF) {
            return response.toByteArray();
        }
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(response)
                    .getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a response of known fields always prints", e);
        }
    }

    /** An error answer's body and its Content-Type. */
    record ErrorBody(String contentType, byte[] body) {
    }

    /**
     * The body of an error answer on an OTLP route: a {@code google.rpc.Status} (the specification: every 4xx and
     * 5xx carries one), in protobuf when the request was protobuf, else in JSON, where it also has the
     * {@code "error"} member every other answer of the service has. Its {@code code} is {@link #grpcCode}'s.
     */
    static ErrorBody errorBody(Context ctx, int status, String message, ObjectMapper json) {
        int code = grpcCode(status);
        if (Encoding.of(ctx.header("Content-Type")) == Encoding.PROTOBUF) {
            byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
            byte[] out = new byte[CodedOutputStream.computeInt32Size(1, code)
                    + CodedOutputStream.computeBytesSize(2, ByteString.copyFrom(utf8))];
            try {
                CodedOutputStream c = CodedOutputStream.newInstance(out);
                c.writeInt32(1, code); // google.rpc.Status: int32 code = 1; string message = 2;
                c.writeByteArray(2, utf8);
                c.checkNoSpaceLeft();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // an array of the computed size cannot overflow
            }
            return new ErrorBody(Encoding.PROTOBUF.contentType, out);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + message.length());
        try (JsonGenerator g = json.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("error", message);
            g.writeNumberField("code", code);
            g.writeStringField("message", message);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ErrorBody(Encoding.JSON.contentType, out.toByteArray());
    }

    /**
     * The gRPC status code of an HTTP status: the code a gRPC server would give for the same refusal (the OTLP
     * specification asks for a Status and leaves its code to the server; exporters act on the HTTP status alone).
     */
    static int grpcCode(int status) {
        return switch (status) {
            case 400, 415 -> 3;      // INVALID_ARGUMENT
            case 413 -> 8;           // RESOURCE_EXHAUSTED
            case 401 -> 16;          // UNAUTHENTICATED
            case 403 -> 7;           // PERMISSION_DENIED
            case 404, 405 -> 12;     // UNIMPLEMENTED
            case 408 -> 4;           // DEADLINE_EXCEEDED
            case 429 -> 8;           // RESOURCE_EXHAUSTED
            case 502, 503, 504 -> 14; // UNAVAILABLE
            default -> status >= 500 ? 13 : 3; // INTERNAL, INVALID_ARGUMENT
        };
    }
}
