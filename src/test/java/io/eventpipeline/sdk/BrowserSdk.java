package io.eventpipeline.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.eventpipeline.RequiredSuite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Segment's browser SDK, {@code @segment/analytics-next}, in a real browser: {@code src/test/node/browser-run.js}
 * (installed and run as {@link NodeSdk} runs its scripts) drives Debian's Chromium headless through
 * {@code playwright-core} (no browser download: {@link #CHROMIUM}) through test pages served by {@link BrowserPages},
 * and reports what each page's calls, fetches and console said ({@link Result}; the shapes are described at the top
 * of the script).
 *
 * <p>A run {@linkplain #startHeld held} keeps its browser open after the last page until {@link Run#release}: what a
 * page sends as it goes away (a keepalive fetch, a beacon) is sent by the browser after the page is gone, and would
 * be lost if the browser closed first, so a test releases the run once it has seen those requests arrive.
 */
public final class BrowserSdk {
    /** Debian's chromium (its launcher script), the browser the tests drive. */
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final String SCRIPT = "browser-run.js";
    private static final ObjectMapper JSON = new ObjectMapper();

    private BrowserSdk() {
    }

    /** Why the browser tests cannot run here (Node or npm missing, or no {@link #CHROMIUM}), or empty. */
    public static Optional<String> unavailableReason() {
        Optional<String> node = NodeSdk.unavailableReason();
        if (node.isPresent()) {
            return node;
        }
        if (!Files.isExecutable(CHROMIUM)) {
            return Optional.of("no " + CHROMIUM + " (Debian's chromium package); the browser tests drive it");
        }
        return Optional.empty();
    }

    /**
     * Installs the Node project if needed; without Node or Chromium, skips {@code suite} with the reason, or fails
     * it under {@code CI=true}. Call it from a {@code @BeforeAll}.
     */
    public static void require(String suite) throws IOException, InterruptedException {
        RequiredSuite.require(unavailableReason(), suite);
        NodeSdk.install();
    }

    /**
     * One page of a run: loaded from {@code url}, with {@code config} as its {@code window.__pageConfig} (see
     * browser-page.html), then each call of analytics-next awaited in turn, then each plain fetch, then, if
     * {@code leave}, the tab sent to about:blank (the page is hidden for good: {@code pagehide}).
     */
    public record Page(String url, Map<String, ?> config, List<Map<String, ?>> calls, List<Map<String, ?>> fetches,
            boolean leave) {
    }

    /**
     * The page's {@code analytics} setting: analytics-next loaded with this write key, sending to {@code apiHost}
     * ({@code 127.0.0.1:<port>/v1}) over http, {@code options} being load()'s second argument.
     */
    public static Map<String, Object> analytics(String writeKey, String apiHost, Map<String, ?> options) {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("writeKey", writeKey);
        a.put("apiHost", apiHost);
        a.put("protocol", "http");
        a.put("options", options);
        return a;
    }

    /** A call of analytics-next: {@code analytics[method](...args)}, e.g. {@code call("track", "Signed Up", {})}. */
    public static Map<String, Object> call(String method, Object... args) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("method", method);
        c.put("args", Arrays.asList(args));
        return c;
    }

    /** A {@code navigator.sendBeacon(url, body)} or a plain {@code fetch} POST of a string body (text/plain). */
    public static Map<String, Object> post(String url, String body) {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("url", url);
        b.put("body", body);
        return b;
    }

    /** What a run is given: its pages, in order, in one fresh browser, and how long it may take. */
    public record Input(List<Page> pages, Duration deadline) {
        String json(boolean hold) throws IOException {
            ObjectNode in = JSON.createObjectNode();
            in.put("executablePath", CHROMIUM.toString()).put("hold", hold).put("deadlineMs", deadline.toMillis());
            in.set("pages", JSON.valueToTree(pages));
            return JSON.writeValueAsString(in);
        }
    }

    /** What the page said of one call: the messageId its context carries, its failed delivery, its logged errors. */
    public record Call(String method, String messageId, String anonymousId, String userId, String failedDelivery,
            List<String> errors) {
    }

    /** A plain fetch from a page: its status, or the error it rejected with (null status). */
    public record Fetch(String url, Integer status, String error) {
    }

    /** One page as it ran: its origin, what its calls and fetches said, whether it was left. */
    public record PageResult(String url, String origin, List<Call> calls, List<Fetch> fetches, boolean left) {
    }

    /** A message of a page's console ({@code error}, {@code log}, ...). */
    public record Console(int page, String type, String text) {
    }

    /**
     * A request of the pages as Playwright saw it (ms after the run began): a CORS preflight is not among them, and
     * a request sent as its page went away may lack its outcome (status null, failure null).
     */
    public record Request(long ms, String method, String url, String resourceType, Map<String, String> headers,
            String body, Integer status, String failure) {
    }

    /** The whole report of a run, with its stderr (progress lines). */
    public record Result(String browser, String playwright, String analyticsNext, List<PageResult> pages,
            List<Console> console, List<String> pageErrors, List<Request> requests, String error, long elapsedMs,
            String stderr) {
        /** Every call of every page, in order. */
        public List<Call> calls() {
            return pages.stream().flatMap(p -> p.calls().stream()).toList();
        }

        /** The console messages of one page. */
        public List<String> console(int page) {
            return console.stream().filter(c -> c.page() == page).map(c -> c.type() + ": " + c.text()).toList();
        }

        /** The report in a few lines, for an assertion's description. */
        public String summary() {
            StringBuilder s = new StringBuilder("Chromium " + browser + ", playwright-core " + playwright
                    + ", analytics-next " + analyticsNext + ", " + elapsedMs + " ms");
            if (error != null) {
                s.append("\nerror: ").append(error);
            }
            for (int i = 0; i < pages.size(); i++) {
                PageResult p = pages.get(i);
                s.append("\npage ").append(i).append(" ").append(p.url()).append(": calls ").append(p.calls())
                        .append("; fetches ").append(p.fetches()).append(p.left() ? "; left" : "");
            }
            s.append("\nconsole: ").append(console.stream().map(c -> c.page() + " " + c.type() + ": " + c.text())
                    .toList());
            s.append("\npage errors: ").append(pageErrors);
            s.append("\nrequests: ").append(requests.stream().map(r -> r.method() + " " + r.url() + " -> "
                    + (r.status() != null ? r.status() : r.failure())).toList());
            return s.append("\nstderr:\n").append(stderr).toString();
        }
    }

    /** A run of browser-run.js under way. */
    public static final class Run implements AutoCloseable {
        private final NodeSdk.Run run;

        private Run(NodeSdk.Run run) {
            this.run = run;
        }

        /** True while browser-run.js runs (a held run: until released, unless it failed). */
        public boolean running() {
            return run.running();
        }

        /** What the run wrote to stderr so far: a line per page step. */
        public String stderr() {
            return run.stderr();
        }

        /** Lets a held run close its browser and finish. */
        public void release() throws IOException {
            run.release();
        }

        /** {@link #release}, then waits for the report; fails when the run failed or ran past its deadline. */
        public Result await() throws IOException, InterruptedException {
            release();
            JsonNode report = run.awaitReport();
            return result(report, run.stderr());
        }

        /** Ends the run if it still runs (a test that failed before awaiting it), browser included. */
        @Override
        public void close() throws IOException, InterruptedException {
            release();
            run.kill();
        }
    }

    /** Starts a run that closes its browser after the last page. */
    public static Run start(Input input) throws IOException, InterruptedException {
        return new Run(NodeSdk.start(SCRIPT, input.json(false), input.deadline()));
    }

    /** Starts a run that keeps its browser open after the last page until {@link Run#release}. */
    public static Run startHeld(Input input) throws IOException, InterruptedException {
        return new Run(NodeSdk.startHeld(SCRIPT, input.json(true), input.deadline()));
    }

    /** Runs {@code input} to the end ({@link #start}, then {@link Run#await}). */
    public static Result run(Input input) throws IOException, InterruptedException {
        try (Run run = start(input)) {
            return run.await();
        }
    }

    private static Result result(JsonNode r, String stderr) {
        List<PageResult> pages = new ArrayList<>();
        for (JsonNode p : r.path("pages")) {
            List<Call> calls = new ArrayList<>();
            for (JsonNode c : p.path("calls")) {
                List<String> errors = new ArrayList<>();
                c.path("errors").forEach(e -> errors.add(e.asText()));
                calls.add(new Call(text(c.path("method")), text(c.path("messageId")), text(c.path("anonymousId")),
                        text(c.path("userId")), text(c.path("failedDelivery")), errors));
            }
            List<Fetch> fetches = new ArrayList<>();
            for (JsonNode f : p.path("fetches")) {
                fetches.add(new Fetch(text(f.path("url")), f.path("status").isNumber() ? f.path("status").asInt()
                        : null, text(f.path("error"))));
            }
            pages.add(new PageResult(text(p.path("url")), text(p.path("origin")), calls, fetches,
                    p.path("left").asBoolean()));
        }
        List<Console> console = new ArrayList<>();
        r.path("console").forEach(c -> console.add(new Console(c.path("page").asInt(), text(c.path("type")),
                text(c.path("text")))));
        List<String> pageErrors = new ArrayList<>();
        r.path("pageErrors").forEach(e -> pageErrors.add(e.path("page").asInt() + ": " + text(e.path("error"))));
        List<Request> requests = new ArrayList<>();
        for (JsonNode q : r.path("requests")) {
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            q.path("headers").properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
            requests.add(new Request(q.path("ms").asLong(), text(q.path("method")), text(q.path("url")),
                    text(q.path("resourceType")), headers, text(q.path("body")),
                    q.path("status").isNumber() ? q.path("status").asInt() : null, text(q.path("failure"))));
        }
        return new Result(text(r.path("browser")), text(r.path("playwright")), text(r.path("analyticsNext")), pages,
                console, pageErrors, requests, text(r.path("error")), r.path("elapsedMs").asLong(), stderr);
    }

    private static String text(JsonNode n) {
        return n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
