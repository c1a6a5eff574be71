package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.eventpipeline.api.HttpApi;
import io.eventpipeline.config.Config;
import io.eventpipeline.config.Durability;
import io.eventpipeline.errors.StartupException;
import io.eventpipeline.pipeline.JournalAcceptLog;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start refused half-way closes exactly what it had opened, through the same stack as a stop: the port, the
 * data directory's lock and the database pool are free again for the next start, at once.
 */
class ServiceStartFailureTest {
    @TempDir
    Path dir;

    @Test
    void a_start_refused_by_the_journal_frees_the_port_and_the_data_directory_for_the_next_start() throws Exception {
        int port;
        try (ServerSocketChannel probe = HttpApi.bind("127.0.0.1", 0)) {
            port = probe.socket().getLocalPort();
        }
        Config config = Config.builder().host("127.0.0.1").port(port).dataDir(dir.resolve("data"))
                .durability(Durability.MEMORY).shutdownTimeout(Duration.ofSeconds(2)).build();
        Service refused = new Service(config, journalDir -> {
            throw new IOException("cannot open the journal under " + journalDir + ": no space left on device");
        });

        long t0 = System.nanoTime();
        assertThatThrownBy(refused::start).isInstanceOf(StartupException.class)
                .hasMessageContaining("no space left on device");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("a refused start closes within its budget")
                .isLessThan(Duration.ofSeconds(10));

        try (ServerSocketChannel again = HttpApi.bind("127.0.0.1", port)) {
            assertThat(again.isOpen()).as("the port is free").isTrue();
        }
        try (FileChannel lockFile = FileChannel.open(dir.resolve("data/instance.lock"), StandardOpenOption.WRITE);
                FileLock lock = lockFile.tryLock()) {
            assertThat(lock).as("the data directory's lock is released").isNotNull();
        }
        Service next = new Service(config, journalDir -> JournalAcceptLog.open(journalDir, Durability.MEMORY));
        try {
            next.start();
            assertThat(next.port()).isEqualTo(port);
        } finally {
            next.stop();
        }
        refused.stop(); // a second stop of a refused start does nothing
    }
}
