package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * The broker itself dies by {@code kill -9} while clients post to an ingest node, and is started again on the same
 * log directory. Its own broker (this class's), as the test kills it.
 */
class KafkaBrokerCrashIT extends KafkaClusterSupport {
    static final int BATCH = 10;

    /**
     * One ingest node ({@code --kafka-ack-timeout 2s}) and one writer node; four clients post batches of new ids at a
     * pace; two of them post a refused batch again with the same ids until it is acknowledged, the other two go on
     * with new ids. The broker is killed mid-ingest and restarted.
     *
     * <p>Proves: while the broker is away, requests are refused with 503, reason {@code broker_unavailable} (or
     * {@code awaiting_broker}, when too many wait for it) and a Retry-After, and nothing else (no 500); no 202 was
     * given for a record the broker did not take, since every id that got a 202 is stored after the restart,
     * exactly once: nothing acknowledged is lost; anything else stored is an id that was refused or unanswered (the
     * broker may have written it before the refusal), never one that was not sent; the ingest node's /health/ready
     * turns 503 with "broker":"DOWN" and a "broker_error" after the kill, and 200 with "broker":"UP" after the
     * restart; the ingest node recovers by itself (202s again, no restart of the node); the group's committed offsets
     * reach the log end; the ingest node's {@code kafka_produce_failed} counts the events of the requests refused as
     * {@code broker_unavailable}, plus at most those of requests left unanswered (the node may have refused them
     * after their client gave up), and its {@code refusals} count those requests by reason; once settled, no record is
     * in flight on the ingest node, every acknowledged record's time was measured, the writer's lag is 0 on every
     * partition, and its commits and batches were measured. The slowest 503 and the producer's errors by kind
     * are printed, not asserted.
     */
    @Test
    void a_broker_killed_and_restarted_mid_ingest_loses_no_acknowledged_event_and_ingest_recovers_by_itself()
            throws Exception {
        long t0 = System.nanoTime();
        Node ingest = startIngest("ingest", "--kafka-ack-timeout", "2s");
        Node writer = startWriter("writer", 2, 50);
        awaitHealthy(ingest, writer);
        try (Admin admin = admin();
                KafkaLoad load = KafkaLoad.start("outage", List.of(ingest.http()), 4, BATCH, Duration.ofMillis(50),
                        300, c -> c % 2 == 0)) {
            awaitGroupMembers(admin, 2);
            Eventually.await(SETTLE_TIMEOUT, "1000 events acknowledged", () -> load.acknowledged.size(),
                    n -> n >= 1000);

            broker.kill9();
            long killed = System.nanoTime();
            int ackedAtKill = load.acknowledged.size();
            Eventually.await(Duration.ofSeconds(30), "a request is refused with reason broker_unavailable",
                    () -> load.refusals.getOrDefault("broker_unavailable", 0), n -> n >= 4);
            long refusedAt = System.nanoTime();

            awaitReadiness(ingest, 503, "DOWN");

            broker.restart();
            long restarted = System.nanoTime();
            awaitReadiness(ingest, 200, "UP");
            int postsAtRestart = load.acceptedPosts.get();
            Eventually.await(Duration.ofSeconds(60), "20 more requests acknowledged after the restart",
                    () -> load.acceptedPosts.get(), n -> n >= postsAtRestart + 20);
            long recovered = System.nanoTime();
            load.stop();

            // awaiting_broker: requests beyond the bytes the node lets wait for the broker, refused at once.
            assertThat(load.refusals.keySet()).as("503 reasons").contains("broker_unavailable")
                    .isSubsetOf("broker_unavailable", "awaiting_broker");
            db.awaitStored(load.acknowledged, SETTLE_TIMEOUT);
            awaitNoLag(admin);
            long settledAt = System.nanoTime();

            Set<String> stored = db.storedIds();
            assertThat(stored).as("every acknowledged id").containsAll(load.acknowledged);
            assertThat(load.sent).as("nothing that was not sent").containsAll(stored);
            Set<String> unacknowledged = new HashSet<>(stored);
            unacknowledged.removeAll(load.acknowledged);
            Set<String> refusedOrUnknown = new HashSet<>(load.refused);
            refusedOrUnknown.addAll(load.unknown);
            assertThat(refusedOrUnknown).as("stored without a 202: only refused or unanswered ids")
                    .containsAll(unacknowledged);
            assertThat(doubled("events", "id")).isEmpty();
            assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).isZero();
            int refusedPosts = load.refusals.get("broker_unavailable");
            // A request whose client gave up may still have been refused by the node after it: it counts too.
            int unanswered = load.unansweredPosts.get();
            assertThat(ingest.metric("kafka_produce_failed"))
                    .as("events of requests refused as broker_unavailable (%d), and at most of those unanswered (%d)",
                            refusedPosts, unanswered)
                    .isBetween((long) refusedPosts * BATCH, (long) (refusedPosts + unanswered) * BATCH);
            assertThat(ingest.process().isAlive()).isTrue();
            int refusedAll = load.refusals.values().stream().mapToInt(Integer::intValue).sum();
            JsonNode in = Eventually.await(SETTLE_TIMEOUT, "no record in flight on the ingest node",
                    ingest::metrics, m -> m.get("kafka_records_in_flight").asLong() == 0);
            assertThat(in.at("/refusals/broker_unavailable").asLong() + in.at("/refusals/awaiting_broker").asLong())
                    .as("503s counted by reason: %s answered, %d unanswered", load.refusals, unanswered)
                    .isBetween((long) refusedAll, (long) refusedAll + unanswered);
            assertThat(in.at("/refusals/broker_unavailable").asLong()).isGreaterThanOrEqualTo(refusedPosts);
            assertThat(in.at("/kafka_ack_latency_ms/count").asLong()).as("acknowledgements timed")
                    .isGreaterThanOrEqualTo(load.acknowledged.size());
            JsonNode lag = Eventually.await(SETTLE_TIMEOUT, "the writer's lag is 0 on all " + PARTITIONS
                    + " partitions", writer::metrics, m -> m.get("kafka_lag").size() == PARTITIONS
                            && java.util.stream.StreamSupport.stream(m.get("kafka_lag").spliterator(), false)
                                    .allMatch(l -> l.asLong() == 0)).get("kafka_lag");
            assertThat(lag.size()).isEqualTo(PARTITIONS);
            JsonNode out = writer.metrics();
            assertThat(out.at("/kafka_commit_latency_ms/count").asLong()).as("commits timed").isEqualTo(
                    out.get("kafka_offset_commits").asLong() + out.get("kafka_offset_commits_failed").asLong());
            assertThat(out.at("/kafka_batch_size/sum").asLong()).isEqualTo(out.get("kafka_consumed").asLong());
            System.out.printf("kafka broker kill -9: %d acknowledged (%d at the kill), %d requests refused "
                            + "(broker_unavailable; first %s after the kill; the slowest took %d ms), %d ids stored "
                            + "without a 202, %d never stored; broker down %s; 202s again %s after the restart; writer duplicates=%d "
                            + "commits failed=%d; settled %s later; producer errors %s; acks p99 %s ms, max %s ms; "
                            + "commit p99 %s ms; test %s%n",
                    load.acknowledged.size(), ackedAtKill, refusedPosts, ms(refusedAt - killed),
                    load.slowestRefusalMillis.get(),
                    unacknowledged.size(), load.sent.size() - stored.size(), ms(restarted - killed),
                    ms(recovered - restarted), writer.metric("duplicates"),
                    writer.metric("kafka_offset_commits_failed"), ms(settledAt - recovered),
                    in.get("kafka_producer_errors"), in.at("/kafka_ack_latency_ms/p99").asText(),
                    in.at("/kafka_ack_latency_ms/max").asText(), out.at("/kafka_commit_latency_ms/p99").asText(),
                    ms(System.nanoTime() - t0));
        }
    }

    /**
     * Polls the ingest node's GET /health/ready until it answers {@code status} with "broker" {@code broker} (and,
     * when DOWN, a non-empty "broker_error"): the broker probe checks once a second, so this follows the broker by
     * itself, without a restart of the node.
     */
    private static void awaitReadiness(Node node, int status, String broker) throws InterruptedException {
        Eventually.await(Duration.ofSeconds(60), node + " /health/ready " + status + " with broker " + broker,
                () -> node.http().get("/health/ready"), r -> {
                    JsonNode body = r.json();
                    return r.status() == status && broker.equals(body.path("broker").asText())
                            && (broker.equals("UP") ? !body.has("broker_error")
                                    : !body.path("broker_error").asText("").isBlank());
                });
    }
}
