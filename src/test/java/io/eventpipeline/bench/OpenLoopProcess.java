package io.eventpipeline.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The open-loop generator ({@link OpenLoop}) in a JVM of its own, so that its pauses, JIT and heap are neither the
 * bench's nor the server's: requests of one single event each go out on a fixed schedule, their latency measured
 * from the scheduled send time. The child first sends at the same rate for a warm-up (its own JIT, its
 * connections), then measures. It prints one JSON line on stdout, a {@link Report}; {@link #run} starts one and
 * reads that line back.
 *
 * <p>Usage: {@code OpenLoopProcess URI REQUESTS_PER_SECOND WARMUP_MS MEASURE_MS ID_PREFIX}, with the service's jar
 * and the bench's classes on the class path.
 */
final class OpenLoopProcess {
    /**
     * A fixed heap, so that it neither grows nor shrinks during a phase (the samples of a phase at 50% of a
     * 20,000 req/s ceiling for 5 s are 400 KB); G1, as the servers run.
     */
    static final List<String> JVM_FLAGS = List.of("-Xms256m", "-Xmx256m", "-XX:+UseG1GC");

    /**
     * A system property naming a file for the measured run's slowest 1% of requests (see
     * {@link OpenLoop#writeSlowest}), for {@link TailBlame}; unset, nothing is written.
     */
    static final String SLOWEST_PROPERTY = "openloop.slowest";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private OpenLoopProcess() {
    }

    /**
     * What one child measured: its warm-up and the measured run at the same rate, and how many cores the whole
     * machine kept busy during the measured run (-1: unknown).
     */
    record Report(OpenLoop.Result warmUp, OpenLoop.Result measured, double machineBusyCores) {
        /** Events the service took (202) in both runs, to wait for in the table. */
        long acceptedEvents() {
            return accepted(warmUp) + accepted(measured);
        }

        private static long accepted(OpenLoop.Result r) {
            return r.answered() - r.refused() - r.failed();
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: OpenLoopProcess URI REQUESTS_PER_SECOND WARMUP_MS MEASURE_MS ID_PREFIX");
            System.exit(2);
        }
        URI uri = URI.create(args[0]);
        double perSecond = Double.parseDouble(args[1]);
        Duration warm = Duration.ofMillis(Long.parseLong(args[2]));
        Duration measure = Duration.ofMillis(Long.parseLong(args[3]));
        EventFactory events = new EventFactory(args[4]);
        OpenLoop open = new OpenLoop();
        OpenLoop.Result warmUp = open.run(uri, perSecond, warm, events::single);
        MachineCpu machine = MachineCpu.start();
        OpenLoop.Result measured = open.run(uri, perSecond, measure, events::single);
        double busy = machine.busyCores();
        String slowest = System.getProperty(SLOWEST_PROPERTY);
        if (slowest != null) {
            open.writeSlowest(Path.of(slowest), 99);
        }
        System.out.println(format(new Report(warmUp, measured, busy)));
    }

    /**
     * Runs one child at {@code perSecond} requests/s to {@code uri} (warm-up, then {@code measure}) and returns
     * what it printed; its stdout and stderr go to {@code log}.
     *
     * @param idPrefix the prefix of the events' ids: one of the child's own, so that no id repeats another's
     */
    static Report run(Path jar, URI uri, double perSecond, Duration warmUp, Duration measure, String idPrefix,
            Path log) throws IOException, InterruptedException {
        String classpath = jar + java.io.File.pathSeparator + ServiceProcess.benchClasses();
        List<String> launch = List.of("-cp", classpath, OpenLoopProcess.class.getName(), uri.toString(),
                Double.toString(perSecond), Long.toString(warmUp.toMillis()), Long.toString(measure.toMillis()),
                idPrefix);
        try (ChildJvm jvm = ChildJvm.start("open-loop generator", JVM_FLAGS, launch, log)) {
            // Each run's last requests are bounded by the generator's timeout; start-up takes well under 30 s.
            int exit = jvm.waitFor(warmUp.plus(measure).plus(LoadGenerator.REQUEST_TIMEOUT).multipliedBy(2)
                    .plusSeconds(30));
            List<String> json = Files.readAllLines(log).stream().filter(l -> l.startsWith("{")).toList();
            if (exit != 0 || json.isEmpty()) {
                throw new IOException("the open-loop generator exited with code " + exit + " and no report; its log "
                        + log + " ends with:\n" + jvm.logTail());
            }
            return parse(json.getLast());
        }
    }

    /** The report as the one JSON line the child prints. */
    static String format(Report r) throws IOException {
        return MAPPER.writeValueAsString(r);
    }

    /** The child's JSON line read back. */
    static Report parse(String line) throws IOException {
        return MAPPER.readValue(line, Report.class);
    }
}
