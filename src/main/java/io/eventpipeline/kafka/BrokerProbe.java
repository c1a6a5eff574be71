package io.eventpipeline.kafka;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.lifecycle.PeriodicCheck;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every interval, with an admin client of its own, that the brokers answer and that every partition of the
 * topic has a leader that answers (so a produce can be acknowledged and a fetch served), so that /health tells the truth about
 * the broker even while no event arrives: a node taken out of a load balancer's rotation for a broker outage is
 * put back once the broker is, without needing traffic to find out. Logs {@code broker_down} and {@code broker_up}.
 *
 * <p>For a node that ingests, each check also compares every partition's in-sync replicas with the topic's
 * {@code min.insync.replicas} (its own setting, or the brokers' default): below it, the brokers refuse every produce
 * with acks=all (NOT_ENOUGH_REPLICAS) and the producer retries until its {@code delivery.timeout.ms}, so each
 * request would wait out {@code --kafka-ack-timeout} for a 503. {@link #replicasShort()} says so at once, from the
 * same metadata the leader check reads, and one more admin request a check.
 */
public final class BrokerProbe extends PeriodicCheck {
    private static final Logger log = LoggerFactory.getLogger(BrokerProbe.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Admin admin;
    private final String topic;
    private final boolean checkReplicas;
    /** Why the last check that reached the brokers found too few in-sync replicas, or null. */
    private volatile String replicasShort;
    private boolean unchecked;
    /** Checks in a row that found a partition whose leader does not answer; the probe's thread only. */
    private int silentChecks;

    /**
     * @param settings the admin client's settings ({@link KafkaSettings#admin}), each call bounded to 2 s
     * @param topic    the topic whose partitions must have a leader
     * @param interval the pause between two checks
     * @param checkReplicas whether to compare in-sync replicas with {@code min.insync.replicas}: on a node that
     *                 ingests, for {@link #replicasShort()}
     */
    public BrokerProbe(KafkaSettings settings, String topic, Duration interval, boolean checkReplicas) {
        super("broker", interval, true, log);
        this.admin = Admin.create(settings.admin(CHECK_TIMEOUT));
        this.topic = topic;
        this.checkReplicas = checkReplicas;
    }

    @Override
    protected String probe() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        KafkaFuture<Config> config = checkReplicas
                ? admin.describeConfigs(List.of(resource)).values().get(resource) : null;
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        List<Integer> leaderless = d.partitions().stream().filter(p -> p.leader() == null || p.leader().isEmpty())
                .map(TopicPartitionInfo::partition).toList();
        if (config != null) {
            checkReplicas(d, config);
        }
        if (!leaderless.isEmpty()) {
            return "partitions of " + topic + " without a leader: " + leaderless;
        }
        if (!checkReplicas) {
            return null; // a writer's readiness is its group's: a silent leader holds up some of its partitions only
        }
        List<Integer> silent = silentLeaders(d);
        silentChecks = silent.isEmpty() ? 0 : silentChecks + 1;
        // Twice in a row: one slow answer from a loaded leader does not take the node out of rotation.
        return silentChecks < 2 ? null : "partitions of " + topic + " whose leader does not answer: " + silent;
    }

    /**
     * The partitions whose leader does not answer a ListOffsets request within the check's time, on a node that
     * ingests. The metadata alone cannot tell: a cluster that has lost its controller quorum (two of three nodes
     * down) fences no one, so its metadata keeps naming the dead brokers as leaders and in-sync replicas while every
     * produce times out. Asking each leader is what finds them; one request per leader, a check.
     */
    private List<Integer> silentLeaders(TopicDescription d) throws InterruptedException {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (TopicPartitionInfo p : d.partitions()) {
            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
        }
        ListOffsetsResult answers = admin.listOffsets(latest,
                new ListOffsetsOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis()));
        long deadline = System.nanoTime() + CHECK_TIMEOUT.toNanos() + 500_000_000L;
        List<Integer> silent = new ArrayList<>();
        for (TopicPartition tp : latest.keySet()) {
            try {
                answers.partitionResult(tp).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException | TimeoutException e) {
                silent.add(tp.partition());
            }
        }
        silent.sort(null);
        return silent;
    }

    /**
     * Sets {@link #replicasShort()} from the topic's metadata and its {@code min.insync.replicas}, logging a change
     * ({@code broker_replicas_short}, {@code broker_replicas_ok}). A topic configuration the brokers do not describe
     * (no DescribeConfigs permission) leaves the replicas unchecked, logged once, rather than the broker down.
     */
    private void checkReplicas(TopicDescription d, KafkaFuture<Config> config) throws InterruptedException {
        String now;
        try {
            ConfigEntry min = config.get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
            now = min == null || min.value() == null ? null : replicasShort(d, Integer.parseInt(min.value()));
        } catch (TimeoutException e) {
            return; // no answer this time (a broker is away): what the last answer said stands
        } catch (ExecutionException | NumberFormatException e) {
            if (!(e.getCause() instanceof AuthorizationException) && !(e instanceof NumberFormatException)) {
                return; // a broker that failed to answer, not a refusal: what the last answer said stands
            }
            if (!unchecked) {
                log.warn("event=broker_replicas_unchecked topic={} error=\"{}\" note=\"the in-sync replicas are "
                        + "not compared with min.insync.replicas\"", topic, Messages.rootMessage(e));
                unchecked = true;
            }
            now = null;
        }
        if ((now == null) != (replicasShort == null)) {
            if (now == null) {
                log.info("event=broker_replicas_ok topic={}", topic);
            } else {
                log.warn("event=broker_replicas_short error=\"{}\"", now);
            }
        }
        replicasShort = now;
    }

    /**
     * Why a produce with acks=all to {@code d} is refused now, or null when every partition has enough in-sync
     * replicas. The broker compares a partition's in-sync replicas with {@code min.insync.replicas} capped at the
     * partition's replica count ({@code Partition.effectiveMinIsr} in Kafka's broker): a topic of fewer replicas than
     * the setting is not refused for that alone.
     */
    static String replicasShort(TopicDescription d, int minInSync) {
        List<String> shortOf = d.partitions().stream()
                .filter(p -> p.isr().size() < Math.min(minInSync, p.replicas().size()))
                .map(p -> p.partition() + " (" + p.isr().size() + " of " + p.replicas().size() + ")").toList();
        return shortOf.isEmpty() ? null : "partitions of " + d.name() + " with fewer in-sync replicas than its "
                + "min.insync.replicas=" + minInSync + ", so that every produce with acks=all is refused: "
                + String.join(", ", shortOf);
    }

    /**
     * Why the brokers would refuse a produce with acks=all (a partition with fewer in-sync replicas than
     * {@code min.insync.replicas}), as of the last check that reached them, or null when they would not or the
     * probe does not compare ({@code checkReplicas} false). Read by /health on any thread.
     */
    public String replicasShort() {
        return replicasShort;
    }

    @Override
    protected String reason(Exception e) {
        return e instanceof TimeoutException ? "no answer from the brokers within " + CHECK_TIMEOUT.toMillis() + " ms"
                : Messages.rootMessage(e);
    }

    /** Stops checking, waiting up to 3 s for a check in progress, then closes the admin client. */
    @Override
    public void close() throws InterruptedException {
        close(CHECK_TIMEOUT.plusSeconds(1));
        admin.close(Duration.ZERO);
    }
}
