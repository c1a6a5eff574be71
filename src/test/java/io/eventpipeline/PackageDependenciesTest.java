package io.eventpipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layering of the main sources, read from their text: the root package is the top layer (the command line and
 * the composition root), so nothing below it may name one of its classes; {@code errors} is the bottom layer; the
 * pipeline stores events through {@code EventRepository} alone, so that it does not depend on how they are
 * stored; and each source ({@code source/*}) only turns its protocol into events.
 */
class PackageDependenciesTest {
    private static final Path MAIN = Path.of("src", "main", "java", "io", "eventpipeline");
    /** A class of the root package named in code: an import or a qualified name. */
    private static final Pattern ROOT_CLASS = Pattern.compile("\\bio\\.eventpipeline\\.[A-Z]\\w*");
    private static final Pattern PROJECT_NAME = Pattern.compile("\\bio\\.eventpipeline\\.\\w+(\\.\\w+)*");
    private static final Pattern STORAGE_NAME = Pattern.compile("\\bio\\.eventpipeline\\.storage\\.\\w+");

    @Test
    void no_package_below_the_root_names_a_class_of_the_root_package() {
        List<String> offenders = sources(MAIN).filter(f -> !f.getParent().equals(MAIN))
                .flatMap(f -> names(f, ROOT_CLASS)).toList();

        assertThat(offenders).as("sub-package files naming a root-package class").isEmpty();
    }

    @Test
    void the_errors_package_depends_on_no_other_package_of_the_project() {
        List<String> offenders = sources(MAIN.resolve("errors"))
                .flatMap(f -> names(f, PROJECT_NAME).filter(n -> !n.endsWith(": io.eventpipeline.errors")
                        && !n.contains(": io.eventpipeline.errors."))).toList();

        assertThat(offenders).as("project names used in errors/").isEmpty();
    }

    @Test
    void the_pipeline_reaches_storage_only_through_the_event_repository() {
        List<String> offenders = sources(MAIN.resolve("pipeline"))
                .flatMap(f -> names(f, STORAGE_NAME))
                .filter(n -> !n.endsWith(": io.eventpipeline.storage.EventRepository")).toList();

        assertThat(offenders).as("storage names used in pipeline/").isEmpty();
    }

    /**
     * A source turns its protocol into events and nothing more: it names the event and errors packages and its
     * own, never the HTTP routes, the pipeline or the storage, so that every door feeds the same intake.
     */
    @Test
    void a_source_package_depends_only_on_the_event_and_errors_packages() {
        List<String> offenders = sources(MAIN.resolve("source"))
                .flatMap(f -> names(f, PROJECT_NAME))
                .filter(n -> !n.matches(".*: io\\.eventpipeline\\.(event|errors|source)(\\..*)?")).toList();

        assertThat(names(MAIN.resolve("source/segment/SegmentParser.java"), PROJECT_NAME).toList())
                .anyMatch(n -> n.endsWith("io.eventpipeline.event.Event"));
        assertThat(offenders).as("project names used in source/").isEmpty();
    }

    @Test
    void the_scan_sees_the_sources_and_their_imports() {
        // A scan of the wrong directory would pass every test above: it must find what is certainly there.
        assertThat(sources(MAIN).count()).isGreaterThan(50);
        assertThat(names(MAIN.resolve("pipeline/BatchWriter.java"), STORAGE_NAME).toList())
                .anyMatch(n -> n.endsWith("io.eventpipeline.storage.EventRepository"));
        assertThat(names(MAIN.resolve("Service.java"), PROJECT_NAME).toList())
                .anyMatch(n -> n.endsWith("io.eventpipeline.errors.StartupException"));
    }

    private static Stream<Path> sources(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Each match in the file's code (its package line left out), as "file: name". */
    private static Stream<String> names(Path file, Pattern pattern) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String code = text.replaceFirst("(?m)^package [\\w.]+;", "");
        Matcher m = pattern.matcher(code);
        Stream.Builder<String> out = Stream.builder();
        while (m.find()) {
            out.add(MAIN.relativize(file) + ": " + m.group());
        }
        return out.build();
    }
}
