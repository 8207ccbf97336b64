package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Map;

/**
 * E05's charts: float32 decode error against the float64 oracle ({@code float32_vs_float64.csv}), absorbed
 * against naive MLA ({@code mla_absorbed_vs_naive.csv}), both against S beside the unit roundoffs, and the
 * rank of MLA's per-head bilinear form against C beside its bound ({@code mla_head_rank.csv}). A difference
 * of exactly 0 has no place on a log axis and is not drawn.
 */
final class NumericsCharts {
    private static final double FLOAT32_ROUNDOFF = Math.pow(2, -24);
    private static final double FLOAT64_ROUNDOFF = Math.pow(2, -53);

    private NumericsCharts() {
    }

    static void draw(ChartFolder folder) {
        Table f32 = folder.csv("float32_vs_float64");
        XYChart precision = Charts.lines("Decode step on the float32 kernels against the float64 oracle vs cache length ("
                + Results.text(f32, "shape", 0) + ")", "cache length S (tokens, log₂)",
                "max |o₃₂ − o₆₄| / max |o₆₄| (log₂)", true, true);
        curves(precision, f32, "engine", "cache_length", "max_relative_error");
        Charts.horizontal(precision, "float32 unit roundoff u = 2⁻²⁴", FLOAT32_ROUNDOFF);
        folder.save(precision, "float32_error_vs_length");

        Table mla = folder.csv("mla_absorbed_vs_naive");
        XYChart absorbed = Charts.lines("Absorbed against naive MLA: relative difference vs sequence length",
                "sequence / cache length S (tokens, log₂)", "max relative difference (log₂)", true, true);
        curves(absorbed, mla, "comparison", "length", "max_relative_difference");
        Charts.horizontal(absorbed, "float32 unit roundoff 2⁻²⁴", FLOAT32_ROUNDOFF);
        Charts.horizontal(absorbed, "float64 unit roundoff 2⁻⁵³", FLOAT64_ROUNDOFF);
        folder.save(absorbed, "mla_absorbed_vs_naive");

        Table rank = folder.csv("mla_head_rank");
        XYChart ranks = Charts.lines("MLA: numerical rank of one head's no-RoPE bilinear form W_UQᵀ·W_UK vs latent width C "
                        + "(query input width " + (int) Results.number(rank, "query_input_width", 0)
                        + "); dashed: the bound min(D_nope, Q_in, C)", "latent width C (log₂)", "rank (log₂)", true, true);
        ChartFolder.groups(rank, r -> true, r -> "D_nope = " + (int) Results.number(rank, "nope_dim", r)).forEach((name, rows) -> {
            double[] c = ChartFolder.numbers(rank, "latent_width", rows);
            XYSeries s = Charts.series(ranks, name, c, ChartFolder.numbers(rank, "max_rank_over_heads", rows));
            XYSeries bound = Charts.modelled(ranks, name + " bound", c, ChartFolder.numbers(rank, "bound_min_dnope_qin_c", rows));
            bound.setLineColor(s.getLineColor());
            bound.setShowInLegend(false);
        });
        folder.save(ranks, "mla_head_rank");
    }

    /** One series per value of {@code key}: {@code y} against {@code x}, rows where y is 0 left out. */
    private static void curves(XYChart chart, Table t, String key, String x, String y) {
        Map<String, List<Integer>> groups = ChartFolder.groups(t, r -> Results.number(t, y, r) > 0, r -> Results.text(t, key, r));
        groups.forEach((name, rows) -> Charts.series(chart, name, ChartFolder.numbers(t, x, rows), ChartFolder.numbers(t, y, rows)));
    }
}
