package io.eventpipeline;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Standard error held back while a start runs, for a start that can be refused after it has logged its first steps
 * (with {@code --mqtt-url}, the broker answers the first connection last): what is written meanwhile is kept, and
 * printed once the start is through ({@link #release}) or dropped when it is refused ({@link #discard}), so that a
 * refused start still prints only its one error line. The log lines keep the time they were written at. Once
 * released or discarded it writes through, so that a thread still holding the stream loses nothing.
 */
final class HeldStderr extends OutputStream {
    private final PrintStream target;
    private final PrintStream stream;
    private ByteArrayOutputStream held = new ByteArrayOutputStream();

    /** Holds what is written to {@link #stream()} until {@link #release} or {@link #discard}. */
    HeldStderr(PrintStream target) {
        this.target = target;
        this.stream = new PrintStream(this, true, target.charset());
    }

    /** Puts a held stream in place of {@link System#err}; {@link #release} and {@link #discard} put it back. */
    static HeldStderr hold() {
        HeldStderr h = new HeldStderr(System.err);
        System.setErr(h.stream);
        return h;
    }

    /** The stream to write to. */
    PrintStream stream() {
        return stream;
    }

    @Override
    public synchronized void write(int b) {
        if (held != null) {
            held.write(b);
        } else {
            target.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        if (held != null) {
            held.write(b, off, len);
        } else {
            target.write(b, off, len);
        }
    }

    @Override
    public synchronized void flush() {
        if (held == null) {
            target.flush();
        }
    }

    /** Prints what was held, and writes through from now on: the start is through. */
    void release() {
        synchronized (this) {
            if (held != null) {
                target.write(held.toByteArray(), 0, held.size());
                target.flush();
                held = null;
            }
        }
        restore();
    }

    /** Drops what was held, and writes through from now on: the start was refused and prints its own line. */
    void discard() {
        synchronized (this) {
            held = null;
        }
        restore();
    }

    private void restore() {
        if (System.err == stream) {
            System.setErr(target);
        }
    }
}
