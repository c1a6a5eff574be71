package io.eventpipeline.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The service under test (d), as a user runs it: {@code java -jar event-pipeline.jar} with default flags except
 * the port, the database, the data directory and, for the second row, {@code --durability memory}.
 */
final class ServiceProcess {
    private ServiceProcess() {
    }

    /** A started process and where it listens. */
    record Running(ChildJvm jvm, URI base) {
        URI events() {
            return base.resolve("/events");
        }

        URI batch() {
            return base.resolve("/events/batch");
        }

        /** The Segment door's batch route, where {@code @segment/analytics-node} posts. */
        URI segmentBatch() {
            return base.resolve("/v1/batch");
        }

        /** OTLP/HTTP's logs route, where an OpenTelemetry SDK's OTLP exporter posts. */
        URI otlpLogs() {
            return base.resolve("/v1/logs");
        }

        URI health() {
            return base.resolve("/health");
        }

        URI metrics() {
            return base.resolve("/metrics");
        }
    }

    /** @param durability null for the default, else the value of --durability */
    static Running start(Path jar, List<String> jvmFlags, String dbUrl, String durability, Path dataDir, Path log)
            throws IOException {
        return start(jar, jvmFlags, dbUrl, durability == null ? List.of() : List.of("--durability", durability),
                dataDir, log);
    }

    /** @param flags more flags of the service, e.g. {@code --durability memory} or {@code --queue kafka ...} */
    static Running start(Path jar, List<String> jvmFlags, String dbUrl, List<String> flags, Path dataDir, Path log)
            throws IOException {
        int port = ChildJvm.freePort();
        List<String> launch = new ArrayList<>(List.of("-jar", jar.toString(), "--port", Integer.toString(port),
                "--db-url", dbUrl, "--data-dir", dataDir.toString()));
        launch.addAll(flags);
        String name = "service" + (flags.isEmpty() ? "" : " " + String.join(" ", flags));
        return new Running(ChildJvm.start(name, jvmFlags, launch, log), URI.create("http://127.0.0.1:" + port));
    }

    /** The bare Javalin server (a), from the jar plus the compiled bench classes, with the same JVM flags. */
    static Running startBare(Path jar, List<String> jvmFlags, Path log) throws IOException {
        int port = ChildJvm.freePort();
        String classpath = jar + java.io.File.pathSeparator + benchClasses();
        List<String> launch = List.of("-cp", classpath, BareHttpServer.class.getName(), Integer.toString(port));
        return new Running(ChildJvm.start("bare HTTP server", jvmFlags, launch, log),
                URI.create("http://127.0.0.1:" + port));
    }

    /**
     * Where the bench's own classes are (target/test-classes under Maven), for the class path of the bare server
     * and of the open-loop generator.
     */
    static String benchClasses() {
        try {
            return Path.of(BareHttpServer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot locate the bench classes: " + e.getMessage(), e);
        }
    }
}
