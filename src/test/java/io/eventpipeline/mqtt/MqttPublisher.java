package io.eventpipeline.mqtt;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A device's side, for the tests: a real Paho client of its own (its own client id, a clean session, memory
 * persistence) that publishes at QoS 1 and counts a message as published only once the broker's PUBACK arrived.
 * Up to {@link #MAX_INFLIGHT} messages are awaiting their PUBACK at once. Thread-safe: a test may publish from a
 * background thread while it kills the service.
 */
public final class MqttPublisher implements AutoCloseable {
    /** PUBLISH packets awaiting their PUBACK at once (Paho's default of 10 would make the publisher the bottleneck). */
    public static final int MAX_INFLIGHT = 500;
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final MqttAsyncClient client;
    private final Semaphore window = new Semaphore(MAX_INFLIGHT);
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private MqttPublisher(MqttAsyncClient client) {
        this.client = client;
    }

    /**
     * Connects to {@code brokerUrl} as {@code clientId} with a clean session.
     *
     * @throws MqttException when the broker cannot be reached or refuses the connection
     */
    public static MqttPublisher connect(String brokerUrl, String clientId) throws MqttException {
        return connect(brokerUrl, clientId, null);
    }

    /**
     * As {@link #connect(String, String)}, with the sockets of {@code socketFactory} (for {@code ssl://}, an
     * {@link javax.net.ssl.SSLSocketFactory} that trusts the broker's CA; Paho still checks the host name), or
     * Paho's default when it is null.
     */
    public static MqttPublisher connect(String brokerUrl, String clientId, SocketFactory socketFactory)
            throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setSocketFactory(socketFactory);
        options.setCleanSession(true);
        options.setMaxInflight(MAX_INFLIGHT);
        options.setAutomaticReconnect(false);
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        client.connect(options).waitForCompletion(TIMEOUT.toMillis());
        return new MqttPublisher(client);
    }

    /**
     * The JSON payloads of {@code n} unique readings: {@code {"id":"<prefix>-<i>","seq":i,"reading":…}}, i from 0.
     * The ids pass the event id rule.
     */
    public static List<String> readings(String prefix, int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add("{\"id\":\"" + id(prefix, i) + "\",\"seq\":" + i + ",\"reading\":" + (20.0 + (i % 100) / 10.0)
                    + ",\"unit\":\"C\"}");
        }
        return out;
    }

    /** The id of the reading {@code i} of {@link #readings}. */
    public static String id(String prefix, int i) {
        return prefix + "-" + i;
    }

    /**
     * Publishes each payload at QoS 1 on {@code topic}, in order, and waits until the broker acknowledged every one.
     *
     * @throws AssertionError when a PUBACK does not arrive within {@link #TIMEOUT}, or a publish failed
     */
    public void publishAll(String topic, List<String> jsonPayloads) throws MqttException, InterruptedException {
        List<byte[]> bytes = new ArrayList<>(jsonPayloads.size());
        jsonPayloads.forEach(p -> bytes.add(p.getBytes(StandardCharsets.UTF_8)));
        publishBytes(topic, bytes);
    }

    /** As {@link #publishAll}, for payloads of any bytes. */
    public void publishBytes(String topic, List<byte[]> payloads) throws MqttException, InterruptedException {
        for (byte[] payload : payloads) {
            if (!window.tryAcquire(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no PUBACK for " + TIMEOUT + " with " + MAX_INFLIGHT + " messages waiting");
            }
            MqttMessage message = new MqttMessage(payload);
            message.setQos(1);
            try {
                client.publish(topic, message, null, new IMqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        acknowledged.incrementAndGet();
                        window.release();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable e) {
                        failure.compareAndSet(null, e);
                        window.release();
                    }
                });
            } catch (MqttException e) {
                window.release();
                throw e;
            }
            Throwable failed = failure.get();
            if (failed != null) {
                throw new AssertionError("a publish failed", failed);
            }
        }
        if (!window.tryAcquire(MAX_INFLIGHT, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the last PUBACKs did not arrive within " + TIMEOUT);
        }
        window.release(MAX_INFLIGHT);
        Throwable failed = failure.get();
        if (failed != null) {
            throw new AssertionError("a publish failed", failed);
        }
    }

    /** Messages the broker acknowledged so far. */
    public long acknowledged() {
        return acknowledged.get();
    }

    @Override
    public void close() throws MqttException {
        try {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(TimeUnit.SECONDS.toMillis(5));
            }
        } finally {
            client.close();
        }
    }
}
