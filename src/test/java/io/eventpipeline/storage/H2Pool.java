package io.eventpipeline.storage;

import com.zaxxer.hikari.HikariDataSource;
import io.eventpipeline.config.Config;
import java.time.Duration;

/** An embedded H2 database for tests, pooled and with the service's schema, as the service opens one. */
public final class H2Pool {
    private H2Pool() {
    }

    /** @param url a {@code jdbc:h2:} URL: {@code mem:} for a test of its own, {@code file:} to reopen it */
    public static HikariDataSource open(String url, int size) throws Exception {
        HikariDataSource pool = Database.pool(Config.builder().dbUrl(url).build(), "test-db", size,
                Duration.ofSeconds(5));
        Database.applySchema(pool, Dialect.H2);
        return pool;
    }

    /** A private in-memory database, named so that no other test shares it. */
    public static HikariDataSource inMemory(String name, int size) throws Exception {
        return open("jdbc:h2:mem:" + name + "-" + System.nanoTime(), size);
    }
}
