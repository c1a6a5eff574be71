package io.eventpipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Ingest nodes and writer nodes of the Kafka queue mode as separate processes (the real jar) on one broker, one
 * topic, one consumer group and one MariaDB database: what a client was acknowledged is stored once, whichever node
 * took it, however often it was sent, and whichever writer stored it, through retries, a writer killed with
 * {@code kill -9}, and writers joining and leaving the group. Every outcome is read from the tables {@code events}
 * and {@code events_dead_letter}, the nodes' /metrics and the group's offsets on the broker.
 */
class KafkaClusterIT extends KafkaClusterSupport {
    /** Every id that starts with "poison-" is refused by the database for good: it goes to the dead letter. */
    static final String POISON_TRIGGER = "CREATE TRIGGER poison BEFORE INSERT ON events FOR EACH ROW BEGIN "
            + "IF NEW.id LIKE 'poison-%' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison event'; END IF; END";

    /**
     * Two ingest nodes ({@code --role ingest}, no database) and three writer nodes ({@code --role writer}, two group
     * members each). Clients post batches with explicit ids and send every request twice, once to each ingest node:
     * a third of them to both at once, the others one node after the other, as a client retrying through a load
     * balancer does. So each id is in the topic twice (keyed by id, both copies in one partition). One batch in four
     * carries an id the database refuses for good.
     *
     * <p>Proves: every acknowledged id is in {@code events} exactly once, or, for the refused ones, in the dead letter
     * exactly once; nothing else is stored; the writers settled every record they were given (new rows + duplicates +
     * dead-lettered &ge; events the ingest nodes accepted) and counted each id once as new (or failed); the group has
     * committed every partition to its end.
     */
    @Test
    void ids_retried_through_both_ingest_nodes_are_stored_once_by_three_writer_nodes() throws Exception {
        long t0 = System.nanoTime();
        Node a = startIngest("ingest-a");
        Node b = startIngest("ingest-b");
        List<Node> writers = List.of(startWriter("writer-1", 2, 100), startWriter("writer-2", 2, 100),
                startWriter("writer-3", 2, 100));
        awaitHealthy(a, b);
        awaitHealthy(writers.toArray(Node[]::new));
        db.execute("DROP TRIGGER IF EXISTS poison");
        db.execute(POISON_TRIGGER); // the writers created the tables at start
        try (Admin admin = admin()) {
            awaitGroupMembers(admin, 6);
            long started = System.nanoTime();

            int batches = 60;
            int perBatch = 50;
            List<List<String>> requests = new ArrayList<>();
            Set<String> good = new HashSet<>();
            Set<String> poison = new HashSet<>();
            for (int r = 0; r < batches; r++) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < perBatch; i++) {
                    boolean bad = r % 4 == 0 && i == (r * 7) % perBatch;
                    String id = (bad ? "poison-" : "good-") + r + "-" + i;
                    ids.add(id);
                    (bad ? poison : good).add(id);
                }
                requests.add(ids);
            }

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
            AtomicInteger posts = new AtomicInteger();
            try (ExecutorService clients = Executors.newFixedThreadPool(4);
                    ExecutorService second = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> done = new ArrayList<>();
                for (int r = 0; r < batches; r++) {
                    List<String> ids = requests.get(r);
                    String body = KafkaLoad.body(ids);
                    int mode = r % 3;
                    done.add(clients.submit(() -> {
                        if (mode == 0) { // both at once
                            Future<?> other = second.submit(() ->
                                    postTo(b.http(), body, ids, acknowledged, unexpected, posts));
                            postTo(a.http(), body, ids, acknowledged, unexpected, posts);
                            other.get();
                        } else {
                            List<HttpTestClient> order = mode == 1 ? List.of(a.http(), b.http())
                                    : List.of(b.http(), a.http());
                            for (HttpTestClient node : order) {
                                postTo(node, body, ids, acknowledged, unexpected, posts);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get();
                }
            }
            long posted = System.nanoTime();
            assertThat(unexpected).as("answers other than 202").isEmpty();
            assertThat(posts.get()).isEqualTo(2 * batches);
            Set<String> all = new HashSet<>(good);
            all.addAll(poison);
            assertThat(acknowledged).isEqualTo(all);

            long accepted = a.metric("accepted") + b.metric("accepted");
            assertThat(accepted).as("each ingest node accepted each event once").isEqualTo(2L * all.size());
            assertThat(a.metric("kafka_produced") + b.metric("kafka_produced")).isEqualTo(accepted);
            db.awaitStored(good, SETTLE_TIMEOUT);
            Eventually.await(SETTLE_TIMEOUT, "the writers settled every accepted event (" + accepted + ")",
                    () -> settled(writers), s -> s >= accepted);
            awaitNoLag(admin);
            long settledAt = System.nanoTime();

            assertThat(db.storedIds()).as("exactly the acknowledged ids the database takes").isEqualTo(good);
            assertThat(doubled("events", "id")).isEmpty();
            assertThat(db.strings("SELECT event_id FROM events_dead_letter")).as("one dead-letter row per refused id")
                    .hasSize(poison.size()).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(poison);
            long processed = sum(writers, "processed");
            long duplicates = sum(writers, "duplicates");
            long failed = sum(writers, "failed");
            assertThat(processed).as("new rows over the writers").isEqualTo(good.size());
            assertThat(failed).as("dead-lettered over the writers").isEqualTo(poison.size());
            assertThat(processed + duplicates + failed).as("settled >= accepted").isGreaterThanOrEqualTo(accepted);
            for (Node w : writers) {
                assertThat(w.metric("kafka_consumed")).as(w.name() + " read a share of the records").isPositive();
            }
            System.out.printf("kafka 2 ingest x 3 writers: %d ids posted twice (%d poison) in %s, settled %s later; "
                            + "processed=%d duplicates=%d failed=%d; nodes ready after %s; test %s%n",
                    all.size(), poison.size(), ms(posted - started), ms(settledAt - posted), processed, duplicates,
                    failed, ms(started - t0), ms(System.nanoTime() - t0));
        } finally {
            db.execute("DROP TRIGGER IF EXISTS poison");
        }
    }

    private static Void postTo(HttpTestClient node, String body, List<String> ids, Set<String> acknowledged,
            ConcurrentLinkedQueue<String> unexpected, AtomicInteger posts) throws Exception {
        HttpTestClient.Response r = node.post("/events/batch", body);
        posts.incrementAndGet();
        if (r.status() == 202) {
            acknowledged.addAll(ids);
        } else {
            unexpected.add(r.status() + " " + r.body());
        }
        return null;
    }

    /**
     * A writer dies by {@code kill -9} between storing a batch and committing its offsets: the batch's records are
     * delivered again to the partitions' next owner. Two phases, each proving one half.
     *
     * <p>Phase 1, a real {@code kill -9} under continuous load: one of two writer nodes is killed while clients keep
     * posting, and a new writer node takes its place. Where the kill lands (inside a database transaction, between
     * the database commit and the offset commit, or while polling) is up to chance; whatever it was, every
     * acknowledged id is stored exactly once and nothing is missing once the group has committed every partition to
     * its end. This proves no loss and no doubling; it does not prove that the window was hit.
     *
     * <p>Phase 2 makes the window certain: the state that such a crash leaves behind is a group whose committed
     * offsets are behind what the database holds. With every writer stopped (the group empty), the group's offsets
     * are moved back with the admin client to half of each partition's end, exactly that state, and a new writer
     * node starts. It is delivered every record after those offsets again, all already stored: it must count each of
     * them as a duplicate ({@code duplicates} equals the number of redelivered records, {@code processed} is 0), and
     * the tables must not change.
     */
    @Test
    void a_writer_killed_between_its_database_commit_and_its_offset_commit_loses_nothing_and_doubles_nothing()
            throws Exception {
        long t0 = System.nanoTime();
        Node ingest = startIngest("ingest");
        Node w1 = startWriter("writer-1", 2, 50);
        Node w2 = startWriter("writer-2", 2, 50);
        awaitHealthy(ingest, w1, w2);
        try (Admin admin = admin();
                KafkaLoad load = KafkaLoad.start("crash", List.of(ingest.http()), 2, 10, Duration.ofMillis(50), 1000,
                        c -> true)) {
            awaitGroupMembers(admin, 4);
            Eventually.await(SETTLE_TIMEOUT, "writer-1 has stored 200 events", () -> w1.metric("processed"),
                    n -> n >= 200);
            long processedBeforeKill = w1.metric("processed");
            w1.process().kill();
            long killed = System.nanoTime();
            int ackedAtKill = load.acknowledged.size();
            Node w1b = startWriter("writer-1-restarted", 2, 50);
            awaitHealthy(w1b);
            int ackedAtRestart = load.acknowledged.size();
            Eventually.await(SETTLE_TIMEOUT, "300 more events acknowledged after the restart",
                    () -> load.acknowledged.size(), n -> n >= ackedAtRestart + 300);
            long phase1 = stopAndCheckStoredOnce(load, admin);
            long survivorsDuplicates = w2.metric("duplicates") + w1b.metric("duplicates");

            // Phase 2: the group's offsets behind what the database holds, as a crash in that window leaves them.
            w2.process().terminate();
            w1b.process().terminate();
            assertThat(w2.process().awaitExit(Duration.ofSeconds(60))).as("writer-2's exit code").isZero();
            assertThat(w1b.process().awaitExit(Duration.ofSeconds(60))).as("writer-1-restarted's exit code").isZero();
            Eventually.await(SETTLE_TIMEOUT, "the group is empty", () -> groupMembers(admin) == 0);
            Map<TopicPartition, Long> end = logEndOffsets(admin);
            assertThat(committedOffsets(admin)).as("committed up to the end at the writers' stop").isEqualTo(end);
            Map<TopicPartition, OffsetAndMetadata> rewound = new HashMap<>();
            long redelivered = 0;
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                long back = e.getValue() / 2;
                rewound.put(e.getKey(), new OffsetAndMetadata(back));
                redelivered += e.getValue() - back;
            }
            assertThat(redelivered).isPositive();
            get(admin.alterConsumerGroupOffsets(group, rewound).all());
            assertThat(lag(admin).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(redelivered);
            long rows = db.countEvents();

            Node w3 = startWriter("writer-3", 1, 50);
            awaitHealthy(w3);
            long expected = redelivered;
            Eventually.await(SETTLE_TIMEOUT, "writer-3 settled the " + expected + " redelivered records",
                    () -> settled(List.of(w3)), s -> s >= expected);
            awaitNoLag(admin);
            assertThat(w3.metric("duplicates")).as("redelivered records counted as duplicates").isEqualTo(expected);
            assertThat(w3.metric("processed")).as("new rows from redelivered records").isZero();
            assertThat(w3.metric("failed")).isZero();
            assertThat(db.countEvents()).isEqualTo(rows);
            assertThat(db.storedIds()).isEqualTo(load.acknowledged);
            assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).isZero();
            System.out.printf("kafka writer kill -9: writer-1 killed after %d rows, %d of %d acknowledged by then; "
                            + "the survivors counted %d duplicates; settled %s after the kill; offsets rewound by %d "
                            + "records, all counted as duplicates; test %s%n", processedBeforeKill, ackedAtKill,
                    load.acknowledged.size(), survivorsDuplicates, ms(phase1 - killed), expected,
                    ms(System.nanoTime() - t0));
        }
    }

    /**
     * A third writer node joins the group while clients post, and then one of the first two leaves it (SIGTERM):
     * the group rebalances twice under load. Proves: the leaving node exits cleanly (0), the joining one takes a
     * share, the lag returns to 0 (the group's committed offsets reach every partition's log end offset, read with
     * the admin client), and every acknowledged id is stored exactly once, nothing missing, nothing else.
     */
    @Test
    void a_writer_that_joins_and_one_that_leaves_mid_stream_leave_no_lag_and_each_event_once() throws Exception {
        long t0 = System.nanoTime();
        Node ingest = startIngest("ingest");
        Node w1 = startWriter("writer-1", 2, 50);
        Node w2 = startWriter("writer-2", 2, 50);
        awaitHealthy(ingest, w1, w2);
        try (Admin admin = admin();
                KafkaLoad load = KafkaLoad.start("rebalance", List.of(ingest.http()), 2, 10, Duration.ofMillis(50),
                        1000, c -> true)) {
            awaitGroupMembers(admin, 4);
            Eventually.await(SETTLE_TIMEOUT, "300 events stored", () -> db.countEvents(), n -> n >= 300);

            Node w3 = startWriter("writer-3", 2, 50);
            awaitHealthy(w3);
            awaitGroupMembers(admin, 6);
            long joined = System.nanoTime();
            Eventually.await(SETTLE_TIMEOUT, "writer-3 reads records", () -> w3.metric("kafka_consumed"),
                    n -> n > 0);

            w1.process().terminate();
            assertThat(w1.process().awaitExit(Duration.ofSeconds(60))).as("writer-1's exit code").isZero();
            long left = System.nanoTime();
            awaitGroupMembers(admin, 4);
            int ackedAtLeave = load.acknowledged.size();
            Eventually.await(SETTLE_TIMEOUT, "300 more events acknowledged after the leave",
                    () -> load.acknowledged.size(), n -> n >= ackedAtLeave + 300);
            long settledAt = stopAndCheckStoredOnce(load, admin);
            assertThat(w1.process().output()).contains("event=kafka_writers_stopped");
            System.out.printf("kafka writers join and leave: %d events; writer-3 joined after %s, writer-1 left in "
                            + "%s; lag 0 %s after the leave; duplicates writer-2=%d writer-3=%d; test %s%n",
                    load.acknowledged.size(), ms(joined - t0), ms(left - joined), ms(settledAt - left),
                    w2.metric("duplicates"), w3.metric("duplicates"), ms(System.nanoTime() - t0));
        }
    }

    /**
     * Stops the load, then checks what every scenario here ends with: no 503, every request acknowledged, each
     * acknowledged id stored exactly once and nothing else, no lag, nothing dead-lettered.
     *
     * @return {@link System#nanoTime()} once the group had no lag
     */
    private long stopAndCheckStoredOnce(KafkaLoad load, Admin admin) throws Exception {
        load.stop();
        assertThat(load.refusals).as("503s").isEmpty();
        assertThat(load.acknowledged).isEqualTo(load.sent);
        db.awaitStored(load.acknowledged, SETTLE_TIMEOUT);
        awaitNoLag(admin);
        long settled = System.nanoTime();
        assertThat(db.storedIds()).as("every acknowledged id, nothing else").isEqualTo(load.acknowledged);
        assertThat(doubled("events", "id")).isEmpty();
        assertThat(db.count("SELECT COUNT(*) FROM events_dead_letter")).isZero();
        return settled;
    }
}
