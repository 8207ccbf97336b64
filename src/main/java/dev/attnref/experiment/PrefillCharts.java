package dev.attnref.experiment;

import org.knowm.xchart.XYChart;
import tech.tablesaw.api.Table;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * E03's charts, from {@code prefill_measured.csv} and {@code prefill_fit.csv}: prefill time against S for
 * every core on the fast kernels and for the whole float64 MLA modules, each median with its min–max bar,
 * each series labelled with its fitted exponent k and 95% interval, and dark ∝ S² and ∝ S guides drawn
 * through a point one octave above the slowest series' last median (above the data, never on it).
 */
final class PrefillCharts {
    /** The engine column of the whole-layer module rows. */
    private static final String MODULE_ENGINE = "float64 reference module";

    private PrefillCharts() {
    }

    static void draw(ChartFolder folder) {
        Table t = folder.csv("prefill_measured");
        Table fits = folder.csv("prefill_fit");
        Map<String, List<Integer>> cores = ChartFolder.groups(t, r -> !Results.text(t, "engine", r).equals(MODULE_ENGINE),
                r -> Results.text(t, "shape", r));
        Map<String, List<Integer>> modules = ChartFolder.groups(t, r -> Results.text(t, "engine", r).equals(MODULE_ENGINE),
                r -> Results.text(t, "variant", r));
        int first = cores.values().iterator().next().get(0);
        int threads = (int) Results.number(t, "threads", first);
        String how = threads + " thread" + (threads == 1 ? "" : "s") + ", " + Results.text(t, "clock", first)
                + " time; bars: min–max of " + (int) Results.number(t, "repeats", first) + " rounds; k: exponent of a "
                + "least-squares fit time ≈ a·Sᵏ with its 95% interval";
        XYChart time = Charts.lines("Causal prefill: attention core time vs S (" + Results.text(t, "engine", first) + ", "
                + how + ")", "sequence length S (tokens, log₂)", "ms (log₂)", true, true);
        draw(time, t, fits, cores, "shape");
        for (Imported.Series s : folder.imported("prefill_time")) {
            Charts.imported(time, s.label(), s.x(), s.y());
        }
        folder.save(time, "prefill_time");
        XYChart layers = Charts.lines("Causal prefill of a whole MLA layer (float64 reference modules: projections, "
                + "RoPE, norms and attention; " + how + ")", "sequence length S (tokens, log₂)", "ms (log₂)", true, true);
        draw(layers, t, fits, modules, "variant");
        folder.save(layers, "prefill_mla_modules");
    }

    /** One series per group, named with its fit ({@code key}: the fit column the group is keyed by), then the guides. */
    private static void draw(XYChart chart, Table t, Table fits, Map<String, List<Integer>> groups, String key) {
        double lastS = 0;
        double top = 0;
        for (Map.Entry<String, List<Integer>> e : groups.entrySet()) {
            List<Integer> rows = e.getValue();
            double[] s = ChartFolder.numbers(t, "length", rows);
            double[] ms = ChartFolder.numbers(t, "median_ms", rows);
            Charts.series(chart, e.getKey() + fitLabel(fits, key, e.getKey()), s, ms, ChartFolder.numbers(t, "min_ms", rows),
                    ChartFolder.numbers(t, "max_ms", rows));
            lastS = Math.max(lastS, s[s.length - 1]);
            top = Math.max(top, ms[ms.length - 1]);
        }
        double firstS = groups.values().stream().mapToDouble(rows -> Results.number(t, "length", rows.get(0))).min().orElseThrow();
        double anchor = 2 * top;
        double[] x = {firstS, lastS};
        Charts.modelled(chart, "∝ S² (guide)", x, new double[] {anchor * Math.pow(firstS / lastS, 2), anchor});
        Charts.modelled(chart, "∝ S (guide)", x, new double[] {anchor * firstS / lastS, anchor});
    }

    /** ": k = 1.97 [1.92, 2.02]" from the fit of the series whose {@code key} column is {@code name}. */
    private static String fitLabel(Table fits, String key, String name) {
        for (int r = 0; r < fits.rowCount(); r++) {
            if (Results.text(fits, key, r).equals(name)) {
                return String.format(Locale.ROOT, ": k = %.2f [%.2f, %.2f]", Results.number(fits, "exponent", r),
                        Results.number(fits, "exponent_low95", r), Results.number(fits, "exponent_high95", r));
            }
        }
        throw new IllegalArgumentException("prefill_fit.csv has no fit of " + key + " '" + name
                + "'; expected one per series of prefill_measured.csv");
    }
}
