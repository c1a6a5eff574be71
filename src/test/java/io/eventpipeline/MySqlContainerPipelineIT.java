package io.eventpipeline;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.mysql.MySQLContainer;

/**
 * The scenarios on MySQL 8.4 in a container, where a Docker engine answers; skipped, with the reason, where none
 * does (checked by {@link DockerCondition} before Testcontainers is asked).
 */
@NeedsDocker
@Testcontainers
class MySqlContainerPipelineIT extends PipelineScenarios {
    @Container
    static final MySQLContainer MYSQL = new MySQLContainer("mysql:8.4");

    @Override
    TestDb db() {
        return new TestDb("mysql", MYSQL.getJdbcUrl() + "?user=" + MYSQL.getUsername() + "&password="
                + MYSQL.getPassword());
    }
}
