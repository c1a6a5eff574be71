package io.eventpipeline.kafka;

import java.io.IOException;
import java.io.InputStream;

/**
 * The entry point of the broker process that {@link KafkaBroker} starts: {@code KafkaBrokerMain <server.properties>
 * [<cluster id>]}. With a cluster id it first formats the log directory ({@code kafka-storage format}, the class
 * {@code kafka.tools.StorageTool} in 4.4), in the same JVM so that a first start costs one JVM and not two; then it
 * runs {@code kafka.Kafka} on the properties, as {@code kafka-server-start.sh} does.
 *
 * <p>The process exits as soon as its standard input reaches end of file: the test JVM holds the other end of that
 * pipe and never writes to it, so the end of file means that the test JVM is gone, even by {@code kill -9}, which
 * runs no shutdown hook, or that it is stopping the broker ({@link Process#destroy()} closes the pipe right after
 * its SIGTERM). The exit runs the broker's shutdown hook, a clean shutdown, and the process halts if that takes
 * longer than {@link #HALT_AFTER_MS}. No broker outlives the test run that started it.
 */
public final class KafkaBrokerMain {
    /** The exit code when the standard input closes: 128 + SIGTERM, as if it had been stopped with it. */
    static final int INPUT_CLOSED_EXIT_CODE = 143;
    /** How long the clean shutdown after the standard input closed may take before the process halts. */
    static final long HALT_AFTER_MS = 15_000;

    private KafkaBrokerMain() {
    }

    /** Formats the log directory if a cluster id is given, then runs the broker until it is stopped. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: KafkaBrokerMain <server.properties> [<cluster id to format with>]");
            System.exit(2);
        }
        Thread watchdog = new Thread(() -> exitAtEndOfInput(System.in), "test-jvm-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        if (args.length == 2) {
            int code = kafka.tools.StorageTool.execute(
                    new String[] {"format", "--cluster-id", args[1], "--config", args[0]}, System.out);
            if (code != 0) {
                System.err.println("formatting the log directory failed with code " + code);
                System.exit(code);
            }
        }
        kafka.Kafka.main(new String[] {args[0]});
    }

    private static void exitAtEndOfInput(InputStream in) {
        try {
            while (in.read() != -1) {
                // The test JVM writes nothing: anything read is ignored.
            }
        } catch (IOException e) {
            // A broken pipe says the same as the end of file.
        }
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MS);
            } catch (InterruptedException e) {
                // Halts all the same.
            }
            System.err.println("the broker did not shut down within " + HALT_AFTER_MS + " ms: halting");
            Runtime.getRuntime().halt(INPUT_CLOSED_EXIT_CODE);
        }, "halt-timer");
        halt.setDaemon(true);
        halt.start();
        System.err.println("standard input closed (the test JVM stops this broker, or is gone): exiting");
        System.exit(INPUT_CLOSED_EXIT_CODE); // blocks if a SIGTERM already started the shutdown
    }
}
