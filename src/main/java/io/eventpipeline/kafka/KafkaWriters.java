package io.eventpipeline.kafka;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.event.Event;
import io.eventpipeline.event.EventCodec;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.BatchWriter;
import io.eventpipeline.pipeline.Envelope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writers of a node with {@code --queue kafka}: {@code consumers} members of one consumer group (KIP-848
 * protocol), each on its own thread, each polling a batch of records from its partitions, storing it through
 * {@link BatchWriter} (one idempotent multi-row INSERT; a database outage retried for as long as it lasts, a poison
 * event dead-lettered once, by id, however often it is delivered) and only then committing the batch's offsets.
 * A crash between the database commit and the offset commit delivers the batch again: its events are counted as
 * duplicates and stored once.
 *
 * <p>While a batch is being stored its partitions are paused and the consumer keeps polling between attempts, so
 * that a long outage does not cost it its membership. If a rebalance takes a partition of that batch away, the
 * batch is abandoned before the partition is given up (between two attempts, never during one): two writers never
 * store the same batch at once, and the partition's next owner starts from the last committed offset.
 */
public final class KafkaWriters {
    private static final Logger log = LoggerFactory.getLogger(KafkaWriters.class);
    private static final Duration POLL = Duration.ofMillis(100);
    /** How long a commit of offsets may take before the batch is left to be delivered again. */
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    private final List<Member> members = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Metrics metrics;
    private final String group;
    private volatile boolean stopping;
    /** {@link System#nanoTime()} after which a batch being stored is abandoned; set by {@link #stop}. */
    private volatile long abandonAfterNanos = Long.MAX_VALUE;

    /**
     * Creates the consumers (a bad setting fails here, at start, not in their threads).
     *
     * @param settings  the consumers' settings ({@link KafkaSettings#consumer()}), each given its own client id
     * @param topic     the topic they subscribe to
     * @param consumers how many members of the group this node runs, each on its own thread
     * @param metrics   where records, commits, revocations and abandoned batches are counted
     * @param writerFor the batch writer of one consumer, given the wait between its attempts
     * @throws KafkaException when a consumer cannot be created from {@code settings}
     */
    public KafkaWriters(KafkaSettings settings, String topic, int consumers, Metrics metrics,
            Function<BatchWriter.RetryWait, BatchWriter> writerFor) {
        this.metrics = metrics;
        this.group = settings.group();
        try {
            for (int i = 0; i < consumers; i++) {
                Properties p = settings.consumer();
                p.put(ConsumerConfig.CLIENT_ID_CONFIG, p.getProperty(ConsumerConfig.CLIENT_ID_CONFIG) + "-" + i);
                Member m = new Member(i, new KafkaConsumer<>(p), topic);
                m.writer = writerFor.apply(m::awaitPolling);
                members.add(m);
            }
        } catch (RuntimeException e) {
            members.forEach(m -> m.consumer.close(CloseOptions.timeout(Duration.ZERO)));
            throw e;
        }
    }

    /** Starts one daemon thread per consumer, which subscribes and polls until {@link #stop}; call once. */
    public void start() {
        for (Member m : members) {
            // Daemons: one stuck in a database call past the stop must not keep the process up.
            threads.add(Thread.ofPlatform().name("kafka-writer-" + m.index).daemon().start(m::run));
        }
    }

    /**
     * Stops within about {@code timeout}: each consumer finishes its batch and commits it if it can by then, or
     * abandons it uncommitted (its records go to the partitions' next owner, or to this node's next start), then
     * leaves the group so that its partitions move at once.
     */
    public void stop(Duration timeout) throws InterruptedException {
        if (stopping) {
            return; // the drain stopped them; a failed start's unwinding calls again
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        // Three quarters for the batch, the rest to leave the group.
        abandonAfterNanos = System.nanoTime() + timeout.toNanos() * 3 / 4;
        stopping = true;
        members.forEach(m -> m.consumer.wakeup());
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                t.join(Duration.ofNanos(left));
            }
        }
        for (Thread t : threads) {
            if (t.isAlive()) {
                t.interrupt(); // a store still in a database call: abandoned uncommitted
            }
        }
        for (Thread t : threads) {
            t.join(Duration.ofMillis(500));
            if (t.isAlive()) {
                log.warn("event=kafka_writer_still_running thread={} note=\"its batch is uncommitted and is "
                        + "delivered again\"", t.getName());
            }
        }
    }

    /** Consumers whose threads are running: fewer than started means some failed (logged) and their partitions
     * went to the others. */
    public int running() {
        return (int) threads.stream().filter(Thread::isAlive).count();
    }

    /** Consumers started. */
    public int consumers() {
        return members.size();
    }

    /**
     * Why this node counts as having lost its consumer group, or null while it has not: a running consumer has been
     * out of the group (not joined yet, or fenced: its session expired or its heartbeats failed, and its partitions
     * lost) for longer than {@code bound}. A member without partitions (more consumers than partitions) is in the
     * group all the same. Read by /health, on any thread.
     *
     * @param bound how long a consumer may take to join or to join again, such as a rebalance after a restart
     */
    public String groupLost(Duration bound) {
        long now = System.nanoTime();
        for (int i = 0; i < members.size(); i++) {
            long since = members.get(i).outOfGroupSince;
            if (since != 0 && now - since > bound.toNanos() && i < threads.size() && threads.get(i).isAlive()) {
                return "consumer " + i + " has been out of the consumer group " + group + " for "
                        + Duration.ofNanos(now - since).toSeconds() + " s (not joined, or fenced and not joined "
                        + "again); see the log's kafka_partitions_lost";
            }
        }
        return null;
    }

    /** One consumer of the group and the batch it is storing. */
    private final class Member implements ConsumerRebalanceListener {
        final int index;
        final Consumer<byte[], byte[]> consumer;
        final String topic;
        BatchWriter writer;
        /** The partitions of the batch being stored, or null between batches. Only the member's thread uses it. */
        Set<TopicPartition> inFlight;
        boolean inFlightRevoked;
        /** The position could not be rewound after a batch that was not stored: leave and join again. */
        boolean rejoin;
        /** The partitions whose lag this member has set in {@link Metrics#kafkaLag}. */
        final Set<TopicPartition> lagged = new HashSet<>();
        /** {@link System#nanoTime()} since which the member holds no member epoch, or 0 while it is in the group. */
        volatile long outOfGroupSince = System.nanoTime();
        /**
         * The member epoch the client still reported when it lost its partitions (fenced, session expired), or -1.
         * The client keeps reporting that last epoch after a fence, so only a different one means it joined again.
         */
        private int lostEpoch = -1;

        Member(int index, Consumer<byte[], byte[]> consumer, String topic) {
            this.index = index;
            this.consumer = consumer;
            this.topic = topic;
        }

        void run() {
            try {
                consumer.subscribe(List.of(topic), this);
            } catch (RuntimeException e) {
                log.error("event=kafka_writer_failed consumer={} error=\"{}\"", index, Messages.rootMessage(e), e);
                consumer.close(CloseOptions.timeout(Duration.ZERO));
                return;
            }
            try {
                int failures = 0;
                while (!stopping && !Thread.currentThread().isInterrupted()) {
                    try {
                        if (rejoin) {
                            consumer.unsubscribe();
                            consumer.subscribe(List.of(topic), this);
                            rejoin = false;
                        }
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                        noteMembership();
                        if (!records.isEmpty()) {
                            store(records);
                        } else {
                            recordLag(Map.of());
                        }
                        failures = 0;
                    } catch (WakeupException e) {
                        // the stop: the loop's condition ends it
                    } catch (InterruptException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (RuntimeException e) {
                        // Kafka retries what passes by itself; what reaches here (authorisation, a fenced member,
                        // a bug) is logged and tried again, slower each time, rather than ending the writer; the
                        // batch it was storing was rewound, so nothing later is committed past it.
                        failures++;
                        log.error("event=kafka_writer_error consumer={} attempt={} error=\"{}\"", index, failures,
                                Messages.rootMessage(e), e);
                        sleepBeforeRetry(failures);
                    }
                }
            } finally {
                forgetLag(List.copyOf(lagged));
                // An interrupt (a stop past its time) would fail the close before it leaves the group: clear it,
                // so that the partitions move at once rather than after the session timeout.
                boolean interrupted = Thread.interrupted();
                try {
                    consumer.close(CloseOptions.timeout(Duration.ofSeconds(interrupted ? 1 : 5)));
                } catch (RuntimeException e) {
                    log.warn("event=kafka_consumer_close_failed consumer={} error=\"{}\"", index,
                            Messages.rootMessage(e));
                }
            }
        }

        /** Waits before the loop tries again, in slices, so that a stop does not wait the backoff out. */
        private void sleepBeforeRetry(int failures) {
            long end = System.nanoTime() + Math.min(30_000L, 500L << Math.min(failures, 6)) * 1_000_000L;
            try {
                while (!stopping && System.nanoTime() < end) {
                    Thread.sleep(POLL.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the stop, past its time: the loop ends
            }
        }

        private void store(ConsumerRecords<byte[], byte[]> records) {
            metrics.kafkaConsumed.add(records.count());
            metrics.kafkaBatchSize.record(records.count());
            Map<TopicPartition, Long> first = new HashMap<>();
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            List<Envelope> batch = new ArrayList<>(records.count());
            long nowNanos = System.nanoTime();
            long nowMillis = System.currentTimeMillis();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                first.putIfAbsent(tp, r.offset());
                next.put(tp, new OffsetAndMetadata(r.offset() + 1));
                // Accepted when the ingest node produced it: the record's timestamp, on that node's clock.
                long ageNanos = Math.max(0, nowMillis - r.timestamp()) * 1_000_000L;
                batch.add(new Envelope(decode(r), -1, nowNanos - ageNanos));
            }
            recordLag(first);
            inFlight = new HashSet<>(first.keySet());
            inFlightRevoked = false;
            boolean stored = false;
            try {
                writer.store(batch);
                stored = true;
            } catch (InterruptedException e) {
                metrics.kafkaBatchesAbandoned.increment();
                log.info("event=kafka_batch_abandoned consumer={} records={} reason={}", index, batch.size(),
                        e.getMessage());
                return;
            } finally {
                inFlight = null;
                if (!stored) {
                    // Abandoned, or failed on an error from the client while it waited: the position is past the
                    // batch, so read it again from its first offsets, where this member still owns the partition,
                    // before anything later is committed.
                    rewind(first);
                }
                consumer.resume(consumer.paused());
            }
            commit(next);
            recordLag(Map.of());
        }

        /**
         * Sets the lag of each partition this member owns and has fetched from: the client's lag (the log end offset
         * of its last fetch minus its position) plus, for a partition of the batch being stored, the records between
         * the batch's first offset and the position, which are fetched but not yet committed.
         *
         * @param uncommitted the first offset of each partition of the batch being stored, or none between batches
         */
        private void recordLag(Map<TopicPartition, Long> uncommitted) {
            for (TopicPartition tp : consumer.assignment()) {
                java.util.OptionalLong lag = consumer.currentLag(tp);
                if (lag.isPresent()) {
                    Long from = uncommitted.get(tp);
                    long pending = from == null ? 0 : Math.max(0, consumer.position(tp) - from);
                    metrics.kafkaLag.set(index, tp.partition(), lag.getAsLong() + pending);
                    lagged.add(tp);
                }
            }
        }

        private void forgetLag(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                metrics.kafkaLag.remove(index, tp.partition());
            }
            lagged.removeAll(partitions);
        }

        /**
         * Reads whether the member is in the group now (the client holds a member epoch, which it loses when it is
         * fenced, its session expired, or before it has joined) and notes since when it is not.
         */
        private void noteMembership() {
            int epoch = consumer.groupMetadata().generationId();
            if (epoch > 0 && epoch != lostEpoch) {
                outOfGroupSince = 0;
                lostEpoch = -1;
            } else if (outOfGroupSince == 0) {
                outOfGroupSince = System.nanoTime();
            }
        }

        /**
         * Moves each partition this member still owns back to {@code first}. If the client refuses even that, the
         * member leaves the group and joins again before its next poll: its partitions then start from the
         * committed offsets, which never pass a batch that was not stored.
         */
        private void rewind(Map<TopicPartition, Long> first) {
            try {
                Set<TopicPartition> owned = consumer.assignment();
                first.forEach((tp, offset) -> {
                    if (owned.contains(tp)) {
                        consumer.seek(tp, offset);
                    }
                });
            } catch (RuntimeException e) {
                log.warn("event=kafka_rewind_failed consumer={} error=\"{}\" note=\"rejoining the group, to read "
                        + "from the committed offsets\"", index, Messages.rootMessage(e));
                rejoin = true;
            }
        }

        /** Commits the offsets of the partitions still owned; a refusal leaves the records to be delivered again. */
        private void commit(Map<TopicPartition, OffsetAndMetadata> next) {
            next.keySet().retainAll(consumer.assignment());
            if (next.isEmpty()) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                consumer.commitSync(next, COMMIT_TIMEOUT);
                metrics.kafkaCommitLatency.record(System.nanoTime() - t0);
                metrics.kafkaOffsetCommits.increment();
            } catch (WakeupException e) {
                commit(next); // the stop's wakeup: the batch is stored, so its offsets are worth the commit
            } catch (KafkaException e) {
                metrics.kafkaCommitLatency.record(System.nanoTime() - t0);
                metrics.kafkaOffsetCommitsFailed.increment();
                log.warn("event=kafka_commit_failed consumer={} partitions={} error=\"{}\" note=\"stored; the "
                        + "records are delivered again and counted as duplicates\"", index, next.size(),
                        Messages.rootMessage(e));
            }
        }

        /**
         * The wait between two attempts to store: the batch's partitions are paused and the consumer polls, which
         * keeps its membership and runs the rebalance callbacks. Ends the store (InterruptedException) when a
         * partition of the batch was revoked, or the stop's time for the batch is up.
         */
        void awaitPolling(long millis) throws InterruptedException {
            long end = System.nanoTime() + millis * 1_000_000L;
            consumer.pause(consumer.assignment());
            while (true) {
                checkAbandon();
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofNanos(Math.min(left, POLL.toNanos())));
                } catch (WakeupException e) {
                    continue; // the stop: checked above
                } catch (InterruptException e) {
                    throw new InterruptedException("interrupted while storing");
                }
                // Paused, it returns nothing, but for a partition assigned in that very poll: read it later.
                for (TopicPartition tp : records.partitions()) {
                    consumer.seek(tp, records.records(tp).getFirst().offset());
                }
            }
        }

        private void checkAbandon() throws InterruptedException {
            if (inFlightRevoked) {
                throw new InterruptedException("partitions_revoked");
            }
            if (stopping && System.nanoTime() - abandonAfterNanos > 0) {
                throw new InterruptedException("stopping");
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted");
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            given(partitions, "revoked");
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (outOfGroupSince == 0) {
                outOfGroupSince = System.nanoTime(); // fenced: out of the group until it has joined again
            }
            lostEpoch = consumer.groupMetadata().generationId();
            given(partitions, "lost");
        }

        private void given(Collection<TopicPartition> partitions, String how) {
            if (partitions.isEmpty()) {
                return;
            }
            metrics.kafkaPartitionsRevoked.add(partitions.size());
            forgetLag(partitions);
            log.info("event=kafka_partitions_{} consumer={} partitions={}", how, index, names(partitions));
            if (inFlight != null && !Collections.disjoint(inFlight, partitions)) {
                inFlightRevoked = true; // abandoned before the poll that runs this callback returns
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            metrics.kafkaPartitionsAssigned.add(partitions.size());
            log.info("event=kafka_partitions_assigned consumer={} partitions={}", index, names(partitions));
            if (inFlight != null) {
                consumer.pause(partitions); // read once the batch in flight is done
            }
        }
    }

    private static String names(Collection<TopicPartition> partitions) {
        List<String> out = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            out.add(tp.topic() + "-" + tp.partition());
        }
        Collections.sort(out);
        return String.join(",", out);
    }

    /**
     * The event a record holds, or, for a record this version cannot read (written by something else, or damaged),
     * an event refused with that reason, whose id names the record ({@link #undecodableId}): it goes to the dead letter
     * once however often it is delivered, with the record's bytes in base64.
     */
    static Event decode(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() != null) {
            try {
                return EventCodec.decode(r.value());
            } catch (IOException | RuntimeException e) {
                return undecodable(r, "not an event record of this version: " + e.getMessage());
            }
        }
        return undecodable(r, "a record without a value");
    }

    private static Event undecodable(ConsumerRecord<byte[], byte[]> r, String reason) {
        String value = r.value() == null ? "null" : "\"" + Base64.getEncoder().encodeToString(r.value()) + "\"";
        String data = "{\"topic\":\"" + r.topic() + "\",\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
                + ",\"value_base64\":" + value + "}";
        return Event.refused(undecodableId(r.topic(), r.partition(), r.offset()), "kafka.undecodable", "kafka",
                data.getBytes(StandardCharsets.UTF_8), Instant.now(), reason);
    }

    /**
     * {@code kafka:<topic hash>:<partition>:<offset>}: one id per record of a topic, however often it is delivered,
     * and another topic's record at the same offset gets another (8 hex digits of the topic's SHA-256; the topic
     * name itself may be longer than an id). A topic deleted and created again under the same name numbers its
     * offsets from 0 again: an undecodable record there that meets an earlier one's id is counted as a duplicate
     * and logged ({@code dead_letter_known}), not kept a second time.
     */
    static String undecodableId(String topic, int partition, long offset) {
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(
                    topic.getBytes(StandardCharsets.UTF_8));
            return "kafka:" + java.util.HexFormat.of().formatHex(h, 0, 4) + ":" + partition + ":" + offset;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
