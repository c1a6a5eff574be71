package io.eventpipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestSummaryTest {
    @TempDir
    Path dir;

    @Test
    void counts_every_report_and_groups_the_skipped_tests_by_their_reason() throws Exception {
        Path unit = Files.createDirectories(dir.resolve("surefire-reports"));
        Path integration = Files.createDirectories(dir.resolve("failsafe-reports"));
        report(unit, "io.x.ParserTest", passed("a"), passed("b"), passed("c"));
        report(integration, "io.x.MariaDbIT", skipped("a", "PIPELINE_TEST_DB_URL is not set"),
                skipped("b", "PIPELINE_TEST_DB_URL is not set"));
        report(integration, "io.x.PagingIT", skipped("a", "PIPELINE_TEST_DB_URL is not set"));
        report(integration, "io.x.ContainerIT", skipped("a", "no Docker engine answers"));
        report(integration, "io.x.H2IT", passed("a"));

        List<String> lines = summary(unit, integration, dir.resolve("absent"));

        assertThat(lines).containsExactly(
                "tests: 4 passed, 0 failed, 4 skipped, in 5 suites",
                "  skipped 1 test: no Docker engine answers (ContainerIT)",
                "  skipped 3 tests: PIPELINE_TEST_DB_URL is not set (MariaDbIT, PagingIT)");
    }

    @Test
    void failed_tests_are_named_with_the_first_line_of_their_message() throws Exception {
        report(dir, "io.x.ShutdownIT", passed("a"),
                "<testcase classname=\"io.x.ShutdownIT\" name=\"drains\"><failure message=\"expected 3&#10;but was 2\""
                        + " type=\"AssertionError\">stack</failure></testcase>",
                "<testcase classname=\"io.x.ShutdownIT\" name=\"stops\"><error message=\"boom\" type=\"X\"/>"
                        + "</testcase>");

        assertThat(summary(dir)).containsExactly(
                "tests: 1 passed, 2 failed, 0 skipped, in 1 suites",
                "  failed: io.x.ShutdownIT.drains: expected 3",
                "  failed: io.x.ShutdownIT.stops: boom");
    }

    @Test
    void a_suite_that_reports_no_test_is_named_rather_than_lost() throws Exception {
        report(dir, "io.x.CrashIT");
        report(dir, "io.x.H2IT", passed("a"));

        assertThat(summary(dir)).containsExactly(
                "tests: 1 passed, 0 failed, 0 skipped, in 2 suites",
                "  ran no test: CrashIT (skipped before its first test, e.g. by an assumption in @BeforeAll: its "
                        + "output says why)");
    }

    @Test
    void no_reports_at_all_says_so() throws Exception {
        assertThat(summary(dir)).containsExactly(
                "tests: no test reports (the build stopped before the tests, or none ran)");
    }

    private static List<String> summary(Path... dirs) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TestSummary.print(TestSummary.read(List.of(dirs)), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static String passed(String name) {
        return "<testcase classname=\"c\" name=\"" + name + "\" time=\"0.1\"/>";
    }

    private static String skipped(String name, String reason) {
        return "<testcase classname=\"c\" name=\"" + name + "\"><skipped message=\"" + reason + "\"/></testcase>";
    }

    /** A report as Surefire 3 writes it; the counts in the attributes are left out, as they are not read. */
    private static void report(Path in, String suite, String... cases) throws Exception {
        Files.writeString(in.resolve("TEST-" + suite + ".xml"), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<testsuite name=\"" + suite + "\" tests=\"" + cases.length + "\">\n" + String.join("\n", cases)
                + "\n</testsuite>\n");
    }
}
