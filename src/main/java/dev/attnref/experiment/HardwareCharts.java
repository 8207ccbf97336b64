package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * E04's chart, from {@code sweep.csv}: the GQA decode step per engine and thread count, one series per
 * JDK, each median with its min–max bar. A sweep without decode rows (no JDK found) has no chart.
 */
final class HardwareCharts {
    private HardwareCharts() {
    }

    static void draw(ChartFolder folder) {
        Table t = folder.csv("sweep");
        Map<String, List<Integer>> byJdk = ChartFolder.groups(t, r -> Results.text(t, "measure", r).equals("decode_gqa"),
                r -> Results.text(t, "java_version", r));
        if (byJdk.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        byJdk.values().forEach(rows -> rows.stream().map(r -> name(t, r)).filter(n -> !names.contains(n)).forEach(names::add));
        Spec spec = folder.spec();
        int first = byJdk.values().iterator().next().get(0);
        XYChart chart = Charts.categories("GQA decode step (H = " + spec.integer("heads") + ", G = " + spec.integer("kvHeads")
                + ", D = " + spec.integer("headDim") + ", S = " + spec.integer("cacheLength") + ") by engine, threads and "
                + "JDK; bars: min–max of " + (int) Results.number(t, "repeats", first) + " rounds", "engine, threads",
                "ms per step (log₂)", names, true);
        byJdk.forEach((jdk, rows) -> Charts.series(chart, jdk, Charts.indices(names, rows.stream().map(r -> name(t, r)).toList()),
                ChartFolder.numbers(t, "value", rows), ChartFolder.numbers(t, "min", rows), ChartFolder.numbers(t, "max", rows)));
        folder.save(chart, "decode_by_engine_threads_jdk");
    }

    private static String name(Table t, int row) {
        return Results.text(t, "variant", row).replace(" (dev.attnref.fast)", "") + ", "
                + (int) Results.number(t, "run_threads", row) + " thread" + (Results.number(t, "run_threads", row) == 1 ? "" : "s");
    }
}
