package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

/**
 * E06's charts, from {@code saturation.csv}: the softmax's mean entropy, mean largest weight and mean
 * Jacobian norm against the head width D, with and without the 1/√D scale (means over the samples; the
 * file holds no spread). A zero Jacobian norm has no place on its log axis and is not drawn.
 */
final class ScalingCharts {
    private ScalingCharts() {
    }

    static void draw(ChartFolder folder) {
        Table t = folder.csv("saturation");
        int keys = (int) Results.number(t, "keys", 0);
        String over = " over S = " + keys + " keys vs head width (mean of " + (int) Results.number(t, "samples", 0)
                + " random queries and key sets)";
        String x = "head width D (log₂)";
        XYChart entropy = Charts.lines("Softmax entropy" + over, x, "mean entropy (nats)", true, false);
        draw(entropy, t, "mean_entropy_nats");
        Charts.horizontal(entropy, "uniform: ln S", Results.number(t, "uniform_entropy_nats", 0));
        folder.save(entropy, "entropy_vs_head_dim");
        XYChart top = Charts.lines("Largest attention weight" + over, x, "mean largest weight (probability, 0–1)", true, false);
        draw(top, t, "mean_max_weight");
        Charts.horizontal(top, "uniform: 1/S", 1.0 / keys);
        folder.save(top, "max_weight_vs_head_dim");
        XYChart jacobian = Charts.lines("Softmax Jacobian norm ‖diag(p) − ppᵀ‖_F" + over, x,
                "mean Frobenius norm (log₂)", true, true);
        draw(jacobian, t, "mean_jacobian_frobenius");
        folder.save(jacobian, "jacobian_vs_head_dim");
    }

    /** Scaled, then unscaled; rows whose value is 0 left out. */
    private static void draw(XYChart chart, Table t, String column) {
        Map<String, List<Integer>> groups = ChartFolder.groups(t, r -> Results.number(t, column, r) > 0,
                r -> Results.text(t, "scaled", r).equals("none") ? "unscaled" : "scaled by 1/√D");
        for (String name : List.of("scaled by 1/√D", "unscaled")) {
            List<Integer> rows = groups.get(name);
            if (rows != null) {
                Charts.series(chart, name, ChartFolder.numbers(t, "head_dim", rows), ChartFolder.numbers(t, column, rows));
            }
        }
    }
}
