package dev.attnref.experiment;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs experiments: finds the folder, reads the spec block of the mode, stamps, times the run and
 * prints progress. What {@code attnref experiment} calls.
 */
public final class ExperimentRunner {
    private ExperimentRunner() {
    }

    /** The repository root: system property {@code attnref.root}, else the working directory. */
    public static Path root() {
        return Path.of(System.getProperty("attnref.root", ".")).toAbsolutePath().normalize();
    }

    /**
     * Runs one experiment.
     *
     * @param spec    spec file, or null for {@code experiments/<folder>/spec.json}
     * @param output  output base, or null for the mode's default ({@link ExperimentContext#defaultOutput})
     * @param threads threads the measured code may use (≥ 1)
     * @return the files written
     */
    public static List<Path> run(Experiment experiment, Path root, Spec.Mode mode, Path spec, Path output, int threads,
                                 PrintWriter progress) {
        Path dir = root.resolve("experiments").resolve(experiment.folder());
        Path specFile = spec != null ? spec : dir.resolve("spec.json");
        if (!Files.isRegularFile(specFile)) {
            throw new IllegalArgumentException("spec file " + specFile + " does not exist; expected "
                    + "experiments/" + experiment.folder() + "/spec.json or a file given with --spec");
        }
        Spec parsed = Spec.read(specFile, mode);
        if (!parsed.id().equals(experiment.id())) {
            throw new IllegalArgumentException("spec " + specFile + " has id '" + parsed.id() + "'; expected '"
                    + experiment.id() + "'");
        }
        Path out = output != null ? output : ExperimentContext.defaultOutput(root, dir, mode);
        ExperimentContext context = new ExperimentContext(root, dir, out, parsed, Stamp.of(root, threads, mode), progress);
        long start = System.nanoTime();
        context.log("%s — %s run, %d threads, %s", experiment.title(), mode.key(), threads, context.stamp().jdk());
        experiment.run(context);
        context.log("done in %.1f s", (System.nanoTime() - start) / 1e9);
        return context.written();
    }

    /**
     * Runs one experiment in a child JVM (this JVM's java, options and class path), forwarding its output
     * to {@code progress}; returns the child's exit code. Used when several experiments run in a row: in
     * one JVM, E01 or E08 run before E02 left the fast kernels 4–8× slower for the rest of the process
     * (measured: GQA decode at S = 1,024 took 2.46 ms after E08 and 0.51 ms after E06 or alone), so each
     * experiment gets a JVM whose JIT has seen only its own code.
     */
    public static int runInFreshJvm(Experiment experiment, Spec.Mode mode, Path output, int threads, PrintWriter progress) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.attnref.cli.Main", "experiment",
                experiment.id(), "--threads", Integer.toString(threads)));
        if (mode == Spec.Mode.QUICK) {
            command.add("--quick");
        }
        if (output != null) {
            command.addAll(List.of("--out", output.toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        try {
            Process child = builder.start();
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    if (!line.startsWith("WARNING: Using incubator modules")) {
                        progress.println(line);
                        progress.flush();
                    }
                }
            }
            return child.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start a JVM for experiment " + experiment.id(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while experiment " + experiment.id() + " ran", e);
        }
    }

    /** Formats seconds for progress lines. */
    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3g s", s);
    }
}
