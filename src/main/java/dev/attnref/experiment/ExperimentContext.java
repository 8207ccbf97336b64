package dev.attnref.experiment;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a running experiment reads and where it writes.
 *
 * <table>
 *   <caption>Paths</caption>
 *   <tr><th>path</th><th>full run</th><th>quick run</th></tr>
 *   <tr><td>spec</td><td colspan="2">{@code experiments/<folder>/spec.json} (or the file given with {@code --spec})</td></tr>
 *   <tr><td>results</td><td>{@code experiments/<folder>/results/}</td><td>{@code target/quick/experiments/<folder>/results/}</td></tr>
 *   <tr><td>charts</td><td>{@code experiments/<folder>/charts/}</td><td>{@code target/quick/experiments/<folder>/charts/}</td></tr>
 *   <tr><td>imported</td><td colspan="2">{@code experiments/<folder>/imported/*.csv}</td></tr>
 * </table>
 *
 * Quick runs are smoke tests: they write under {@code target/quick/} (where {@code report --quick} reads
 * them), never into a committed folder. {@code --out DIR} replaces the
 * output base (results and charts go to {@code DIR/results}, {@code DIR/charts}).
 */
public final class ExperimentContext {
    private final Path root;
    private final Path experimentDir;
    private final Path outputDir;
    private final Spec spec;
    private final Stamp stamp;
    private final PrintWriter progress;
    private final int threads;
    private final List<Path> written = new ArrayList<>();

    public ExperimentContext(Path root, Path experimentDir, Path outputDir, Spec spec, Stamp stamp, PrintWriter progress) {
        this.root = root;
        this.experimentDir = experimentDir;
        this.outputDir = outputDir;
        this.spec = spec;
        this.stamp = stamp;
        this.progress = progress;
        this.threads = stamp.threads();
    }

    /** The default output base of an experiment folder for a mode (see the table above). */
    public static Path defaultOutput(Path root, Path experimentDir, Spec.Mode mode) {
        return mode == Spec.Mode.QUICK
                ? root.resolve("target").resolve("quick").resolve("experiments").resolve(experimentDir.getFileName())
                : experimentDir;
    }

    public Path root() {
        return root;
    }

    public Path experimentDir() {
        return experimentDir;
    }

    public Path outputDir() {
        return outputDir;
    }

    public Spec spec() {
        return spec;
    }

    public Stamp stamp() {
        return stamp;
    }

    public boolean quick() {
        return spec.mode() == Spec.Mode.QUICK;
    }

    /** Threads measured code may use. */
    public int threads() {
        return threads;
    }

    /** Writes {@code results/<name>.csv} with the stamp. */
    public void write(Results results, String name) {
        write(results, name, stamp.threads());
    }

    /** Writes {@code results/<name>.csv}, stamped with the threads the measured code actually used. */
    public void write(Results results, String name, int threadsUsed) {
        Path file = outputDir.resolve("results").resolve(name + ".csv");
        results.write(file, stamp.endingNow(threadsUsed));
        written.add(file);
        log("wrote %s (%d rows)", root.toAbsolutePath().relativize(file.toAbsolutePath()), results.rowCount());
    }

    /** Draws {@code experiment}'s charts from the results CSVs this run has written ({@link Experiment#drawCharts}). */
    public void drawCharts(Experiment experiment) {
        ChartFolder folder = new ChartFolder(experimentDir, outputDir.resolve("results"), outputDir.resolve("charts"), spec);
        experiment.drawCharts(folder);
        written.addAll(folder.written());
        if (!Charts.svgAvailable()) {
            log("charts: PNG only; SVG needs de.erichseifert.vectorgraphics2d:VectorGraphics2D on the classpath");
        }
    }

    /** Every file written so far. */
    public List<Path> written() {
        return List.copyOf(written);
    }

    /** Prints one progress line, prefixed with the experiment id. */
    public void log(String format, Object... args) {
        progress.println("[" + spec.id() + "] " + String.format(Locale.ROOT, format, args));
        progress.flush();
    }
}
