package io.eventpipeline.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The MQTT source's settings, validated once: present only with {@code --mqtt-url}.
 *
 * @param url       the broker, as Paho takes it: {@code tcp://host:port} or {@code ssl://host:port} (the port
 *                  defaults to 1883 and 8883; {@code mqtt://} and {@code mqtts://} are taken as their synonyms)
 * @param topics    the topic filters subscribed to, at QoS 1; {@code +} and {@code #} as MQTT 3.1.1 section 4.7
 *                  defines them
 * @param clientId  the client identifier: the broker keeps the session (subscriptions, unacknowledged and queued
 *                  messages) under it while the service is away, so it must stay the same across restarts and
 *                  differ between instances
 * @param username  null to connect without one
 * @param password  null without one
 * @param idField   a top-level member of the payload whose value is the event id, or null: every message then gets
 *                  a new id, and a message the broker delivers twice is stored twice
 * @param required  whether /health/ready answers 503 while the subscription is down
 */
public record MqttConfig(String url, List<String> topics, String clientId, String username, String password,
        String idField, boolean required) {

    /** MQTT 3.1.1 section 1.5.3: a UTF-8 string is at most 65,535 bytes, a client identifier included. */
    static final int MAX_STRING_BYTES = 65_535;

    public MqttConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(clientId, "clientId");
        url = normalUrl(url);
        require(topics != null && !topics.isEmpty(), "--mqtt-url needs --mqtt-topics: the topic filters to "
                + "subscribe to, comma-separated (e.g. sensors/#)");
        topics = List.copyOf(topics);
        for (String filter : topics) {
            String problem = filterProblem(filter);
            require(problem == null, "--mqtt-topics: the topic filter '" + filter + "' " + problem);
        }
        require(topics.size() == topics.stream().distinct().count(), "--mqtt-topics names a topic filter twice");
        require(!clientId.isBlank() && clientId.getBytes(StandardCharsets.UTF_8).length <= MAX_STRING_BYTES,
                "--mqtt-client-id must not be empty and at most " + MAX_STRING_BYTES + " bytes");
        require(idField == null || !idField.isBlank(), "--mqtt-id-field must not be empty");
        require(password == null || username != null, "--mqtt-password needs --mqtt-username");
    }

    /** The client identifier used when none is given: {@code event-pipeline-<host name>}. */
    public static String defaultClientId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            host = "localhost";
        }
        return "event-pipeline-" + host;
    }

    /**
     * What is wrong with a topic filter by MQTT 3.1.1 section 4.7 (not empty, at most 65,535 bytes, no U+0000,
     * {@code #} only as the whole last level, {@code +} only as a whole level), or null; Paho's own check, and
     * U+0000, which Paho lets through; a shared subscription ({@code $share/}, EMQX's {@code $queue/}) is refused too.
     */
    static String filterProblem(String filter) {
        if (filter.indexOf('\0') >= 0) {
            return "contains U+0000, which no MQTT string may hold (MQTT 3.1.1, 1.5.3)";
        }
        if (filter.startsWith("$share/") || filter.startsWith("$queue/")) {
            return "is a shared subscription, which the service does not take: with a persistent session the broker "
                    + "goes on sending a stopped instance its share of the stream and keeps it until that instance is "
                    + "back (Mosquitto, EMQX, VerneMQ); subscribe one instance per stream, with filters that divide "
                    + "the topics";
        }
        try {
            org.eclipse.paho.client.mqttv3.MqttTopic.validate(filter, true);
            return null;
        } catch (IllegalArgumentException e) {
            return "is not a valid MQTT topic filter (" + e.getMessage() + ")";
        }
    }

    private static String normalUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--mqtt-url is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String paho = switch (scheme) {
            case "tcp", "mqtt" -> "tcp";
            case "ssl", "mqtts" -> "ssl";
            default -> null;
        };
        require(paho != null, "--mqtt-url must be tcp://host:port or ssl://host:port, got '" + url + "'");
        require(uri.getHost() != null, "--mqtt-url has no host: '" + url + "'");
        require(uri.getUserInfo() == null, "--mqtt-url must not hold a user or password: use --mqtt-username and "
                + "the environment variable PIPELINE_MQTT_PASSWORD");
        require(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"),
                "--mqtt-url must not have a path: '" + url + "'");
        int port = uri.getPort() > 0 ? uri.getPort() : paho.equals("tcp") ? 1883 : 8883;
        String host = uri.getHost().contains(":") && !uri.getHost().startsWith("[") ? "[" + uri.getHost() + "]"
                : uri.getHost();
        return paho + "://" + host + ":" + port;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return "MqttConfig[url=" + url + ", topics=" + topics + ", clientId=" + clientId + ", username=" + username
                + ", password=" + (password == null ? "none" : "set") + ", idField=" + idField + ", required="
                + required + "]";
    }
}
