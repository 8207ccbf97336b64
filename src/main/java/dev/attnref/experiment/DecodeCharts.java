package dev.attnref.experiment;

import dev.attnref.attention.GqaShape;
import dev.attnref.fast.Kernels;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import tech.tablesaw.api.Table;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * E02's charts. Measured, from {@code decode_measured.csv} and {@code machine.csv} (the spec's chart
 * kernels): step time against cache length and against bytes read, achieved bandwidth and FLOP/s, each
 * median with its min–max bar. Modelled: arithmetic intensity per catalogue form ({@code intensity.csv})
 * against the accelerators' ridge points, and the per-layer roofline on an H100 with the attention core
 * (cache read, core FLOPs) apart from the projections (weights read), whose bytes dominate a layer at
 * short context:
 * <pre>
 *   core time        = max(core FLOPs / peak, cache bytes / bandwidth)
 *   projection time  = max(projection FLOPs / peak, (weight + activation bytes) / bandwidth)
 * </pre>
 * ({@link AttentionCost}, bf16, batch 1, at the cache lengths of {@code roofline_decode.csv}).
 */
final class DecodeCharts {
    private DecodeCharts() {
    }

    static void draw(ChartFolder folder) {
        measured(folder);
        roofline(folder, HardwareCatalogue.H100_SXM);
        intensity(folder);
    }

    private static void measured(ChartFolder folder) {
        Table t = folder.csv("decode_measured");
        Table machine = folder.csv("machine");
        String engine = DecodeExperiment.label(folder.spec().choice("chartKernels", Kernels.class));
        Map<String, List<Integer>> series = ChartFolder.groups(t, r -> Results.text(t, "engine", r).equals(engine),
                r -> Results.text(t, "variant", r));
        if (series.isEmpty()) {
            throw new IllegalArgumentException("decode_measured.csv has no rows of engine '" + engine
                    + "' (spec chartKernels); expected the chart kernels' rows");
        }
        int threads = (int) Results.number(t, "threads", 0);
        String note = " (" + engine + ", " + threads + " thread" + (threads == 1 ? "" : "s") + ", "
                + folder.spec().text("clock") + " time; bars: min–max of " + (int) Results.number(t, "repeats", 0)
                + " rounds)";
        XYChart time = Charts.lines("Decode step time vs cache length" + note + "; dashed: this CPU's roofline of each core",
                "cache length S (tokens, log₂)", "ms per step (log₂)", true, true);
        XYChart vsBytes = Charts.lines("Decode step time vs bytes of K/V cache read" + note,
                "bytes read per step (log₂; M = 1,024²)", "ms per step (log₂)", true, true);
        XYChart bandwidth = Charts.lines("Achieved K/V read bandwidth of a decode step" + note,
                "cache length S (tokens, log₂)", "GB/s (10⁹ bytes per second)", true, false);
        XYChart gflops = Charts.lines("Achieved FLOP/s of a decode step" + note, "cache length S (tokens, log₂)",
                "GFLOP/s (log₂)", true, true);
        series.forEach((variant, rows) -> {
            double[] s = ChartFolder.numbers(t, "cache_length", rows);
            double[] ms = ChartFolder.numbers(t, "median_ms", rows);
            double[] low = ChartFolder.numbers(t, "min_ms", rows);
            double[] high = ChartFolder.numbers(t, "max_ms", rows);
            double[] bytes = ChartFolder.numbers(t, "bytes_read", rows);
            double[] flops = ChartFolder.numbers(t, "flops", rows);
            XYSeries line = Charts.series(time, variant, s, ms, low, high);
            XYSeries roof = Charts.modelled(time, variant + " roofline", s, ChartFolder.numbers(t, "roofline_ms", rows));
            roof.setLineColor(line.getLineColor());
            roof.setShowInLegend(false);
            Charts.series(vsBytes, variant, bytes, ms, low, high);
            Charts.series(bandwidth, variant, s, rate(bytes, ms), rate(bytes, high), rate(bytes, low));
            Charts.series(gflops, variant, s, rate(flops, ms), rate(flops, high), rate(flops, low));
        });
        Charts.horizontal(bandwidth, "read loop over the same memory (measured)", Results.number(machine, "read_gb_per_s", 0));
        Charts.horizontal(gflops, "FMA loop peak (measured)", Results.number(machine, "fma_f32_gflops", 0));
        for (Imported.Series s : folder.imported("decode_time")) {
            Charts.imported(time, s.label(), s.x(), s.y());
        }
        folder.save(time, "decode_time");
        folder.save(vsBytes, "decode_time_vs_bytes");
        folder.save(bandwidth, "decode_bandwidth");
        folder.save(gflops, "decode_gflops");
    }

    /** amount per millisecond, in 10⁹ per second. */
    private static double[] rate(double[] amount, double[] ms) {
        double[] r = new double[amount.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = amount[i] / (ms[i] * 1e-3) / 1e9;
        }
        return r;
    }

    /** Core time per form against S (dense and latent forms in two panels) and each form's projections. */
    private static void roofline(ChartFolder folder, Hardware hw) {
        Table t = folder.csv("roofline_decode");
        Map<String, List<Integer>> rows = ChartFolder.groups(t,
                r -> Results.text(t, "device", r).equals(hw.name()) && Results.number(t, "batch", r) == 1,
                r -> Results.text(t, "form", r));
        Map<String, DecodeExperiment.ModelForm> forms = DecodeExperiment.catalogueForms();
        XYChart dense = Charts.lines("attention core: MHA / GQA / MQA", "cache length S (tokens, log₂)",
                "µs per layer (log₂)", true, true);
        XYChart latent = Charts.lines("attention core: MLA / MFA", "cache length S (tokens, log₂)",
                "µs per layer (log₂)", true, true);
        List<String> names = new ArrayList<>(rows.keySet());
        double[] projections = new double[names.size()];
        double[] coreAtReference = new double[names.size()];
        double[] layerAtReference = new double[names.size()];
        double reference = referenceLength(t, rows.get(names.get(0)));
        for (int i = 0; i < names.size(); i++) {
            DecodeExperiment.ModelForm f = formOf(forms, names.get(i));
            List<Integer> formRows = rows.get(names.get(i));
            double[] s = ChartFolder.numbers(t, "cache_length", formRows);
            double[] core = new double[s.length];
            for (int j = 0; j < s.length; j++) {
                AttentionCost c = AttentionCost.decode(f.shape(), f.form(), 1, (long) s[j], KvPrecision.BF16);
                core[j] = Math.max(c.coreFlops() / hw.matrixFlops(), (c.cacheReadBytes() + c.cacheWriteBytes()) / hw.bandwidth()) * 1e6;
                if (s[j] == reference) {
                    coreAtReference[i] = core[j];
                    layerAtReference[i] = Results.number(t, "predicted_us", formRows.get(j));
                }
            }
            AttentionCost c = AttentionCost.decode(f.shape(), f.form(), 1, (long) s[0], KvPrecision.BF16);
            projections[i] = Math.max(c.projectionFlops() / hw.matrixFlops(),
                    (c.weightBytes() + c.activationBytes()) / hw.bandwidth()) * 1e6;
            Charts.series(f.shape() instanceof GqaShape ? dense : latent, names.get(i), s, core);
        }
        String at = "S = " + Charts.octaveLabel(Math.log(reference) / Math.log(2), true);
        XYChart parts = Charts.categories("per form: projections, and the core and whole layer at " + at, "model form",
                "µs per layer (log₂)", names, true);
        double[] x = Charts.indices(names, names);
        Charts.series(parts, "projections (weights read)", x, projections);
        Charts.series(parts, "attention core at " + at, x, coreAtReference);
        Charts.series(parts, "whole layer at " + at + " (roofline_decode.csv)", x, layerAtReference);
        folder.save("Roofline decode time per layer on " + hw.name() + " (bf16, batch 1, modelled): the attention core "
                + "(K/V cache read) apart from the projections (weights read), each at its own roofline", List.of(dense,
                latent, parts), 1, "roofline_decode_h100");
    }

    /** The cache length the forms are compared at: 32K, or the longest below it, or the shortest. */
    private static double referenceLength(Table t, List<Integer> rows) {
        double[] lengths = ChartFolder.numbers(t, "cache_length", rows);
        double below = Arrays.stream(lengths).filter(s -> s <= 32768).max().orElse(Double.NaN);
        return Double.isNaN(below) ? Arrays.stream(lengths).min().orElseThrow() : below;
    }

    private static DecodeExperiment.ModelForm formOf(Map<String, DecodeExperiment.ModelForm> forms, String name) {
        DecodeExperiment.ModelForm f = forms.get(name);
        if (f == null) {
            throw new IllegalArgumentException("roofline_decode.csv names form '" + name + "', which is not in the "
                    + "catalogue; expected one of " + forms.keySet());
        }
        return f;
    }

    /** Core and whole-layer intensity per form (intensity.csv) against the accelerators' ridge points. */
    private static void intensity(ChartFolder folder) {
        Table t = folder.csv("intensity");
        List<Integer> rows = ChartFolder.groups(t, r -> true, r -> "all").get("all");
        List<String> names = rows.stream().map(r -> Results.text(t, "form", r)).toList();
        XYChart chart = Charts.categories("Decode arithmetic intensity (bf16 cache) per catalogue form against the "
                + "ridge points of accelerators (above a ridge: compute-bound there)", "model form",
                "FLOP per byte (log₂)", names, true);
        double[] at = Charts.indices(names, names);
        Charts.series(chart, "attention core", at, ChartFolder.numbers(t, "core_intensity_bf16", rows));
        Charts.series(chart, "whole layer, S = 32K, batch 1", at, ChartFolder.numbers(t, "layer_intensity_s32k_b1", rows));
        Charts.series(chart, "whole layer, S = 32K, batch 64", at, ChartFolder.numbers(t, "layer_intensity_s32k_b64", rows));
        for (Hardware hw : List.of(HardwareCatalogue.H100_SXM, HardwareCatalogue.A100_80GB, HardwareCatalogue.L4)) {
            Charts.horizontal(chart, String.format(Locale.ROOT, "ridge %s (%.0f FLOP/B)", hw.name(), hw.ridge()), hw.ridge());
        }
        folder.save(chart, "decode_intensity");
    }
}
