package io.eventpipeline;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips a suite when no Docker engine answers, found the way the docker CLI finds one ({@code DOCKER_HOST}, else the
 * usual sockets) and asked {@code GET /_ping} (the Engine API's health route, answered {@code 200 OK}). The suite
 * then never reaches Testcontainers, whose own check logs an ERROR and a stack of strategies it tried; the skip
 * is reported once, with this reason.
 */
final class DockerCondition implements ExecutionCondition {
    private static final long PING_TIMEOUT_MS = 2000;

    private final Map<String, String> env;

    DockerCondition() {
        this(System.getenv());
    }

    DockerCondition(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return unavailableReason().map(ConditionEvaluationResult::disabled)
                .orElseGet(() -> ConditionEvaluationResult.enabled("a Docker engine answers"));
    }

    /** Empty when an engine answers its ping; else why none does, in one line. */
    Optional<String> unavailableReason() {
        List<String> tried = new ArrayList<>();
        for (String endpoint : endpoints()) {
            String failure = ping(endpoint);
            if (failure == null) {
                return Optional.empty();
            }
            tried.add(endpoint + " (" + failure + ")");
        }
        return Optional.of("no Docker engine answers at " + String.join(", ", tried));
    }

    private List<String> endpoints() {
        String host = env.get("DOCKER_HOST");
        if (host != null && !host.isBlank()) {
            return List.of(host);
        }
        List<String> sockets = new ArrayList<>(List.of("unix:///var/run/docker.sock"));
        String home = env.get("HOME");
        if (home != null) {
            sockets.add("unix://" + home + "/.docker/run/docker.sock");
        }
        String runtime = env.get("XDG_RUNTIME_DIR");
        if (runtime != null) {
            sockets.add("unix://" + runtime + "/docker.sock");
        }
        return sockets;
    }

    /** Null when the endpoint answers 200 to /_ping; else what went wrong. */
    private static String ping(String endpoint) {
        SocketAddress address;
        StandardProtocolFamily family;
        URI uri = URI.create(endpoint);
        if ("unix".equals(uri.getScheme())) {
            Path socket = Path.of(uri.getPath());
            if (!Files.exists(socket)) {
                return "no such socket";
            }
            address = UnixDomainSocketAddress.of(socket);
            family = StandardProtocolFamily.UNIX;
        } else if ("tcp".equals(uri.getScheme()) && uri.getHost() != null) {
            address = new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort());
            family = null;
        } else {
            return "not a unix:// or tcp:// address";
        }
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<String> answer = executor.submit(() -> exchange(address, family));
            try {
                String statusLine = answer.get(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return statusLine.matches("HTTP/1\\.[01] 200\\b.*") ? null : "answered " + statusLine;
            } catch (TimeoutException e) {
                answer.cancel(true);
                return "no answer within " + PING_TIMEOUT_MS + " ms";
            } catch (ExecutionException e) {
                return e.getCause().getMessage() == null ? e.getCause().toString() : e.getCause().getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    private static String exchange(SocketAddress address, StandardProtocolFamily family) throws IOException {
        try (SocketChannel channel = family == null ? SocketChannel.open() : SocketChannel.open(family)) {
            channel.connect(address);
            channel.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(512);
            while (channel.read(buffer) >= 0 && buffer.hasRemaining()) {
                String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
                int end = text.indexOf("\r\n");
                if (end >= 0) {
                    return text.substring(0, end);
                }
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            return text.isEmpty() ? "an empty answer" : text.lines().findFirst().orElse(text);
        }
    }
}
