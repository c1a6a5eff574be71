package io.eventpipeline.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FsyncProbeTest {
    @Test
    void the_probe_forces_records_until_stopped_and_removes_its_file() throws Exception {
        FsyncProbe probe = FsyncProbe.start(171, "nothing else");
        Thread.sleep(300);
        Results.FsyncProbe r = probe.stop();

        assertThat(r.writes()).isPositive();
        assertThat(r.recordBytes()).isEqualTo(171);
        assertThat(r.during()).isEqualTo("nothing else");
        assertThat(r.fileSystem()).isNotBlank();
        assertThat(r.seconds()).isGreaterThanOrEqualTo(0.2);
        assertThat(r.meanMs()).isPositive().isLessThanOrEqualTo(r.maxMs());
        assertThat(r.p50Ms()).isLessThanOrEqualTo(r.p99Ms());
        assertThat(r.p99Ms()).isLessThanOrEqualTo(r.p999Ms());
        assertThat(r.p999Ms()).isLessThanOrEqualTo(r.maxMs());
        assertThat(java.nio.file.Files.list(java.nio.file.Path.of(r.directory()))
                .filter(p -> p.getFileName().toString().startsWith("pipeline-bench-fsync-"))).isEmpty();
    }
}
