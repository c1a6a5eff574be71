package io.eventpipeline.kafka;

import io.eventpipeline.config.Units;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.utils.Utils;

/** The topic, checked at start: the brokers answer, and the topic exists or is created. */
public final class KafkaTopic {
    private KafkaTopic() {
    }

    /**
     * Waits up to {@code wait} for a broker to accept a connection, and as long again for its answers; creates the
     * topic with {@code partitions} partitions and the brokers' default replication factor if it is missing
     * (another node creating it at the same time is fine).
     *
     * @return the topic's partition count
     * @throws StartupException when the brokers do not answer within {@code wait}, or refuse (authorisation, a
     *                          replication factor the cluster cannot meet), with the reason
     */
    public static int ensure(KafkaSettings settings, String topic, int partitions, Duration wait)
            throws StartupException {
        try {
            awaitListener(settings.bootstrap(), wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while waiting for the Kafka brokers");
        }
        try (Admin admin = Admin.create(settings.admin(wait))) {
            try {
                return describe(admin, topic).partitions().size();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            try {
                admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                        .all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            return describe(admin, topic).partitions().size();
        } catch (ExecutionException | KafkaException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new StartupException("cannot use the Kafka topic " + topic + " (--kafka-topic) at "
                    + settings.bootstrap() + " (--kafka-bootstrap): " + Messages.rootMessage(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StartupException("interrupted while checking the Kafka topic " + topic);
        }
    }

    /**
     * Waits until one of the bootstrap addresses accepts a TCP connection, before any Kafka client exists: brokers
     * that are not there end the start with a line that says so (the admin client says "Timed out waiting for a
     * node assignment"), and names that do not resolve end it at once without the client's warning per name. An
     * entry that is not host:port is left to the admin client to refuse.
     *
     * @throws StartupException when no name resolves, or no address accepts a connection within {@code wait}
     */
    private static void awaitListener(String bootstrap, Duration wait) throws StartupException, InterruptedException {
        List<InetSocketAddress> addresses = new ArrayList<>();
        String unknown = null;
        for (String url : bootstrap.split(",")) {
            String host = Utils.getHost(url.strip());
            Integer port = Utils.getPort(url.strip());
            if (host == null || port == null) {
                return;
            }
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    addresses.add(new InetSocketAddress(address, port));
                }
            } catch (UnknownHostException e) {
                unknown = host;
            }
        }
        if (addresses.isEmpty()) {
            throw new StartupException("cannot reach the Kafka brokers at " + bootstrap + " (--kafka-bootstrap): "
                    + "unknown host " + unknown);
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            for (InetSocketAddress address : addresses) {
                try (Socket socket = new Socket()) {
                    socket.connect(address, 1000);
                    return;
                } catch (IOException e) {
                    // not this one, not now
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new StartupException("cannot reach the Kafka brokers at " + bootstrap + " (--kafka-bootstrap): "
                        + "none accepted a connection within " + Units.formatDuration(wait));
            }
            Thread.sleep(200);
        }
    }

    private static TopicDescription describe(Admin admin, String topic)
            throws ExecutionException, InterruptedException {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
    }
}
