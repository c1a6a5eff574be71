package io.eventpipeline;

import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.mysql.MySQLContainer;

/** The scenarios on MySQL 8.4 in a container, where Docker runs; skipped (by Testcontainers) where it does not. */
@Testcontainers(disabledWithoutDocker = true)
class MySqlContainerPipelineIT extends PipelineScenarios {
    @Container
    static final MySQLContainer MYSQL = new MySQLContainer("mysql:8.4");

    @Override
    TestDb db() {
        return new TestDb("mysql", MYSQL.getJdbcUrl() + "?user=" + MYSQL.getUsername() + "&password="
                + MYSQL.getPassword());
    }
}
