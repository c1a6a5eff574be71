package io.eventpipeline.mqtt;

import io.eventpipeline.TestDb;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;

/**
 * The MQTT source scenarios on the MariaDB/MySQL of {@code PIPELINE_TEST_DB_URL} (skipped without it, failed in
 * CI), reached through the proxy that cuts it.
 */
class MqttMariaDbIT extends MqttSourceScenarios {
    private static TestDb mariaDb;

    @BeforeAll
    static void requireDatabase() {
        mariaDb = TestDb.requireFromEnvironment("the MQTT tests on MariaDB");
    }

    @Override
    TestDb openDatabase(Path dir) throws Exception {
        mariaDb.reset();
        return mariaDb;
    }

    @Override
    String databaseHost() {
        return mariaDb.host();
    }

    @Override
    int databasePort() {
        return mariaDb.port();
    }

    @Override
    String databaseUrlVia(int proxyPort) {
        return mariaDb.urlVia(proxyPort);
    }
}
