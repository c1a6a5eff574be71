package io.eventpipeline.mqtt;

import io.eventpipeline.config.MqttConfig;
import io.eventpipeline.errors.Messages;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.event.Event;
import io.eventpipeline.metrics.Metrics;
import io.eventpipeline.pipeline.Backoff;
import io.eventpipeline.pipeline.Ingest;
import io.eventpipeline.source.mqtt.MqttMapping;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MQTT source: one MQTT 3.1.1 client (Eclipse Paho) subscribed at QoS 1 with a persistent session (clean
 * session off), so that the broker keeps what is published while the service is away. Each message becomes an
 * event by {@link MqttMapping} and goes through the same {@link Ingest} as an HTTP request's; its PUBACK is sent
 * only once the ingest took it (written to the journal, or acknowledged by Kafka), so a crash, a full queue or a
 * database outage leaves it with the broker, which delivers it again.
 *
 * <p>Paho's callback thread maps each message and hands it to one ingest thread, which takes up to
 * {@code --batch-size} of them at a time to the ingest and acknowledges them in the order they arrived (MQTT 3.1.1
 * section 4.6). While the ingest refuses (a full queue, an unwritable journal, an unreachable Kafka broker), the
 * thread retries the same messages with backoff and acknowledges nothing: the broker stops sending once its
 * in-flight window for this client is full (Mosquitto's {@code max_inflight_messages}) and queues the rest, and if
 * it sends more, the hand-off (at most {@value #HANDOFF} messages and a byte bound) fills and Paho stops reading the
 * socket.
 *
 * <p>A lost connection is made again with capped exponential backoff and jitter ({@link #RECONNECT}). What was
 * delivered on the lost connection and not acknowledged is delivered again on the next one (MQTT 3.1.1 section
 * 4.4), so the messages of the lost connection still waiting in the hand-off are dropped here, and those already
 * accepted are not acknowledged: with {@code --mqtt-id-field} the second copy is stored once, without it twice.
 */
public final class MqttSource implements MqttCallback {
    private static final Logger log = LoggerFactory.getLogger(MqttSource.class);

    /** Messages held between Paho's callback thread and the ingest thread. */
    static final int HANDOFF = 1000;
    /** The pauses between connection attempts: 0.5 s doubling to 30 s, each with jitter. */
    static final Backoff RECONNECT = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30));
    /** The pauses while the ingest refuses the messages in hand: 100 ms doubling to 5 s, with jitter. */
    static final Backoff REFUSED = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    /** How long a connection attempt may take: the start waits for the first one. */
    static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** MQTT keep-alive: the broker drops the connection after 1.5 times this without a packet, in seconds. */
    static final int KEEP_ALIVE_SECONDS = 30;
    /** A connection shorter than this counts as a failed attempt for the backoff. */
    static final Duration SHORT_CONNECTION = Duration.ofSeconds(5);
    /** The longest a stop waits for the acknowledgements in hand to be sent before it disconnects. */
    static final Duration QUIESCE = Duration.ofSeconds(1);

    /** A message taken from the broker, with the connection it came on. */
    private record Delivery(Event event, int messageId, int qos, long connection, int kib) {
    }

    private final MqttConfig config;
    private final MqttMapping mapping;
    private final Ingest ingest;
    private final Metrics metrics;
    private final int batchSize;
    private final MqttClient client;
    private final MqttConnectOptions options;
    private final BlockingQueue<Delivery> handoff = new ArrayBlockingQueue<>(HANDOFF);
    /** The hand-off's byte bound, in KiB: each message takes its size from it until the ingest thread takes it. */
    private final Semaphore handoffRoom;
    private final int handoffPermits;
    /**
     * Moves on before each connection attempt and at each loss: a delivery is acknowledged only while it is the
     * same as when the message arrived.
     */
    private final AtomicLong connection = new AtomicLong();
    /** Connections made, for the reconnect count and the log. */
    private final AtomicLong connects = new AtomicLong();
    /** Wakes the connector when the connection is lost or the source stops. */
    private final Object signal = new Object();

    private volatile boolean connected;
    private volatile boolean subscribed;
    private volatile String lastError = "not connected yet";
    private volatile boolean stopping;
    /** The ingest thread ended on an unexpected error: nothing more is taken until a restart. */
    private volatile boolean ingestFailed;
    private Thread connector;
    private Thread ingestThread;

    /**
     * @param batchSize    the most messages handed to the ingest at once (--batch-size)
     * @param handoffBytes the most bytes of events held between Paho's thread and the ingest thread (their
     *                     {@link Event#sizeBytes()}); at least one event of the largest size must fit
     * @throws StartupException when Paho refuses the URL or the client identifier
     */
    public MqttSource(MqttConfig config, MqttMapping mapping, Ingest ingest, Metrics metrics, int batchSize,
            long handoffBytes) throws StartupException {
        this.config = config;
        this.mapping = mapping;
        this.ingest = ingest;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.handoffPermits = (int) Math.min(Integer.MAX_VALUE, Math.max(1, handoffBytes / 1024));
        this.handoffRoom = new Semaphore(handoffPermits);
        try {
            this.client = new MqttClient(config.url(), config.clientId(), new MemoryPersistence());
        } catch (MqttException | IllegalArgumentException e) {
            throw StartupException.badValue("cannot create the MQTT client for " + config.url() + " (--mqtt-url, "
                    + "--mqtt-client-id): " + Messages.rootMessage(e));
        }
        client.setManualAcks(true);
        client.setCallback(this);
        client.setTimeToWait(TimeUnit.SECONDS.toMillis(CONNECT_TIMEOUT_SECONDS));
        options = new MqttConnectOptions();
        options.setCleanSession(false);
        options.setAutomaticReconnect(false); // ours has jitter, and drops what the lost connection left
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setConnectionTimeout(CONNECT_TIMEOUT_SECONDS);
        options.setKeepAliveInterval(KEEP_ALIVE_SECONDS);
        if (config.username() != null) {
            options.setUserName(config.username());
        }
        if (config.password() != null) {
            options.setPassword(config.password().toCharArray());
        }
    }

    /**
     * Makes the first connection, then keeps one in the background. A broker that cannot be reached does not stop
     * the start (the broker keeps the session's messages until the service connects); one that refuses the
     * credentials or the client identifier does.
     *
     * @throws StartupException when the broker refuses the connection for a reason no retry can fix
     */
    public void start() throws StartupException {
        // First: a persistent session's messages arrive as soon as the broker accepts the connection, before the
        // CONNACK's token completes on Paho's callback thread, which must not wait for an ingest not yet running.
        ingestThread = Thread.ofPlatform().daemon().name("mqtt-ingest").start(this::ingestLoop);
        long failures = 0;
        try {
            connect();
        } catch (MqttException e) {
            if (refusedForGood(e)) {
                stopping = true; // ends the ingest thread
                throw new StartupException("the MQTT broker " + config.url() + " refused the connection: "
                        + describe(e) + " (--mqtt-username, --mqtt-password or PIPELINE_MQTT_PASSWORD, "
                        + "--mqtt-client-id)");
            }
            failed(e, 1);
            failures = 1;
        }
        long first = failures;
        connector = Thread.ofPlatform().daemon().name("mqtt-connect").start(() -> keepConnected(first));
    }

    /** Whether the client is connected, every topic filter subscribed, and the ingest thread taking messages. */
    public boolean up() {
        return connected && subscribed && !ingestFailed && client.isConnected();
    }

    /** Why {@link #up()} is false, or empty. */
    public String lastError() {
        return up() ? "" : lastError;
    }

    /**
     * Stops taking messages: the ingest thread finishes the messages in hand (accepted and acknowledged, or left to
     * the broker), then the client disconnects, leaving the session with the broker. Whatever was delivered and
     * not acknowledged is delivered again at the next start.
     */
    public void stop(Duration allowed) throws InterruptedException {
        stopping = true;
        synchronized (signal) {
            signal.notifyAll();
        }
        long deadline = System.nanoTime() + allowed.toNanos();
        if (ingestThread != null) {
            ingestThread.join(Math.max(1, allowed.toMillis()));
        }
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        try {
            if (client.isConnected()) {
                // Bounded: Paho's plain disconnect waits for the DISCONNECT to be sent without a limit.
                client.disconnectForcibly(Math.max(0, Math.min(left, QUIESCE.toMillis())), 1000);
            }
        } catch (MqttException e) {
            try {
                client.disconnectForcibly(0, 100);
            } catch (MqttException ignored) {
                // already down: the broker keeps the session either way
            }
        }
        try {
            client.close();
        } catch (MqttException e) {
            log.debug("event=mqtt_close_failed error=\"{}\"", describe(e));
        }
        if (connector != null) {
            // At most a second: an attempt in progress can take the connection timeout, and the thread is a daemon.
            connector.join(Math.max(1, Math.min(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
        }
        log.info("event=mqtt_stopped client_id={}", config.clientId());
    }

    /** One connection and its subscriptions; what the broker still holds for the session arrives from here on. */
    private void connect() throws MqttException {
        // Before the CONNECT: what the broker sends once it is made belongs to this connection.
        connection.incrementAndGet();
        IMqttToken token;
        try {
            token = client.connectWithResult(options);
            subscribe();
        } catch (MqttException e) {
            if (client.isConnected()) {
                try {
                    client.disconnectForcibly(0, 100);
                } catch (MqttException ignored) {
                    // closing a half-made connection: the next attempt starts afresh
                }
            }
            throw e;
        }
        if (stopping) {
            client.disconnectForcibly(0, 100); // made while the stop closed the client
            return;
        }
        long n = connects.incrementAndGet();
        if (n > 1) {
            metrics.mqttReconnects.increment();
        }
        boolean sessionPresent = token.getSessionPresent();
        // Logged before /health can say UP, as a failed attempt is logged before /health shows its error.
        log.info("event=mqtt_connected url={} client_id={} topic_filters=\"{}\" session_present={} connection={}",
                config.url(), config.clientId(), String.join(",", config.topics()), sessionPresent, n);
        connected = true;
        if (n > 1 && !sessionPresent) {
            log.warn("event=mqtt_session_lost client_id={} note=\"the broker kept no session for this client: what "
                    + "was published while the service was away is not delivered (broker restarted without "
                    + "persistence, or the session expired)\"", config.clientId());
        }
    }

    /** Subscribes to every filter at QoS 1; a filter the broker refuses is logged and makes {@link #up()} false. */
    private void subscribe() throws MqttException {
        String[] filters = config.topics().toArray(String[]::new);
        int[] qos = new int[filters.length];
        Arrays.fill(qos, 1);
        IMqttToken subscription = client.subscribeWithResponse(filters, qos);
        int[] granted = subscription.getGrantedQos();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < filters.length; i++) {
            // 0x80: the broker refused the filter (MQTT 3.1.1, 3.9.3); 0: it grants at most QoS 0.
            if (i >= granted.length || granted[i] == 0x80) {
                refused.add(filters[i]);
            } else if (granted[i] == 0) {
                log.warn("event=mqtt_qos0_granted topic_filter=\"{}\" note=\"the broker grants QoS 0 only: its "
                        + "messages are not redelivered after a crash\"", filters[i]);
            }
        }
        if (!refused.isEmpty()) {
            subscribed = false;
            lastError = "the broker refused the subscription to " + refused + " (its access control?)";
            log.error("event=mqtt_subscribe_refused topic_filters=\"{}\" note=\"no messages from these; check the "
                    + "broker's ACL\"", String.join(",", refused));
        } else {
            subscribed = true;
        }
    }

    /** The connector's loop: waits for a loss, then connects again with backoff until it works or the stop. */
    private void keepConnected(long failuresSoFar) {
        long failures = failuresSoFar;
        while (!stopping) {
            if (!connected) {
                if (failures > 0 && !pause(RECONNECT.delayMillis((int) Math.min(failures, 30)))) {
                    return;
                }
                try {
                    connect();
                } catch (MqttException e) {
                    failures++;
                    failed(e, failures);
                    continue;
                }
            }
            long connectedAt = System.nanoTime();
            synchronized (signal) {
                // Rechecked each second: a loss Paho reported before the connection was marked made is seen too.
                while (connected && client.isConnected() && !stopping) {
                    try {
                        signal.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            // The connection is gone: what it delivered and is still in hand is never acknowledged.
            connection.incrementAndGet();
            connected = false;
            subscribed = false;
            if (stopping) {
                return;
            }
            // A connection that ended within seconds counts as a failed attempt, so that two clients taking the
            // session from each other (one client identifier, two instances) do not reconnect in a tight loop.
            if (System.nanoTime() - connectedAt < SHORT_CONNECTION.toNanos()) {
                failures++;
                if (failures == 3) {
                    log.warn("event=mqtt_connections_short client_id={} note=\"connections end within {} s: is "
                            + "another client connected with the same --mqtt-client-id? The broker closes the older "
                            + "one\"", config.clientId(), SHORT_CONNECTION.toSeconds());
                }
            } else {
                failures = 0;
                // The first attempt after a loss at once (jittered a little), then backoff.
                if (!pause(RECONNECT.delayMillis(1) / 5)) {
                    return;
                }
            }
        }
    }

    private void failed(MqttException e, long failures) {
        connected = false;
        subscribed = false;
        // Every attempt at first, then every tenth: a broker down for an hour does not fill the log. Logged before
        // /health shows the error, so that an operator who sees it there finds the line in the log too.
        if (failures <= 3 || failures % 10 == 0) {
            log.warn("event=mqtt_connect_failed url={} attempt={} error=\"{}\" note=\"retrying with backoff\"",
                    config.url(), failures, describe(e));
        }
        lastError = "cannot connect to " + config.url() + ": " + describe(e);
    }

    /** Waits {@code ms} unless the source stops first; false when it did. */
    private boolean pause(long ms) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (signal) {
            while (!stopping) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return true;
                }
                try {
                    signal.wait(left);
                } catch (InterruptedException e) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Paho: the connection ended without a DISCONNECT of ours. Paho marks the client disconnected before it calls
     * this, so the connector may already be making the next connection: this only says why and wakes the connector,
     * which moves {@link #connection} on before it connects again (what the lost connection left in hand is then
     * never acknowledged).
     */
    @Override
    public void connectionLost(Throwable cause) {
        lastError = "connection lost: " + Messages.rootMessage(cause);
        log.warn("event=mqtt_connection_lost url={} error=\"{}\" note=\"reconnecting; what was not acknowledged is "
                + "delivered again\"", config.url(), Messages.rootMessage(cause));
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    /**
     * Paho's callback thread: maps the message and hands it to the ingest thread, waiting while the hand-off is
     * full. Never throws (Paho would close the connection): a message that is no event is one for the dead letter.
     */
    @Override
    public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
        metrics.mqttReceived.increment();
        if (message.isDuplicate()) {
            metrics.mqttRedelivered.increment();
        }
        long on = connection.get();
        Event event = mapping.toEvent(topic, message.getPayload(), Instant.now().truncatedTo(ChronoUnit.MILLIS));
        // Never more than the whole bound, so that no message can wait for room that never comes.
        Delivery d = new Delivery(event, message.getId(), message.getQos(), on,
                Math.min(kib(event), handoffPermits));
        while (!handoffRoom.tryAcquire(d.kib(), 100, TimeUnit.MILLISECONDS)) {
            if (givenUp(on)) {
                return; // not acknowledged: delivered again
            }
        }
        while (!handoff.offer(d, 100, TimeUnit.MILLISECONDS)) {
            if (givenUp(on)) {
                handoffRoom.release(d.kib());
                return;
            }
        }
    }

    /**
     * Whether a message waiting for room in the hand-off is given up (the broker delivers it again): the stop, or a
     * connection that is ending, since Paho's disconnect waits for this callback.
     */
    private boolean givenUp(long on) {
        return stopping || connection.get() != on || !client.isConnected();
    }

    /** What an event holds of the hand-off's byte bound, in KiB rounded up. */
    private static int kib(Event e) {
        return (int) Math.min(Integer.MAX_VALUE, (e.sizeBytes() + 1023) / 1024);
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
        // the source publishes nothing
    }

    /** The ingest thread: batches from the hand-off, accepted whole, then acknowledged in order. */
    private void ingestLoop() {
        List<Delivery> batch = new ArrayList<>(batchSize);
        try {
            while (!stopping) {
                Delivery first = handoff.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                handoff.drainTo(batch, batchSize - 1);
                int taken = 0;
                for (Delivery d : batch) {
                    taken += d.kib();
                }
                handoffRoom.release(taken);
                deliver(batch);
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("event=mqtt_ingest_failed error=\"{}\" note=\"no more messages are taken; the broker keeps "
                    + "them\"", Messages.rootMessage(e), e);
            lastError = "the ingest thread failed: " + Messages.rootMessage(e);
            ingestFailed = true;
        }
    }

    private void deliver(List<Delivery> batch) throws InterruptedException {
        long on = connection.get();
        batch.removeIf(d -> d.connection() != on); // delivered again on the current connection
        if (batch.isEmpty()) {
            return;
        }
        List<Event> events = new ArrayList<>(batch.size());
        for (Delivery d : batch) {
            events.add(d.event());
        }
        int attempt = 0;
        while (true) {
            try {
                ingest.accept(events);
                break;
            } catch (Ingest.RefusedException e) {
                if (e.refusal() == Ingest.Refusal.DRAINING || stopping) {
                    return; // not acknowledged: the broker delivers them after the restart
                }
                attempt++;
                long wait = REFUSED.delayMillis(attempt);
                if (attempt == 1 || attempt % 20 == 0) {
                    log.warn("event=mqtt_ingest_refused messages={} reason={} attempt={} retry_in_ms={} note=\"not "
                            + "acknowledged to the broker, which holds the rest\"", events.size(),
                            e.refusal().name().toLowerCase(java.util.Locale.ROOT), attempt, wait);
                }
                if (!pause(wait) || connection.get() != on) {
                    return; // stopping, or the connection was lost: delivered again
                }
            }
        }
        for (Delivery d : batch) {
            if (d.event().refusal() != null) {
                metrics.mqttDeadLettered.increment();
            }
            if (d.qos() == 0 || connection.get() != d.connection()) {
                continue; // nothing to acknowledge, or the connection is gone (then it is delivered again)
            }
            try {
                client.messageArrivedComplete(d.messageId(), d.qos());
                metrics.mqttAcknowledged.increment();
            } catch (MqttException e) {
                log.debug("event=mqtt_ack_failed message_id={} error=\"{}\"", d.messageId(), describe(e));
            }
        }
    }

    /** Refusals of the CONNECT no retry fixes: credentials, authorisation, the client identifier, the protocol. */
    private static boolean refusedForGood(MqttException e) {
        int code = e.getReasonCode();
        return code == MqttException.REASON_CODE_FAILED_AUTHENTICATION
                || code == MqttException.REASON_CODE_NOT_AUTHORIZED
                || code == MqttException.REASON_CODE_INVALID_CLIENT_ID
                || code == MqttException.REASON_CODE_INVALID_PROTOCOL_VERSION;
    }

    private static String describe(MqttException e) {
        String certificate = certificateProblem(e);
        if (certificate != null) {
            return certificate;
        }
        String cause = e.getCause() == null ? "" : ": " + Messages.rootMessage(e.getCause());
        return (e.getMessage() == null ? "reason " + e.getReasonCode() : e.getMessage()) + cause;
    }

    /**
     * A broker's certificate that the TLS handshake refused, said with what to do about it, or null for any other
     * failure: the JDK's own words name neither the trust store nor the flags that set it.
     */
    static String certificateProblem(Throwable e) {
        CertificateException refused = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertPathBuilderException) {
                return "the broker's TLS certificate is not trusted: the JVM's trust store holds no CA that signed "
                        + "it (" + Messages.innermostMessage(t) + "); give the JVM a trust store that holds the CA, "
                        + "-Djavax.net.ssl.trustStore=<file> -Djavax.net.ssl.trustStorePassword=<password>";
            }
            if (refused == null && t instanceof CertificateException c) {
                refused = c;
            }
        }
        if (refused == null) {
            return null;
        }
        return "the broker's TLS certificate was refused: " + Messages.innermostMessage(refused) + " (it must be "
                + "valid now and name the host of --mqtt-url in its subjectAltName)";
    }
}
