package io.eventpipeline.kafka;

import io.eventpipeline.errors.Messages;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks every interval, with an admin client of its own, that the brokers answer and that every partition of the
 * topic has a leader (so a produce can be acknowledged and a fetch served), so that /health tells the truth about
 * the broker even while no event arrives: a node taken out of a load balancer's rotation for a broker outage is
 * put back once the broker is, without needing traffic to find out.
 */
public final class BrokerProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerProbe.class);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Admin admin;
    private final String topic;
    private final Duration interval;
    private volatile boolean up = true;
    private volatile String lastError = "";
    private volatile boolean running = true;
    private Thread thread;

    /** @param interval the pause between two checks */
    public BrokerProbe(KafkaSettings settings, String topic, Duration interval) {
        this.admin = Admin.create(settings.admin(CHECK_TIMEOUT));
        this.topic = topic;
        this.interval = interval;
    }

    public void start() {
        check();
        thread = Thread.ofPlatform().daemon().name("broker-probe").start(this::loop);
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            check();
        }
    }

    void check() {
        boolean ok;
        String error = "";
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            List<Integer> leaderless = d.partitions().stream().filter(p -> p.leader() == null || p.leader().isEmpty())
                    .map(TopicPartitionInfo::partition).toList();
            ok = leaderless.isEmpty();
            if (!ok) {
                error = "partitions without a leader: " + leaderless;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            ok = false;
            error = e instanceof java.util.concurrent.TimeoutException
                    ? "no answer from the brokers within " + CHECK_TIMEOUT.toMillis() + " ms"
                    : Messages.rootMessage(e);
        }
        if (ok != up) {
            if (ok) {
                log.info("event=broker_up topic={}", topic);
            } else {
                log.warn("event=broker_down topic={} error=\"{}\"", topic, error);
            }
        }
        lastError = error;
        up = ok;
    }

    /** Whether the last check found the brokers answering and every partition of the topic led. */
    public boolean up() {
        return up;
    }

    /** Why the last check failed, or empty. */
    public String lastError() {
        return lastError;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.interrupt();
            thread.join(CHECK_TIMEOUT.plusSeconds(1));
        }
        admin.close(Duration.ZERO);
    }
}
