package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The service on a replicated cluster ({@link KafkaCluster}: three broker processes, every topic of three replicas,
 * {@code min.insync.replicas=2}) through its brokers' failures: one ingest node and two writer nodes (the real jar)
 * on MariaDB, under load from clients that record which ids were acknowledged (202). One cluster for the class; each
 * test starts with all three brokers running, every replica in sync, and a fresh topic, group and tables.
 *
 * <p>Each test prints what it measured in lines that start with {@code cluster-measure:}, and what the nodes'
 * GET /health/ready answered through the failure in lines that start with {@code cluster-health:} (each change, in
 * ms from the first kill).
 */
@KafkaClusterSupport.ThreeBrokers
class KafkaReplicatedClusterIT extends KafkaClusterSupport {
    static final int BATCH = 10;
    /** The ingest node's {@code --kafka-ack-timeout}: short, so that a stall shows as 503s soon. */
    static final Duration ACK_TIMEOUT = Duration.ofSeconds(2);
    /**
     * The longest a 503 may take: the ack timeout, plus at most one send blocked for as long (max.block.ms, while
     * metadata is missing), plus slack for a busy machine.
     */
    static final Duration REFUSAL_BOUND = ACK_TIMEOUT.multipliedBy(2).plusSeconds(3);
    /** Until acks resume after a broker's death, a restart, or the cluster's recovery: generous. */
    static final Duration RESUME_TIMEOUT = Duration.ofSeconds(90);

    /** Starts again every broker a test left down, so that the next test finds three. */
    @AfterEach
    void restoreBrokers() throws Exception {
        if (cluster.running().size() < KafkaCluster.SIZE) {
            cluster.restoreAll();
        }
    }

    /**
     * One broker, the active controller, dies by {@code kill -9} under load, and is started again under load.
     *
     * <p>Proves: every acknowledged id is stored exactly once; ingest goes on by itself (202s for requests sent after
     * the kill, without a restart of any node); while acks stall, requests are refused with 503 and a Retry-After
     * within {@link #REFUSAL_BOUND}, never answered otherwise. Measures how long acks stall after the kill (the
     * longest time without a 202, and until the first 202 of a request sent after the kill) and after the restart.
     */
    @Test
    void one_broker_killed_under_load_stalls_acks_for_a_while_and_loses_no_acknowledged_event() throws Exception {
        long t0 = System.nanoTime();
        try (UnderLoad run = startUnderLoad("one")) {
            KafkaLoad load = run.load();

            int victim = cluster.activeController();
            cluster.kill9(victim);
            long killed = System.nanoTime();
            KafkaLoad.Answer resumed = awaitAckSentAfter(load, killed, "after the kill of broker " + victim);
            awaitMorePosts(load, 20);
            long stall = load.longestAckGapMillis(killed, System.nanoTime());

            long restarting = System.nanoTime();
            cluster.restart(victim);
            long restarted = System.nanoTime();
            awaitMorePosts(load, 20);
            long restartStall = load.longestAckGapMillis(restarting, System.nanoTime());
            load.stop();
            long settled = assertEveryAcknowledgedIdStoredOnce(load, run.admin(), killed);

            assertThat(load.slowestRefusalMillis.get()).as("the slowest 503, ms").isLessThanOrEqualTo(
                    REFUSAL_BOUND.toMillis());
            assertThat(run.ingest().process().isAlive()).isTrue();
            measure("one_broker_killed victim=%d(active_controller) ack_stall_ms=%d first_ack_of_request_sent_after"
                            + "_kill_ms=%d refused_503=%s slowest_503_ms=%d broker_restart_ms=%d "
                            + "ack_stall_around_restart_ms=%d acknowledged=%d settled_after_stop_ms=%d test_ms=%d",
                    victim, stall, millis(resumed.answeredNanos() - killed), load.refusals,
                    load.slowestRefusalMillis.get(), millis(restarted - restarting), restartStall,
                    load.acknowledged.size(), settled, millis(System.nanoTime() - t0));
            run.health().close();
            run.health().timeline("cluster-health: one_broker_killed", killed).forEach(System.out::println);
            // The dead controller is fenced 9 s at least after its last heartbeat: its partitions' leader is
            // silent for longer than the probe's two checks in a row.
            assertThat(run.health().statusesOf(run.ingest().name(), killed)).as("the ingest node's /health/ready "
                    + "after the kill: not ready while the dead broker's partitions had no answering leader")
                    .contains(503).last().isEqualTo(200);
        }
    }

    /**
     * Two brokers (the active controller and one other) die by {@code kill -9} under load: the one left has no
     * controller quorum and no second in-sync replica. Then both are started again.
     *
     * <p>Proves: while two are down, requests are refused with 503, reason {@code broker_unavailable} (or
     * {@code awaiting_broker}) and a Retry-After, each within {@link #REFUSAL_BOUND}, and none sent after the kills
     * is acknowledged; after the restart the ingest node acknowledges again by itself; every acknowledged id is
     * stored exactly once. Measures the first refusal after the kills and the recovery, from the restart to the
     * first 202.
     */
    @Test
    void two_brokers_killed_refuse_with_503_in_time_and_ingest_recovers_by_itself_after_their_restart()
            throws Exception {
        long t0 = System.nanoTime();
        try (UnderLoad run = startUnderLoad("two")) {
            KafkaLoad load = run.load();

            int controller = cluster.activeController();
            int other = controller % KafkaCluster.SIZE + 1;
            cluster.kill9(controller, other);
            long killed = System.nanoTime();
            int refusedAtKill = load.refusals.getOrDefault("broker_unavailable", 0);
            // Every client refused about three times: the outage lasts a few ack timeouts.
            Eventually.await(RESUME_TIMEOUT, "12 requests refused as broker_unavailable after the kills",
                    () -> load.refusals.getOrDefault("broker_unavailable", 0), n -> n >= refusedAtKill + 12);
            KafkaLoad.Answer firstRefusal = load.firstSentAfter(503, killed).orElseThrow();
            assertThat(load.firstSentAfter(202, killed)).as("a 202 for a request sent while two of three brokers "
                    + "were down").isEmpty();

            long restarting = System.nanoTime();
            cluster.restart(controller, other);
            long ready = System.nanoTime();
            KafkaLoad.Answer recovered = Eventually.await(RESUME_TIMEOUT, "a 202 after the restart",
                    () -> load.firstAnsweredAfter(202, restarting), a -> a.isPresent()).orElseThrow();
            awaitMorePosts(load, 20);
            load.stop();
            long settled = assertEveryAcknowledgedIdStoredOnce(load, run.admin(), killed);

            assertThat(load.refusals.keySet()).as("503 reasons").contains("broker_unavailable")
                    .isSubsetOf("broker_unavailable", "awaiting_broker");
            assertThat(load.slowestRefusalMillis.get()).as("the slowest 503, ms").isLessThanOrEqualTo(
                    REFUSAL_BOUND.toMillis());
            assertThat(run.ingest().process().isAlive()).as("the ingest node recovered without a restart").isTrue();
            measure("two_brokers_killed victims=%d(active_controller),%d first_503_after_kill_ms=%d "
                            + "slowest_503_ms=%d refused_503=%s outage_ms=%d recovery_ms=%d (restart to first 202) "
                            + "cluster_ready_ms=%d (restart to every replica in sync) acknowledged=%d "
                            + "settled_after_stop_ms=%d test_ms=%d",
                    controller, other, millis(firstRefusal.answeredNanos() - killed), load.slowestRefusalMillis.get(),
                    load.refusals, millis(restarting - killed), millis(recovered.answeredNanos() - restarting),
                    millis(ready - restarting), load.acknowledged.size(), settled, millis(System.nanoTime() - t0));
            run.health().close();
            run.health().timeline("cluster-health: two_brokers_killed", killed).forEach(System.out::println);
            // The cluster fenced no one (no controller quorum): only asking the leaders finds them gone.
            assertThat(run.health().statusesOf(run.ingest().name(), killed)).as("the ingest node's /health/ready "
                    + "after the kills: not ready while two brokers were down, ready again after their restart")
                    .contains(503).last().isEqualTo(200);
        }
    }

    /**
     * One broker, the group coordinator's (the leader of {@code __consumer_offsets}), dies by {@code kill -9} under
     * load; while it is down, a writer node dies by {@code kill -9} too and a new one starts in its place.
     *
     * <p>Proves: the new writer joins the group (four members with partitions again), stores a share of the events
     * and, with the other, catches up: every acknowledged id is stored exactly once and the group has committed every
     * partition to its end, all with the broker still down. Measures how long the new writer took from its start to
     * the group's four members, and to a first event stored.
     */
    @Test
    void a_writer_restarted_while_a_broker_is_down_rejoins_the_group_and_catches_up() throws Exception {
        long t0 = System.nanoTime();
        try (UnderLoad run = startUnderLoad("writer")) {
            KafkaLoad load = run.load();
            Admin admin = run.admin();

            int victim = cluster.leaderOf("__consumer_offsets", 0);
            cluster.kill9(victim);
            long killed = System.nanoTime();
            KafkaLoad.Answer resumed = awaitAckSentAfter(load, killed, "after the kill of broker " + victim);

            run.writer1().process().kill();
            long writerKilled = System.nanoTime();
            Node w1b = startWriter("writer-1-restarted", 2, 50);
            try (HealthWatch newWriter = HealthWatch.start(List.of(w1b))) {
                awaitHealthy(w1b);
                long writerUp = System.nanoTime();
                awaitGroupMembers(admin, 4);
                long rejoined = System.nanoTime();
                Eventually.await(SETTLE_TIMEOUT, "the new writer stores events", () -> w1b.metric("processed"),
                        n -> n > 0);
                long stored = System.nanoTime();
                awaitMorePosts(load, 20);
                load.stop();
                long settled = assertEveryAcknowledgedIdStoredOnce(load, run.admin(), killed);
                assertThat(cluster.running()).as("the brokers running while the writer caught up")
                        .doesNotContain(victim).hasSize(KafkaCluster.SIZE - 1);
                assertThat(w1b.metric("kafka_consumed")).as("the new writer's records").isPositive();
                assertReplicasReadiness(admin, run.ingest());

                long restarting = System.nanoTime();
                cluster.restart(victim);
                measure("writer_restarted_broker_down victim=%d(group_coordinator) ack_stall_ms=%d "
                                + "first_ack_of_request_sent_after_kill_ms=%d writer_start_to_healthy_ms=%d "
                                + "writer_start_to_group_of_4_ms=%d writer_start_to_first_stored_ms=%d "
                                + "settled_after_stop_ms=%d broker_restart_ms=%d acknowledged=%d test_ms=%d",
                        victim, load.longestAckGapMillis(killed, writerKilled),
                        millis(resumed.answeredNanos() - killed), millis(writerUp - writerKilled),
                        millis(rejoined - writerKilled), millis(stored - writerKilled), settled,
                        millis(System.nanoTime() - restarting), load.acknowledged.size(),
                        millis(System.nanoTime() - t0));
                newWriter.close();
                run.health().close();
                run.health().timeline("cluster-health: writer_restarted_broker_down", killed)
                        .forEach(System.out::println);
                newWriter.timeline("cluster-health: writer_restarted_broker_down", killed)
                        .forEach(System.out::println);
            }
        }
    }

    /**
     * With one broker down every partition has two in-sync replicas: raising the topic's
     * {@code min.insync.replicas} to 3 makes every produce refused, and the ingest node says so ({@code "replicas"}
     * DOWN, not ready); lowering it back to 2 makes it ready again.
     */
    private void assertReplicasReadiness(Admin admin, Node ingest) throws Exception {
        setMinInSync(admin, 3);
        HttpTestClient.Response shortOf = Eventually.await(SETTLE_TIMEOUT, "the ingest node says replicas DOWN",
                () -> ingest.http().get("/health/ready"), r -> r.json().path("replicas").asText().equals("DOWN"));
        assertThat(shortOf.status()).as(shortOf.body()).isEqualTo(503);
        assertThat(shortOf.json().path("replicas_error").asText()).contains("min.insync.replicas=3")
                .contains("(2 of 3)");
        setMinInSync(admin, 2);
        Eventually.await(SETTLE_TIMEOUT, "the ingest node ready again", () -> ingest.http().get("/health/ready"),
                r -> r.status() == 200);
    }

    private void setMinInSync(Admin admin, int n) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(new ConfigEntry(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(n)), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
    }

    /**
     * An ingest node and two writer nodes under load, with an admin client and a watch of the nodes' readiness;
     * closing it stops the load, the watch and the client (the nodes are killed after each test).
     */
    private record UnderLoad(Node ingest, Node writer1, Node writer2, Admin admin, KafkaLoad load,
            HealthWatch health) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            health.close();
            load.close();
            admin.close();
        }
    }

    /**
     * Starts an ingest node ({@link #ACK_TIMEOUT}) and two writer nodes of two consumers each, then four clients
     * posting batches of {@value #BATCH} new ids to the ingest node, 100 ms apart (the even ones post a refused batch
     * again with the same ids until it is acknowledged, the odd ones go on with new ids), and returns once the group
     * has its four members and 500 events are acknowledged.
     */
    private UnderLoad startUnderLoad(String prefix) throws Exception {
        Node ingest = startIngest("ingest", "--kafka-ack-timeout", ACK_TIMEOUT.toSeconds() + "s");
        Node w1 = startWriter("writer-1", 2, 50);
        Node w2 = startWriter("writer-2", 2, 50);
        awaitHealthy(ingest, w1, w2);
        UnderLoad run = new UnderLoad(ingest, w1, w2, admin(), KafkaLoad.start(prefix, List.of(ingest.http()), 4,
                BATCH, Duration.ofMillis(100), 100_000, c -> c % 2 == 0), HealthWatch.start(List.of(ingest, w1, w2)));
        try {
            awaitGroupMembers(run.admin(), 4);
            Eventually.await(SETTLE_TIMEOUT, "500 events acknowledged", () -> run.load().acknowledged.size(),
                    n -> n >= 500);
        } catch (Exception | AssertionError e) {
            run.close();
            throw e;
        }
        return run;
    }

    private static void awaitMorePosts(KafkaLoad load, int posts) throws InterruptedException {
        int now = load.acceptedPosts.get();
        Eventually.await(RESUME_TIMEOUT, posts + " more requests acknowledged", () -> load.acceptedPosts.get(),
                n -> n >= now + posts);
    }

    private static KafkaLoad.Answer awaitAckSentAfter(KafkaLoad load, long t, String what)
            throws InterruptedException {
        return Eventually.await(RESUME_TIMEOUT, "a 202 for a request sent " + what,
                () -> load.firstSentAfter(202, t), a -> a.isPresent()).orElseThrow();
    }

    /**
     * Waits until every acknowledged id is stored and the group has committed every partition to its end, then checks
     * that each is stored once and that nothing stored was not sent. An acknowledged id that is missing fails with
     * every such id and when its 202 came, in ms from {@code zero}.
     *
     * @return how long the wait took, in ms
     */
    private long assertEveryAcknowledgedIdStoredOnce(KafkaLoad load, Admin admin, long zero) throws Exception {
        long from = System.nanoTime();
        try {
            db.awaitStored(load.acknowledged, SETTLE_TIMEOUT);
        } catch (AssertionError e) {
            Set<String> missing = new HashSet<>(load.acknowledged);
            missing.removeAll(db.storedIds());
            Map<Long, List<String>> byAck = new TreeMap<>();
            for (KafkaLoad.Answer a : load.answers(202)) {
                List<String> lost = a.ids().stream().filter(missing::contains).toList();
                if (!lost.isEmpty()) {
                    byAck.put(millis(a.answeredNanos() - zero), lost);
                }
            }
            throw new AssertionError(missing.size() + " acknowledged ids are not stored; by the time of their 202 in "
                    + "ms from the kill: " + byAck, e);
        }
        awaitNoLag(admin);
        long settled = millis(System.nanoTime() - from);
        Set<String> stored = db.storedIds();
        assertThat(stored).as("every acknowledged id").containsAll(load.acknowledged);
        assertThat(load.sent).as("nothing that was not sent").containsAll(stored);
        assertThat(doubled("events", "id")).as("ids stored twice").isEmpty();
        assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).isZero();
        return settled;
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    /** Prints one measurement line, ending with the machine's load average (how busy the figures were made). */
    private static void measure(String format, Object... args) throws IOException {
        Path loadavg = Path.of("/proc/loadavg");
        String load = Files.isReadable(loadavg) ? String.join("/",
                List.of(Files.readString(loadavg).trim().split(" ")).subList(0, 3)) : "unknown";
        System.out.println("cluster-measure: " + String.format(format, args) + " loadavg=" + load);
    }
}
