package io.eventpipeline.testing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The closing lines of {@code make test} (through {@code scripts/test-summary}): one count over the Surefire and
 * Failsafe XML reports ({@code TEST-*.xml}), the failed tests by name, and the skipped ones grouped by the reason
 * JUnit recorded, so that a run without a database or Docker says what it left out and why. A suite that reports
 * no test at all (an assumption that failed in {@code @BeforeAll}) is named as such, since its report holds no
 * reason and Maven's own count leaves it out.
 */
public final class TestSummary {
    private static final int MAX_FAILED_LISTED = 20;

    private TestSummary() {}

    /** Arguments: the report directories (missing ones are passed over). Prints to stdout; exits 0. */
    public static void main(String[] args) throws Exception {
        List<Path> dirs = Stream.of(args).map(Path::of).toList();
        print(read(dirs), System.out);
    }

    /** One suite's report: its counts, and the tests that failed or were skipped. */
    record Suite(String name, int tests, List<TestCase> failed, List<TestCase> skipped) {
        int passed() {
            return tests - failed.size() - skipped.size();
        }

        String simpleName() {
            return name.substring(name.lastIndexOf('.') + 1);
        }
    }

    /** A test that failed (message: the first line of its failure) or was skipped (message: the reason). */
    record TestCase(String name, String message) {}

    /** The suites of every {@code TEST-*.xml} in the directories, in file-name order. */
    static List<Suite> read(List<Path> dirs) throws Exception {
        List<Suite> suites = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path report : files.filter(TestSummary::isReport).sorted().toList()) {
                    suites.add(parse(report));
                }
            }
        }
        return suites;
    }

    private static boolean isReport(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith("TEST-") && name.endsWith(".xml");
    }

    private static Suite parse(Path report) throws Exception {
        Element suite;
        try {
            suite = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(report.toFile())
                    .getDocumentElement();
        } catch (IOException | org.xml.sax.SAXException e) {
            throw new IOException("cannot read the test report " + report + ": " + e.getMessage(), e);
        }
        List<TestCase> failed = new ArrayList<>();
        List<TestCase> skipped = new ArrayList<>();
        NodeList cases = suite.getElementsByTagName("testcase");
        for (int i = 0; i < cases.getLength(); i++) {
            Element c = (Element) cases.item(i);
            String name = c.getAttribute("classname") + "." + c.getAttribute("name");
            Element problem = firstChild(c, "failure", "error");
            Element skip = firstChild(c, "skipped");
            if (problem != null) {
                failed.add(new TestCase(name, firstLine(problem.getAttribute("message"))));
            } else if (skip != null) {
                skipped.add(new TestCase(name, skip.getAttribute("message")));
            }
        }
        return new Suite(suite.getAttribute("name"), cases.getLength(), failed, skipped);
    }

    private static Element firstChild(Element parent, String... tags) {
        for (String tag : tags) {
            NodeList nodes = parent.getElementsByTagName(tag);
            if (nodes.getLength() > 0) {
                return (Element) nodes.item(0);
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        String line = s == null ? "" : s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** Prints the summary: a count line, then the failed tests, the skipped ones by reason, the empty suites. */
    static void print(List<Suite> suites, PrintStream out) {
        if (suites.isEmpty()) {
            out.println("tests: no test reports (the build stopped before the tests, or none ran)");
            return;
        }
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        List<Suite> empty = new ArrayList<>();
        Map<String, List<Suite>> skippedByReason = new LinkedHashMap<>();
        List<TestCase> failures = new ArrayList<>();
        for (Suite s : suites) {
            passed += s.passed();
            failed += s.failed().size();
            skipped += s.skipped().size();
            failures.addAll(s.failed());
            if (s.tests() == 0) {
                empty.add(s);
            }
            s.skipped().stream().map(TestCase::message).distinct().forEach(reason ->
                    skippedByReason.computeIfAbsent(reason.isBlank() ? "no reason given" : reason,
                            r -> new ArrayList<>()).add(s));
        }
        out.printf("tests: %d passed, %d failed, %d skipped, in %d suites%n", passed, failed, skipped,
                suites.size());
        for (int i = 0; i < Math.min(failures.size(), MAX_FAILED_LISTED); i++) {
            TestCase f = failures.get(i);
            out.println("  failed: " + f.name() + (f.message().isEmpty() ? "" : ": " + f.message()));
        }
        if (failures.size() > MAX_FAILED_LISTED) {
            out.println("  failed: " + (failures.size() - MAX_FAILED_LISTED) + " more (see target/*-reports)");
        }
        skippedByReason.forEach((reason, inSuites) -> {
            long tests = inSuites.stream().flatMap(s -> s.skipped().stream())
                    .filter(t -> reason.equals(t.message().isBlank() ? "no reason given" : t.message())).count();
            out.printf("  skipped %d %s: %s (%s)%n", tests, tests == 1 ? "test" : "tests", reason,
                    String.join(", ", inSuites.stream().map(Suite::simpleName).toList()));
        });
        if (!empty.isEmpty()) {
            out.println("  ran no test: " + String.join(", ", empty.stream().map(Suite::simpleName).toList())
                    + " (skipped before its first test, e.g. by an assumption in @BeforeAll: its output says why)");
        }
    }
}
