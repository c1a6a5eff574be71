package io.eventpipeline.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.eventpipeline.Eventually;
import io.eventpipeline.HttpTestClient;
import io.eventpipeline.JarProcess;
import io.eventpipeline.ServiceLogsOnFailure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MQTT source over TLS, as an operator runs it against a broker with a certificate of a private CA: a Mosquitto
 * whose listener speaks TLS only, with a CA and server certificates made by {@code openssl} for this run, and the
 * real jar given the CA in a PKCS12 trust store by the JVM's own flags ({@code -Djavax.net.ssl.trustStore}). The
 * service keeps its events in its embedded H2 and they are read back through the query API.
 */
@NeedsMosquitto
class MqttTlsIT {
    static final String TOPIC = "plant/line-1/reading";
    static final String TRUST_PASSWORD = "trust-it";
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STORE_TIMEOUT = Duration.ofSeconds(60);
    static final Duration NOTICE = Duration.ofSeconds(20);

    /** The CA, the certificates and the trust store, made once for the class. */
    @TempDir
    static Path pki;

    /** The brokers' and the services' files and logs: kept when a test fails. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<JarProcess> services = new ArrayList<>();
    private final List<MosquittoBroker> brokers = new ArrayList<>();

    @RegisterExtension
    final ServiceLogsOnFailure logsOnFailure = new ServiceLogsOnFailure(services, () -> dir);

    /** The test CA, a certificate for 127.0.0.1 and localhost, one for another host name, a trust store with the CA. */
    @BeforeAll
    static void certificates() throws Exception {
        MosquittoBroker.require("the MQTT TLS tests");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
                "-subj", "/CN=Event Pipeline test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        serverCertificate("server", "127.0.0.1", "IP:127.0.0.1,DNS:localhost");
        serverCertificate("other", "broker.example", "DNS:broker.example");
        run(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-importcert", "-noprompt",
                "-alias", "test-ca", "-file", "ca.crt", "-keystore", "trust.p12", "-storetype", "PKCS12",
                "-storepass", TRUST_PASSWORD);
    }

    @AfterEach
    void stop() throws Exception {
        for (JarProcess s : services) {
            s.close();
        }
        for (MosquittoBroker b : brokers) {
            b.close();
        }
    }

    /**
     * {@code ssl://127.0.0.1} with the CA in the JVM's trust store: the service subscribes, and 100 QoS 1 readings a
     * device publishes over TLS are each stored, with their topic.
     */
    @Test
    void ssl_url_with_the_ca_in_the_trust_store_stores_every_reading() throws Exception {
        MosquittoBroker broker = broker("server");
        JarProcess service = startService(broker.url(), trustStore());
        HttpTestClient http = new HttpTestClient(service.port());
        awaitMqtt(http, "UP");

        publishAndAwaitStored(broker.url(), http, "tls", 100);
        MqttSourceScenarios.awaitCounter(http, "mqtt_acknowledged", 100);
    }

    /** {@code mqtts://localhost} is taken as {@code ssl://}, and the host name is checked against its DNS name. */
    @Test
    void mqtts_url_with_a_dns_name_is_ssl() throws Exception {
        MosquittoBroker broker = broker("server");
        String url = "mqtts://localhost:" + broker.port();
        JarProcess service = startService(url, trustStore());
        HttpTestClient http = new HttpTestClient(service.port());
        awaitMqtt(http, "UP");

        publishAndAwaitStored("ssl://localhost:" + broker.port(), http, "dns", 10);
    }

    /**
     * Without the CA in the JVM's trust store the service does not connect: it starts (HTTP ingest works), keeps
     * {@code mqtt} DOWN and retries, and {@code mqtt_error} and the log say that the certificate is not trusted and
     * which flags give the JVM the trust store.
     */
    @Test
    void a_ca_the_jvm_does_not_trust_keeps_mqtt_down_with_an_error_that_names_the_trust_store() throws Exception {
        MosquittoBroker broker = broker("server");
        JarProcess service = startService(broker.url(), List.of());
        HttpTestClient http = new HttpTestClient(service.port());

        JsonNode health = awaitMqtt(http, "DOWN");
        String error = health.get("mqtt_error").asText();
        assertThat(error).startsWith("cannot connect to " + broker.url() + ": the broker's TLS certificate is not "
                + "trusted").contains("-Djavax.net.ssl.trustStore=").doesNotContain("sun.security");
        String line = Eventually.await(NOTICE, "the log has the failed connection", () -> logLine(service),
                l -> !l.isEmpty());
        assertThat(line).contains("is not trusted");
        assertThat(service.isAlive()).isTrue();
    }

    /**
     * A certificate from the trusted CA for another host name ({@code broker.example}, not 127.0.0.1) is refused:
     * Paho checks the host name, so a trusted CA alone does not let any of its certificates stand for the broker.
     */
    @Test
    void a_trusted_certificate_for_another_host_name_is_refused() throws Exception {
        MosquittoBroker broker = broker("other");
        JarProcess service = startService(broker.url(), trustStore());
        HttpTestClient http = new HttpTestClient(service.port());

        JsonNode health = awaitMqtt(http, "DOWN");
        assertThat(health.get("mqtt_error").asText()).startsWith("cannot connect to " + broker.url()
                + ": the broker's TLS certificate was refused").contains("matching IP address 127.0.0.1")
                .contains("subjectAltName");
        assertThat(service.isAlive()).isTrue();
    }

    // ---- helpers

    private MosquittoBroker broker(String certificate) throws IOException, InterruptedException {
        MosquittoBroker broker = MosquittoBroker.startTls(dir.resolve("mosquitto-" + brokers.size()),
                pki.resolve("ca.crt"), pki.resolve(certificate + ".crt"), pki.resolve(certificate + ".key"));
        brokers.add(broker);
        return broker;
    }

    /** The service's first {@code mqtt_connect_failed} line, or "" while it has none. */
    private static String logLine(JarProcess service) throws IOException {
        return service.output().lines().filter(l -> l.contains("event=mqtt_connect_failed")).findFirst().orElse("");
    }

    private static List<String> trustStore() {
        return List.of("-Djavax.net.ssl.trustStore=" + pki.resolve("trust.p12"),
                "-Djavax.net.ssl.trustStorePassword=" + TRUST_PASSWORD);
    }

    private JarProcess startService(String url, List<String> trustStore) throws Exception {
        List<String> jvm = new ArrayList<>(List.of("-Xmx256m"));
        jvm.addAll(trustStore);
        List<String> args = List.of(
                "--data-dir", dir.resolve("data-" + services.size()).toString(),
                "--workers", "2",
                "--shutdown-timeout", "5s",
                "--mqtt-url", url,
                "--mqtt-topics", "plant/+/reading",
                "--mqtt-client-id", "pipeline-tls-" + services.size(),
                "--mqtt-id-field", "id");
        JarProcess service = JarProcess.start(dir.resolve("service-" + services.size() + ".log"), jvm, args);
        services.add(service);
        return service.awaitHealthy(START_TIMEOUT);
    }

    private static JsonNode awaitMqtt(HttpTestClient http, String state) throws InterruptedException {
        // DOWN counts once a connection attempt failed, not before the first.
        return Eventually.await(NOTICE, "/health says mqtt is " + state, () -> http.get("/health").json(),
                h -> state.equals(h.path("mqtt").asText())
                        && (state.equals("UP") || h.path("mqtt_error").asText().startsWith("cannot connect")));
    }

    /** Publishes {@code n} readings over TLS at QoS 1 and waits until the query API answers each with its topic. */
    private static void publishAndAwaitStored(String url, HttpTestClient http, String prefix, int n)
            throws Exception {
        try (MqttPublisher publisher = MqttPublisher.connect(url, "device-" + prefix, publisherSockets())) {
            publisher.publishAll(TOPIC, MqttPublisher.readings(prefix, n));
            assertThat(publisher.acknowledged()).isEqualTo(n);
        }
        for (int i = 0; i < n; i++) {
            String id = MqttPublisher.id(prefix, i);
            HttpTestClient.Response stored = Eventually.await(STORE_TIMEOUT, "GET /events/" + id + " answers 200",
                    () -> http.get("/events/" + id), r -> r.status() == 200);
            assertThat(stored.json().get("data").get("mqtt_topic").asText()).isEqualTo(TOPIC);
            assertThat(stored.json().get("data").get("seq").asInt()).isEqualTo(i);
        }
    }

    /** TLS sockets that trust the test CA, for the device's Paho client (which has no JVM flags of its own). */
    private static SSLSocketFactory publisherSockets() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.resolve("trust.p12"))) {
            trusted.load(in, TRUST_PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        return tls.getSocketFactory();
    }

    /** A key and a certificate signed by the test CA, {@code <name>.key} and {@code <name>.crt}. */
    private static void serverCertificate(String name, String commonName, String subjectAltName) throws Exception {
        Files.writeString(pki.resolve(name + ".ext"),
                "subjectAltName=" + subjectAltName + "\nextendedKeyUsage=serverAuth\n");
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", "/CN=" + commonName);
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext");
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        run(command.toArray(String[]::new));
    }

    /** Runs a command in {@link #pki}; fails with its output unless it exits with 0 within a minute. */
    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
    }
}
