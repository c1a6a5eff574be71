package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The open-loop sender against a real Javalin on a real socket: keep-alive, bodies, and answers that end it. */
class PlainHttpSenderTest {
    private final List<Integer> clientPorts = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private Javalin server;

    @BeforeEach
    void start() {
        server = Javalin.create(c -> {
            c.startup.showJavalinBanner = false;
            c.concurrency.useVirtualThreads = true;
            c.jetty.host = "127.0.0.1";
            c.jetty.port = 0;
            c.routes.post("/events", ctx -> {
                clientPorts.add(ctx.req().getRemotePort());
                bodies.add(ctx.body());
                ctx.status(202).contentType("application/json").result("{\"id\":\"x\"}");
            });
            c.routes.post("/full", ctx -> {
                clientPorts.add(ctx.req().getRemotePort());
                ctx.status(503).header("Connection", "close").contentType("application/json")
                        .result("{\"error\":\"queue full\"}");
            });
        }).start();
    }

    @AfterEach
    void stop() {
        server.stop();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    @Test
    void posts_go_over_one_kept_alive_connection_with_their_bodies_whole() {
        List<Integer> statuses = new ArrayList<>();
        try (PlainHttpSender sender = new PlainHttpSender(uri("/events"), 5_000)) {
            for (int i = 0; i < 5; i++) {
                statuses.add(sender.post(("{\"n\":" + i + ",\"text\":\"é\"}").getBytes(StandardCharsets.UTF_8)));
            }
        }

        assertThat(statuses).containsOnly(202).hasSize(5);
        assertThat(bodies).containsExactly("{\"n\":0,\"text\":\"é\"}", "{\"n\":1,\"text\":\"é\"}",
                "{\"n\":2,\"text\":\"é\"}", "{\"n\":3,\"text\":\"é\"}", "{\"n\":4,\"text\":\"é\"}");
        assertThat(clientPorts).as("one connection").containsOnly(clientPorts.getFirst());
    }

    @Test
    void an_answer_with_connection_close_ends_the_connection_and_the_next_post_opens_another() {
        List<Integer> statuses = new ArrayList<>();
        try (PlainHttpSender sender = new PlainHttpSender(uri("/full"), 5_000)) {
            statuses.add(sender.post("{}".getBytes(StandardCharsets.UTF_8)));
            statuses.add(sender.post("{}".getBytes(StandardCharsets.UTF_8)));
        }

        assertThat(statuses).containsExactly(503, 503);
        assertThat(clientPorts).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void no_server_is_no_answer_not_an_exception() {
        int port = server.port();
        server.stop();
        try (PlainHttpSender sender = new PlainHttpSender(URI.create("http://127.0.0.1:" + port + "/events"), 2_000)) {
            assertThat(sender.post("{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        }
    }
}
