package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.lifecycle.Resources;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * --shutdown-timeout is the whole of a stop, not the drain's part of it: with the database away (the drain cannot
 * finish, the probe and the pools wait on it) and a request in flight that never finishes sending (HTTP's graceful
 * stop waits on it), every step is slow, and still SIGTERM to exit stays within the budget and a stated margin.
 */
class ShutdownBudgetIT extends FaultInjectionSupport {
    static final Duration BUDGET = Duration.ofSeconds(3);
    /**
     * Past the budget: {@link Resources#FLOOR} for each step run once it is spent, keeping the unstored events on
     * local disk, and the JVM's exit.
     */
    static final Duration MARGIN = Duration.ofSeconds(2);
    private static final Pattern STOP_MS = Pattern.compile("event=stopped .*stop_ms=(\\d+)");

    @Test
    void a_stop_with_the_database_away_and_every_step_slow_ends_within_the_budget_and_keeps_the_unstored_events()
            throws Exception {
        List<String> args = new ArrayList<>(serviceArgs("--durability", "memory"));
        args.set(args.indexOf("--shutdown-timeout") + 1, BUDGET.toMillis() + "ms");
        Set<String> accepted = new HashSet<>();
        JarProcess first = startService(args);
        HttpTestClient http = new HttpTestClient(first.port());
        accepted.addAll(postBatch(http, ids("before-", 0, 100), "{}").accepted());
        awaitStored(accepted, STORE_TIMEOUT);
        proxy.cut();
        awaitHealth(http, 503, "DOWN");
        for (int b = 0; b < 5; b++) {
            accepted.addAll(postBatch(http, ids("away-" + b + "-", 0, 100), "{}").accepted());
        }
        assertThat(accepted).hasSize(600);

        Duration exit;
        int code;
        long t0 = System.nanoTime();
        first.terminate();
        Eventually.await(Duration.ofSeconds(30), "the drain has begun", () -> first.output()
                .contains("event=stopping"));
        try (Socket slow = new Socket("127.0.0.1", first.port())) {
            // A request during the drain (HTTP stays open for it) is refused at once, and the server then reads
            // what is left of its body so that the answer arrives (BodyReader.discardUnread): half a body keeps that
            // read, and the request, in flight when HTTP stops. Sent once the drain has begun, not before the
            // SIGTERM, so that it is refused at once whatever the timing (a request already reading its body when
            // the drain begins is answered the same 503, later).
            slow.setSoTimeout(30_000);
            OutputStream out = slow.getOutputStream();
            out.write(("POST /events/batch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 10000\r\n\r\n{\"events\":[").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(RawHttp.readHead(slow.getInputStream())).startsWith("HTTP/1.1 503")
                    .contains("Retry-After: 5");
            code = first.awaitExit(BUDGET.plus(Duration.ofSeconds(60)));
            exit = Duration.ofNanos(System.nanoTime() - t0);
        }
        String log = first.output();
        assertThat(code).as(log).isZero();
        // Whether HTTP's graceful wait ends by the request's end or by its cut (event=http_requests_cut) is Jetty's
        // to decide (its stop may fail the pending read at once): the budget holds either way.
        assertThat(log).contains("event=drain_timeout", "event=http_stopped", "event=stop_step step=pipeline-db ",
                "event=stop_step step=data-dir-lock ");
        Matcher stopped = STOP_MS.matcher(log);
        assertThat(stopped.find()).as(log).isTrue();
        Duration stop = Duration.ofMillis(Long.parseLong(stopped.group(1)));
        assertThat(stop).as("the stop as the service timed it").isLessThan(BUDGET.plus(MARGIN));
        assertThat(exit).as("SIGTERM to exit, with --shutdown-timeout %s", BUDGET).isLessThan(BUDGET.plus(MARGIN));
        assertThat(FaultInjectionShutdownIT.journalRecords(dir.resolve("data/journal")))
                .as("the unstored events are kept on disk").isPositive();

        proxy.restore();
        JarProcess second = startService(args);
        awaitStored(accepted, STORE_TIMEOUT);
        assertStoredExactlyOnce(accepted);
        assertThat(second.output()).contains("event=replay");
        System.out.printf("shutdown budget: --shutdown-timeout %dms, database away, a request in flight: stop took "
                + "%dms by the service's count, %dms from SIGTERM to exit (margin %dms); all %d events stored after "
                + "the restart%n", BUDGET.toMillis(), stop.toMillis(), exit.toMillis(), MARGIN.toMillis(),
                accepted.size());
    }
}
