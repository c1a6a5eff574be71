package io.eventpipeline.sdk;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The web sites of the browser tests: two static servers on loopback ports of their own, so two origins other than
 * the service's, {@link #allowedOrigin()} (the one a test puts in {@code --cors-origins}) and
 * {@link #refusedOrigin()} (one it leaves out). Each serves the same files from the installed Node project
 * ({@link NodeSdk#INSTALL}): {@code /page.html} (browser-page.html) and {@code /umd/<file>}, the files of
 * {@code @segment/analytics-next}'s {@code dist/umd} (its bundle and the chunks it may load from beside it), as a
 * site would host them. Anything else is a 404.
 *
 * <p>Register it on a static field ({@code @RegisterExtension static final BrowserPages PAGES = new
 * BrowserPages();}): the servers run from the class's first test to its last, so their origins are known when each
 * test's service is configured (read them lazily, in a {@code with(...)} of {@link SdkTestService}).
 */
public final class BrowserPages implements BeforeAllCallback, AfterAllCallback {
    /** The page browser-run.js loads; it reads what to do from {@code window.__pageConfig}. */
    public static final String PAGE = "/page.html";
    private static final Path UMD = Path.of("node_modules", "@segment", "analytics-next", "dist", "umd");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private HttpServer allowed;
    private HttpServer refused;
    private ExecutorService executor;
    private final List<String> served = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        allowed = start();
        refused = start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (allowed != null) {
            allowed.stop(0);
        }
        if (refused != null) {
            refused.stop(0);
        }
        if (executor != null) {
            executor.close();
        }
    }

    private HttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.setExecutor(executor);
        server.start();
        return server;
    }

    /** {@code http://127.0.0.1:<port>} of the site whose origin the service allows. */
    public String allowedOrigin() {
        return origin(allowed);
    }

    /** {@code http://127.0.0.1:<port>} of the site whose origin the service does not allow. */
    public String refusedOrigin() {
        return origin(refused);
    }

    private static String origin(HttpServer server) {
        if (server == null) {
            throw new IllegalStateException("the page servers start before the class's first test");
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** What was served, {@code "<port> <status> <path>"} each, in order: for a failed test's description. */
    public synchronized List<String> served() {
        return List.copyOf(served);
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Path file = null;
            String type = null;
            if ("GET".equals(exchange.getRequestMethod())) {
                if (path.equals(PAGE)) {
                    file = NodeSdk.INSTALL.resolve("browser-page.html");
                    type = "text/html; charset=utf-8";
                } else if (path.startsWith("/umd/") && FILE_NAME.matcher(path.substring(5)).matches()) {
                    file = NodeSdk.INSTALL.resolve(UMD).resolve(path.substring(5));
                    type = path.endsWith(".js") ? "text/javascript; charset=utf-8" : "application/octet-stream";
                }
            }
            int status = file != null && Files.isRegularFile(file) ? 200 : 404;
            synchronized (this) {
                served.add(exchange.getLocalAddress().getPort() + " " + status + " " + path);
            }
            if (status == 404) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
