package io.eventpipeline.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenTelemetry JS logs SDK ({@code @opentelemetry/sdk-logs} with {@code @opentelemetry/exporter-logs-otlp-http},
 * which sends OTLP/JSON) driven from a test: {@code src/test/node/otlp-logs-run.js}, installed and run as
 * {@link NodeSdk} runs {@code sdk-run.js}, emits the records of an {@link Input} through a LoggerProvider, a
 * BatchLogRecordProcessor and an OTLPLogExporter pointed at a recording proxy in front of the service, and reports
 * every export and every HTTP attempt ({@link Result}; the shapes are described at the top of the script).
 */
public final class OtlpNodeExporter {
    static final String SCRIPT = "otlp-logs-run.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private OtlpNodeExporter() {
    }

    /**
     * One run's input.
     *
     * @param url      the service's base URL ({@code http://127.0.0.1:port}); the exporter posts to its /v1/logs
     * @param key      the write key, sent as {@code Authorization: Bearer}
     * @param options  {@code resource}, {@code scope}, {@code limits}, {@code exporter} and {@code processor}, as the
     *                 script takes them
     * @param records  the records to emit, in order ({@code {"severityNumber": 9, "body": "..."}}, ...)
     * @param deadline how long the run may take, first emit to shutdown
     */
    public record Input(String url, String key, Map<String, ?> options, List<Map<String, ?>> records,
            Duration deadline) {
        String json() throws IOException {
            ObjectNode in = JSON.valueToTree(options);
            in.put("url", url).put("key", key).put("deadlineMs", deadline.toMillis());
            in.set("records", JSON.valueToTree(records));
            return JSON.writeValueAsString(in);
        }
    }

    /** What the exporter's export() reported for the batch that carried a record: exported, or its error. */
    public record RecordOutcome(int index, Boolean exported, String error) {
    }

    /** One call of the exporter's export(): the records it carried (indices) and its result. */
    public record Export(long ms, Long answeredMs, List<Integer> records, String result, String error) {
    }

    /**
     * One HTTP attempt, as the recording proxy saw it: when it came and when its answer did (ms after the run began),
     * the answer's status (null: the service could not be reached, see error) and Retry-After, the request's headers,
     * its body (OTLP/JSON, gunzipped) and the answer's body (JSON, or its text; null when empty).
     */
    public record Request(long ms, Long answeredMs, Integer status, String retryAfter, String error,
            Map<String, String> headers, JsonNode body, JsonNode response) {
        /** Every LogRecord of the body, with the ResourceLogs and ScopeLogs around it, in order. */
        public List<Sent> records() {
            List<Sent> out = new ArrayList<>();
            for (JsonNode resourceLogs : body.path("resourceLogs")) {
                for (JsonNode scopeLogs : resourceLogs.path("scopeLogs")) {
                    for (JsonNode logRecord : scopeLogs.path("logRecords")) {
                        out.add(new Sent(resourceLogs, scopeLogs, logRecord));
                    }
                }
            }
            return out;
        }
    }

    /** One LogRecord as the exporter sent it (OTLP/JSON), with its ResourceLogs and ScopeLogs. */
    public record Sent(JsonNode resourceLogs, JsonNode scopeLogs, JsonNode logRecord) {
    }

    /** A message the SDK logged through the OpenTelemetry diag logger (info, warn or error). */
    public record Diag(String level, String message) {
    }

    /** The whole report of a run, with its stderr (progress lines). */
    public record Result(String version, String sdkLogsVersion, List<RecordOutcome> records, List<Export> exports,
            List<Request> requests, List<Diag> diag, long elapsedMs, String stderr) {
        /** The records the exporter did not report exported (an error, or no export carried them). */
        public List<RecordOutcome> failed() {
            return records.stream().filter(r -> !Boolean.TRUE.equals(r.exported())).toList();
        }

        /** The statuses the service answered, in order (null for an attempt without an answer). */
        public List<Integer> statuses() {
            return requests.stream().map(Request::status).toList();
        }

        /** The records of every attempt the service answered 200, in order: what it took. */
        public List<Sent> accepted() {
            return requests.stream().filter(r -> Integer.valueOf(200).equals(r.status()))
                    .flatMap(r -> r.records().stream()).toList();
        }

        /** The report in a few lines, for an assertion's description. */
        public String summary() {
            List<RecordOutcome> failed = failed();
            StringBuilder s = new StringBuilder("@opentelemetry/exporter-logs-otlp-http " + version + " (sdk-logs "
                    + sdkLogsVersion + ") in " + elapsedMs + " ms: statuses " + statuses() + "; " + failed.size()
                    + " of " + records.size() + " records not exported");
            if (!failed.isEmpty()) {
                s.append(" (first: ").append(failed.getFirst().index()).append(": ").append(failed.getFirst().error())
                        .append(")");
            }
            s.append("\nanswers: ").append(requests.stream().map(r -> r.status() + " " + r.response()).toList());
            s.append("\ndiag: ").append(diag);
            return s.append("\nstderr:\n").append(stderr).toString();
        }
    }

    /** Starts {@code node otlp-logs-run.js} on {@code input} (installing the Node project first if needed). */
    public static Run start(Input input) throws IOException, InterruptedException {
        return new Run(NodeSdk.start(SCRIPT, input.json(), input.deadline()));
    }

    /** Runs {@code input} to the end: {@link #start} then {@link Run#await}. */
    public static Result run(Input input) throws IOException, InterruptedException {
        return start(input).await();
    }

    /** A run under way. */
    public static final class Run {
        private final NodeSdk.Run run;

        private Run(NodeSdk.Run run) {
            this.run = run;
        }

        /** True while the child process runs. */
        public boolean running() {
            return run.running();
        }

        /** What the run wrote to stderr so far (its progress lines say each answer the exporter got). */
        public String stderr() {
            return run.stderr();
        }

        /** Waits for the run to end and returns its report (see {@link NodeSdk.Run#awaitReport}). */
        public Result await() throws IOException, InterruptedException {
            JsonNode report = run.awaitReport();
            List<RecordOutcome> records = new ArrayList<>();
            for (JsonNode r : report.path("records")) {
                records.add(new RecordOutcome(r.path("index").asInt(),
                        r.path("exported").isBoolean() ? r.get("exported").asBoolean() : null, text(r.path("error"))));
            }
            List<Export> exports = new ArrayList<>();
            for (JsonNode e : report.path("exports")) {
                List<Integer> indices = new ArrayList<>();
                e.path("records").forEach(i -> indices.add(i.isInt() ? i.asInt() : null));
                exports.add(new Export(e.path("ms").asLong(), number(e.path("answeredMs")), indices,
                        text(e.path("result")), text(e.path("error"))));
            }
            List<Request> requests = new ArrayList<>();
            for (JsonNode r : report.path("requests")) {
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                r.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
                requests.add(new Request(r.path("ms").asLong(), number(r.path("answeredMs")),
                        r.path("status").isNumber() ? r.path("status").asInt() : null, text(r.path("retryAfter")),
                        text(r.path("error")), headers, r.path("body"), r.path("response")));
            }
            List<Diag> diag = new ArrayList<>();
            report.path("diag").forEach(d -> diag.add(new Diag(d.path("level").asText(), d.path("message").asText())));
            return new Result(report.path("version").asText(), report.path("sdkLogsVersion").asText(), records,
                    exports, requests, diag, report.path("elapsedMs").asLong(), run.stderr());
        }

        private static String text(JsonNode n) {
            return n.isNull() || n.isMissingNode() ? null : n.asText();
        }

        private static Long number(JsonNode n) {
            return n.isNumber() ? n.asLong() : null;
        }
    }
}
