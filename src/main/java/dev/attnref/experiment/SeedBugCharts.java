package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

/**
 * E07's chart, from {@code seed_bug_sweep.csv}: each swept bug's effect against the sequence length T, in
 * two panels by unit: attention mass on future keys (a probability, 0–1), and relative errors
 * (‖Δ‖ over the fixed output's size, which exceeds 1 when the published output is further from the fixed
 * one than the fixed one is from zero).
 */
final class SeedBugCharts {
    private SeedBugCharts() {
    }

    static void draw(ChartFolder folder) {
        Table t = folder.csv("seed_bug_sweep");
        Map<String, List<Integer>> series = ChartFolder.groups(t, r -> true,
                r -> name(Results.text(t, "bug", r), Results.text(t, "measure", r)));
        XYChart mass = panel("attention mass on future keys", "max mass any query puts on future keys (probability, 0–1)");
        XYChart error = panel("relative errors", "relative error ‖published − fixed‖ / ‖fixed‖ (may exceed 1)");
        series.forEach((name, rows) -> Charts.series(name.contains("mass") ? mass : error, name,
                ChartFolder.numbers(t, "length", rows), ChartFolder.numbers(t, "value", rows)));
        Spec spec = folder.spec();
        folder.save("Seed 000 bugs as published vs sequence length T (H = " + spec.integer("heads") + ", D = "
                + spec.integer("headDim") + "): each bug's own line measured alone, and both bugs in the Java mirror",
                List.of(mass, error), 1, "seed_bug_effects");
    }

    /** "S000-MQA-MASK: max attention mass on future keys"; the mirror's rows, which carry both bugs, shorter. */
    private static String name(String bug, String measure) {
        return bug.contains(" + ") ? "both bugs, Java mirror: " + measure.replaceFirst("^mirror: ", "") : bug + ": " + measure;
    }

    private static XYChart panel(String title, String yTitle) {
        XYChart chart = Charts.lines(title, "sequence length T (tokens, log₂)", yTitle, true, false);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        return chart;
    }
}
