package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerConditionTest {
    @TempDir
    Path dir;

    @Test
    void no_socket_means_no_engine_and_the_reason_names_the_address_tried() {
        String host = "unix://" + dir.resolve("docker.sock");

        var reason = new DockerCondition(Map.of("DOCKER_HOST", host)).unavailableReason();

        assertThat(reason).hasValue("no Docker engine answers at " + host + " (no such socket)");
    }

    @Test
    void the_default_sockets_are_tried_when_docker_host_is_unset() {
        var reason = new DockerCondition(Map.of("HOME", dir.toString())).unavailableReason();

        // Where this machine has an engine the default socket answers; else both sockets are named.
        reason.ifPresent(r -> assertThat(r).contains("unix:///var/run/docker.sock (")
                .contains("unix://" + dir + "/.docker/run/docker.sock (no such socket)"));
    }

    @Test
    void an_engine_that_answers_its_ping_with_200_enables_the_suite() throws Exception {
        try (FakeEngine engine = new FakeEngine(dir.resolve("docker.sock"), "HTTP/1.1 200 OK")) {
            var condition = new DockerCondition(Map.of("DOCKER_HOST", engine.address()));

            assertThat(condition.unavailableReason()).isEmpty();
            assertThat(engine.request()).startsWith("GET /_ping HTTP/1.0\r\n");
        }
    }

    @Test
    void a_socket_that_answers_something_else_is_not_an_engine() throws Exception {
        try (FakeEngine engine = new FakeEngine(dir.resolve("docker.sock"), "HTTP/1.1 500 Server Error")) {
            var reason = new DockerCondition(Map.of("DOCKER_HOST", engine.address())).unavailableReason();

            assertThat(reason).hasValue("no Docker engine answers at " + engine.address()
                    + " (answered HTTP/1.1 500 Server Error)");
        }
    }

    @Test
    void an_address_of_another_scheme_is_refused_with_a_reason() {
        var reason = new DockerCondition(Map.of("DOCKER_HOST", "npipe:////./pipe/docker_engine"))
                .unavailableReason();

        assertThat(reason).hasValueSatisfying(r -> assertThat(r).endsWith("(not a unix:// or tcp:// address)"));
    }

    /** A unix socket that answers one request with a status line, as the Engine API's /_ping does. */
    private static final class FakeEngine implements AutoCloseable {
        private final Path socket;
        private final ServerSocketChannel server;
        private final Thread thread;
        private volatile String request = "";

        FakeEngine(Path socket, String statusLine) throws Exception {
            this.socket = socket;
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            thread = Thread.ofVirtual().start(() -> {
                try (SocketChannel client = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(256);
                    client.read(in);
                    request = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                    client.write(ByteBuffer.wrap((statusLine + "\r\nContent-Length: 2\r\n\r\nOK")
                            .getBytes(StandardCharsets.US_ASCII)));
                } catch (Exception e) {
                    request = "failed: " + e;
                }
            });
        }

        String address() {
            return "unix://" + socket;
        }

        String request() throws InterruptedException {
            thread.join();
            return request;
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join();
        }
    }
}
