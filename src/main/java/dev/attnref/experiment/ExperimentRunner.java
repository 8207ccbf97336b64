package dev.attnref.experiment;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Formats seconds for progress lines. */
    static String seconds(double s) {
        return String.format(Locale.ROOT, "%.3g s", s);
    }
}
