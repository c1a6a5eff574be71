package io.eventpipeline.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.engine.Constants;

/**
 * The embedded H2 database, in a temporary directory: one file database for the bench's own JDBC phases, and a
 * fresh one per service process. The service's is opened with AUTO_SERVER, so that the bench can count its rows
 * from outside while the service keeps its embedded (in-process) access. H2 refuses AUTO_SERVER together with the
 * service's DB_CLOSE_ON_EXIT=FALSE, so the URL asks for TRUE: H2's exit hook may then close the database before the
 * service's drain, which loses nothing here because the bench stops the service only once everything is stored.
 */
final class H2Target implements BenchTarget {
    private final Path dir;

    private H2Target(Path dir) {
        this.dir = dir;
    }

    static H2Target create() throws IOException {
        return new H2Target(TempDirs.create("pipeline-bench-h2-"));
    }

    @Override
    public String name() {
        return "h2";
    }

    @Override
    public String ceilingUrl() {
        return "jdbc:h2:file:" + dir.resolve("ceilings").resolve("events");
    }

    @Override
    public String serviceUrl(String run) {
        return "jdbc:h2:file:" + dir.resolve(run).resolve("events") + ";AUTO_SERVER=TRUE;DB_CLOSE_ON_EXIT=TRUE";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("product", "H2 (embedded, MySQL mode)");
        d.put("version", Constants.FULL_VERSION);
        d.put("url", "jdbc:h2:file:<temporary directory>");
        return d;
    }

    @Override
    public void close() throws IOException {
        TempDirs.delete(dir);
    }
}
