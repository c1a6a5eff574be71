package io.eventpipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The MQTT flags as {@link Config} checks them: the URL forms Paho takes, topic filters by MQTT 3.1.1 section 4.7,
 * and what needs --mqtt-url.
 */
class MqttConfigTest {
    private static Config.Builder mqtt() {
        return Config.builder().mqttUrl("tcp://broker:1883").mqttTopics("sensors/#");
    }

    @Test
    void without_a_url_there_is_no_source() {
        assertThat(Config.builder().build().mqtt()).isNull();
    }

    @Test
    void the_defaults_are_a_stable_client_id_no_id_field_and_not_required_for_readiness() {
        MqttConfig m = mqtt().build().mqtt();

        assertThat(m.url()).isEqualTo("tcp://broker:1883");
        assertThat(m.topics()).containsExactly("sensors/#");
        assertThat(m.clientId()).isEqualTo(MqttConfig.defaultClientId()).startsWith("event-pipeline-");
        assertThat(m.idField()).isNull();
        assertThat(m.required()).isFalse();
        assertThat(m.username()).isNull();
        assertThat(m.password()).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "tcp://broker:1883, tcp://broker:1883",
        "tcp://broker, tcp://broker:1883",
        "mqtt://broker, tcp://broker:1883",
        "ssl://broker, ssl://broker:8883",
        "mqtts://broker:9000, ssl://broker:9000",
        "TCP://10.0.0.1:1884/, tcp://10.0.0.1:1884",
    })
    void urls_are_given_to_paho_in_its_own_form(String given, String expected) {
        assertThat(mqtt().mqttUrl(given).build().mqtt().url()).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://broker:1883", "broker:1883", "ws://broker/mqtt", "tcp://", "tcp://broker/path",
        "tcp://user:pw@broker:1883", "tcp://bro ker"})
    void other_urls_are_refused_naming_the_flag(String url) {
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttUrl(url).build())
                .withMessageContaining("--mqtt-url");
    }

    @Test
    void topics_are_comma_separated_and_trimmed() {
        assertThat(mqtt().mqttTopics(" a/+/b , c/# ,d").build().mqtt().topics()).containsExactly("a/+/b", "c/#", "d");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/#/b", "a/b#", "a+/b", "sensors/+x", "a\u0000b"})
    void a_filter_mqtt_forbids_is_refused_naming_it(String filter) {
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttTopics(filter).build())
                .withMessageContaining("--mqtt-topics").withMessageContaining(filter);
    }

    @ParameterizedTest
    @ValueSource(strings = {"$share/pipeline/sensors/#", "$queue/sensors/+/temperature"})
    void a_shared_subscription_is_refused_saying_why(String filter) {
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttTopics(filter).build())
                .withMessageContaining("--mqtt-topics").withMessageContaining(filter)
                .withMessageContaining("shared subscription").withMessageContaining("its share of the stream");
    }

    @Test
    void a_url_needs_topics_and_the_same_filter_twice_is_refused() {
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttTopics(" , ").build())
                .withMessageContaining("--mqtt-url needs --mqtt-topics");
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttTopics("a/#,a/#").build())
                .withMessageContaining("twice");
    }

    @Test
    void the_other_mqtt_flags_need_a_url() {
        for (Config.Builder b : List.of(Config.builder().mqttTopics("a"), Config.builder().mqttIdField("id"),
                Config.builder().mqttRequired(true), Config.builder().mqttClientId("x"),
                Config.builder().mqttUsername("u"), Config.builder().mqttPassword("p"))) {
            assertThatIllegalArgumentException().isThrownBy(b::build).withMessageContaining("need --mqtt-url");
        }
    }

    @Test
    void a_writer_node_takes_no_mqtt() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> mqtt().queue(QueueMode.KAFKA).kafkaBootstrap("k:9092").role(Role.WRITER)
                        .dbUrl("jdbc:mysql://db/e").build())
                .withMessageContaining("--role writer");
        assertThat(mqtt().queue(QueueMode.KAFKA).kafkaBootstrap("k:9092").role(Role.INGEST).build().mqtt())
                .isNotNull();
    }

    @Test
    void a_password_needs_a_user_and_is_never_printed() {
        assertThatIllegalArgumentException().isThrownBy(() -> mqtt().mqttPassword("pw").build())
                .withMessageContaining("--mqtt-username");
        Config c = mqtt().mqttUsername("u").mqttPassword("s3cret-pw").build();

        assertThat(c.mqtt().password()).isEqualTo("s3cret-pw");
        assertThat(c.toString()).doesNotContain("s3cret-pw");
    }

    @Test
    void the_builder_gives_back_what_it_built() {
        Config c = mqtt().mqttClientId("edge-1").mqttUsername("u").mqttPassword("p").mqttIdField("id")
                .mqttRequired(true).mqttTopics("a/#,b").build();

        assertThat(c.toBuilder().build()).isEqualTo(c);
    }
}
