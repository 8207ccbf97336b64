package dev.attnref.experiment;

import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * What an experiment's charts are drawn from and where they go: its results CSVs (read only), the spec
 * block the results came from, points imported from other machines, and the charts folder. Charts are
 * drawn from these alone, so that {@code attnref charts} redraws committed charts without measuring
 * anything, and a run draws its own the same way from the CSVs it has just written.
 */
public final class ChartFolder {
    private final Path experimentDir;
    private final Path results;
    private final Path charts;
    private final Spec spec;
    private final List<Path> written = new ArrayList<>();

    /**
     * @param experimentDir {@code experiments/<folder>} (its {@code imported/} points are drawn too)
     * @param results       the folder of the results CSVs
     * @param charts        the folder the charts are written to
     * @param spec          the spec block the results were run with
     */
    public ChartFolder(Path experimentDir, Path results, Path charts, Spec spec) {
        this.experimentDir = experimentDir;
        this.results = results;
        this.charts = charts;
        this.spec = spec;
    }

    /** The committed folder of {@code experiment} under {@code root}: its results, its charts, its full spec block. */
    public static ChartFolder committed(Path root, Experiment experiment) {
        Path dir = root.resolve("experiments").resolve(experiment.folder());
        return new ChartFolder(dir, dir.resolve("results"), dir.resolve("charts"),
                Spec.read(dir.resolve("spec.json"), Spec.Mode.FULL));
    }

    public Spec spec() {
        return spec;
    }

    /** {@code results/<name>.csv}; a missing file is refused with the command that writes it. */
    public Table csv(String name) {
        Path file = results.resolve(name + ".csv");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("results file " + file + " does not exist; expected the CSV that "
                    + "'attnref experiment " + spec.id() + "' writes");
        }
        return Results.read(file);
    }

    /** Points imported from other machines for {@code chart} ({@link Imported}). */
    public List<Imported.Series> imported(String chart) {
        return Imported.forChart(experimentDir, chart);
    }

    /** Writes {@code charts/<name>.png} and {@code .svg}: one chart under its title. */
    public void save(Chart<?, ?> chart, String name) {
        written.addAll(Charts.save(chart, charts, name));
    }

    /** Writes {@code charts/<name>.png} and {@code .svg}: panels, {@code columns} a row, under one title. */
    public void save(String title, List<? extends Chart<?, ?>> panels, int columns, String name) {
        written.addAll(Charts.save(title, panels, columns, charts, name));
    }

    /** Row numbers of {@code table} grouped by {@code key}, groups and rows in file order; rows {@code keep} refuses are left out. */
    public static Map<String, List<Integer>> groups(Table table, IntPredicate keep, IntFunction<String> key) {
        Map<String, List<Integer>> groups = new LinkedHashMap<>();
        for (int row = 0; row < table.rowCount(); row++) {
            if (keep.test(row)) {
                groups.computeIfAbsent(key.apply(row), k -> new ArrayList<>()).add(row);
            }
        }
        return groups;
    }

    /** A numeric column at the given rows. */
    public static double[] numbers(Table table, String column, List<Integer> rows) {
        return rows.stream().mapToDouble(row -> Results.number(table, column, row)).toArray();
    }

    /** Every file written so far. */
    public List<Path> written() {
        return List.copyOf(written);
    }
}
