package io.eventpipeline.kafka;

import io.eventpipeline.errors.Messages;
import io.eventpipeline.lifecycle.PeriodicCheck;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.LoggerFactory;

/**
 * Checks every interval, with an admin client of its own, that the brokers answer and that every partition of the
 * topic has a leader (so a produce can be acknowledged and a fetch served), so that /health tells the truth about
 * the broker even while no event arrives: a node taken out of a load balancer's rotation for a broker outage is
 * put back once the broker is, without needing traffic to find out. Logs {@code broker_down} and {@code broker_up}.
 */
public final class BrokerProbe extends PeriodicCheck {
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Admin admin;
    private final String topic;

    /**
     * @param settings the admin client's settings ({@link KafkaSettings#admin}), each call bounded to 2 s
     * @param topic    the topic whose partitions must have a leader
     * @param interval the pause between two checks
     */
    public BrokerProbe(KafkaSettings settings, String topic, Duration interval) {
        super("broker", interval, true, LoggerFactory.getLogger(BrokerProbe.class));
        this.admin = Admin.create(settings.admin(CHECK_TIMEOUT));
        this.topic = topic;
    }

    @Override
    protected String probe() throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                .get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
        List<Integer> leaderless = d.partitions().stream().filter(p -> p.leader() == null || p.leader().isEmpty())
                .map(TopicPartitionInfo::partition).toList();
        return leaderless.isEmpty() ? null : "partitions of " + topic + " without a leader: " + leaderless;
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
