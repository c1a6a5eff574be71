package io.eventpipeline.journal;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

/** slf4j-simple writes to whatever System.err is at the time, so swapping it captures the log. */
public final class LogCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    public LogCapture() {
        System.setErr(new PrintStream(captured, true, UTF_8));
    }

    public String text() {
        return captured.toString(UTF_8);
    }

    public List<String> warnings() {
        return text().lines().filter(l -> l.contains(" WARN ")).toList();
    }

    @Override
    public void close() {
        System.setErr(original);
        original.print(text()); // still visible in the test output
    }
}
