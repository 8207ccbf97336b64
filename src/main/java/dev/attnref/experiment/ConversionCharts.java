package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

/**
 * E08's charts: the relative output error of an MHA layer converted without training, to GQA by
 * mean-pooling its K/V heads ({@code mha_to_gqa.csv}, one series per correlation ρ between heads) and to a
 * low-rank latent K/V by truncated SVD ({@code mha_to_latent.csv}, one series per weight spectrum).
 */
final class ConversionCharts {
    private ConversionCharts() {
    }

    static void draw(ChartFolder folder) {
        Spec spec = folder.spec();
        int heads = spec.integer("heads");
        Table gqa = folder.csv("mha_to_gqa");
        XYChart pooled = Charts.lines("MHA → GQA by mean-pooling K/V heads (H = " + heads + ", no uptraining)",
                "key/value heads G (log₂)", "relative output error ‖o_GQA − o_MHA‖_F / ‖o_MHA‖_F", true, false);
        ChartFolder.groups(gqa, r -> true, r -> "ρ = " + Results.number(gqa, "correlation", r)).forEach((name, rows) ->
                Charts.series(pooled, name, ChartFolder.numbers(gqa, "kv_heads", rows),
                        ChartFolder.numbers(gqa, "relative_output_error", rows)));
        folder.save(pooled, "mha_to_gqa");

        Table latent = folder.csv("mha_to_latent");
        XYChart svd = Charts.lines("MHA → low-rank latent K/V by truncated SVD of [W_K; W_V] (H·D = "
                + heads * spec.integer("headDim") + ", cache 2·H·D → C values per token, no uptraining)",
                "latent width C (log₂)", "relative output error ‖o_C − o_MHA‖_F / ‖o_MHA‖_F", true, false);
        ChartFolder.groups(latent, r -> true, r -> Results.text(latent, "spectrum", r) + " spectrum").forEach((name, rows) ->
                Charts.series(svd, name, ChartFolder.numbers(latent, "latent_width", rows),
                        ChartFolder.numbers(latent, "relative_output_error", rows)));
        folder.save(svd, "mha_to_latent");
    }
}
