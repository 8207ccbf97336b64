package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * E01's charts, from {@code kv_per_token.csv} and {@code capacity.csv}: bytes cached per token per model
 * form at each precision, and the tokens whose bf16 cache fits beside the weights on each device.
 */
final class KvCacheCharts {
    private KvCacheCharts() {
    }

    static void draw(ChartFolder folder) {
        Table perToken = folder.csv("kv_per_token");
        List<String> names = labels(perToken);
        XYChart bytes = Charts.categories("KV cache per token, all layers, at each cache precision", "model · form",
                "bytes per token (log₂; K = 1,024)", names, true);
        ChartFolder.groups(perToken, r -> true, r -> Results.text(perToken, "precision", r)).forEach((precision, rows) ->
                Charts.series(bytes, precision, at(perToken, names, rows), ChartFolder.numbers(perToken, "bytes_per_token", rows)));
        folder.save(bytes, "kv_bytes_per_token");

        Table capacity = folder.csv("capacity");
        XYChart fit = Charts.categories("Tokens (batch × context) whose bf16 KV cache fits beside the bf16 weights, at "
                        + "the smallest tensor-parallel degree t ≤ 8 (one device for this machine's RAM); no point: the "
                        + "weights do not fit", "model · form", "tokens that fit (log₂; K = 1,024, M = 1,024²)", names, true);
        Map<String, List<Integer>> byDevice = ChartFolder.groups(capacity,
                r -> Results.text(capacity, "precision", r).equals("bf16") && Results.number(capacity, "tokens_that_fit", r) > 0,
                r -> Results.text(capacity, "device", r));
        byDevice.forEach((device, rows) -> Charts.series(fit, device, at(capacity, names, rows),
                ChartFolder.numbers(capacity, "tokens_that_fit", rows)));
        folder.save(fit, "tokens_that_fit_bf16");
    }

    /** The model forms in file order, as chart labels. */
    private static List<String> labels(Table table) {
        List<String> names = new ArrayList<>();
        for (int r = 0; r < table.rowCount(); r++) {
            String label = label(table, r);
            if (!names.contains(label)) {
                names.add(label);
            }
        }
        return names;
    }

    /** Short label: model and form, the ablation names abbreviated. */
    private static String label(Table table, int row) {
        return Results.text(table, "model", row).replace("DeepSeek-V2 ablation: ", "V2 ablation ").replace(" MoE, MHA", "")
                + " · " + Results.text(table, "form", row);
    }

    private static double[] at(Table table, List<String> names, List<Integer> rows) {
        return Charts.indices(names, rows.stream().map(r -> label(table, r)).toList());
    }
}
