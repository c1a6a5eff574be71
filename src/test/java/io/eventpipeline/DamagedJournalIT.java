package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.journal.SegmentBytes;
import io.eventpipeline.metrics.PrometheusText;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kill -9 while acknowledged events are only in the journal (the database is cut off), then one byte flipped
 * inside one record on disk: the restart stores every other event, keeps the damaged segment aside as
 * {@code .damaged} and counts the damage in /metrics.
 */
class DamagedJournalIT extends FaultInjectionSupport {
    static final int EVENTS = 30;

    @Test
    void a_flipped_byte_in_one_journal_record_loses_that_event_and_no_other() throws Exception {
        List<String> args = serviceArgs("--durability", "journal");
        List<String> ids = ids("damaged-journal-", 0, EVENTS);
        JarProcess first = startService(args);
        HttpTestClient http = new HttpTestClient(first.port());
        proxy.cut();
        for (String id : ids) {
            assertThat(postOne(http, id, "{\"n\":1}").status()).as(id).isEqualTo(202);
        }
        assertThat(db.countEvents()).as("nothing stored while the database is cut off").isZero();
        first.kill();

        Path segment = singleSegment(dir.resolve("data").resolve("journal"));
        int damaged = EVENTS / 2;
        long offset = SegmentBytes.flipPayloadByte(segment, damaged); // one event per request: journal order
        Set<String> intact = new HashSet<>(ids);
        intact.remove(ids.get(damaged));

        proxy.restore();
        JarProcess restarted = startService(args);
        HttpTestClient again = new HttpTestClient(restarted.port());
        awaitStored(intact, STORE_TIMEOUT);
        Path aside = segment.resolveSibling(segment.getFileName() + ".damaged");
        Eventually.await(Duration.ofSeconds(30), "the damaged segment is kept aside once its events are stored",
                () -> Files.exists(aside) && !Files.exists(segment));
        assertStoredExactlyOnce(intact);

        JsonNode json = metrics(again);
        assertThat(json.get("replayed").asLong()).isEqualTo(EVENTS - 1);
        assertThat(json.get("journal_corruptions").asLong()).isEqualTo(1);
        var scrape = again.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restarted.port()
                + "/metrics")).header("Accept", "text/plain;version=0.0.4").GET());
        PrometheusText text = PrometheusText.parse(scrape.body());
        text.assertWellFormed();
        assertThat(text.value("pipeline_journal_corruptions_total")).isEqualTo(1);

        String log = restarted.output();
        assertThat(log).contains("event=journal_segment_damaged file=" + segment, "offset=" + offset,
                "event=journal_segment_kept_aside file=" + aside, "damaged_bytes=" + offset + "-");
    }

    private static Path singleSegment(Path journal) throws Exception {
        try (Stream<Path> files = Files.list(journal)) {
            List<Path> segments = files.filter(f -> f.getFileName().toString().endsWith(".wal")).toList();
            assertThat(segments).as("the killed run's segment").hasSize(1);
            return segments.getFirst();
        }
    }
}
