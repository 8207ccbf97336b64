package dev.attnref.experiment;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.KvCache;
import dev.attnref.attention.LatentCache;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.knowm.xchart.XYChart;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * E03 — prefill scaling: measured time of a causal prefill against the sequence length S for every
 * variant's attention core, with the exponent k of a least-squares fit {@code time ≈ a·S^k}; and the
 * same for the whole float64 reference MLA modules ({@link NaiveMla}, {@link AbsorbedMla}: projections,
 * RoPE, norms and attention), where linear projection work competes with the quadratic core at small S.
 *
 * <pre>
 *   pairs(S)  = S(S+1)/2                       every query scores every earlier key
 *   FLOPs     = pairs · 2·H·(Dk + Dv)          quadratic in S for every variant, MLA included
 *   fit       : log time = log a + k · log S  over the points with S ≥ fitFrom
 * </pre>
 *
 * <p>{@code clock}: {@code wall} (the spec's threads) or {@code thread-cpu} (one thread, its CPU time — on
 * shared cores wall time of a long run is inflated by whoever else runs, which bends a fitted exponent).
 *
 * <p>Evidence for claim C-MLA-LINEAR (the seed says MLA is linear or near-linear in the sequence
 * length): an exponent near 2 for MLA, as for MHA. Checked by {@code ExperimentCommandTest} (fit on
 * synthetic points) and {@code ExperimentFrameworkTest}.
 */
public final class PrefillExperiment implements Experiment {
    private static final long SEED = 0xE03L;

    @Override
    public String id() {
        return "E03";
    }

    @Override
    public String folder() {
        return "E03-prefill";
    }

    @Override
    public String title() {
        return "Prefill time vs sequence length per variant, fitted exponent";
    }

    /** Slope and R² of the least-squares line through (log x, log y). */
    public record Fit(double exponent, double logIntercept, double rSquared, int points) {
    }

    /** Least-squares fit of {@code y ≈ a·x^k} over the points with {@code x ≥ from}. */
    public static Fit fitPower(double[] x, double[] y, double from) {
        List<double[]> points = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (x[i] >= from) {
                points.add(new double[] {Math.log(x[i]), Math.log(y[i])});
            }
        }
        if (points.size() < 2) {
            throw new IllegalArgumentException("fit needs ≥ 2 points with x ≥ " + from + "; got " + points.size());
        }
        double n = points.size();
        double mx = points.stream().mapToDouble(p -> p[0]).sum() / n;
        double my = points.stream().mapToDouble(p -> p[1]).sum() / n;
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (double[] p : points) {
            sxx += (p[0] - mx) * (p[0] - mx);
            sxy += (p[0] - mx) * (p[1] - my);
            syy += (p[1] - my) * (p[1] - my);
        }
        double k = sxy / sxx;
        double r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return new Fit(k, my - k * mx, r2, points.size());
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        List<Integer> lengths = spec.integers("lengths");
        int maxLength = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        CoreKernels.Engine engine = CoreKernels.Engine.valueOf(spec.text("engine"));
        double fitFrom = spec.number("fitFrom");
        // thread CPU time of a one-thread prefill: immune to other processes on the shared cores
        boolean threadCpu = spec.text("clock").equals("thread-cpu");
        if (!threadCpu && !spec.text("clock").equals("wall")) {
            throw new IllegalArgumentException("clock (" + spec.text("clock") + ") must be wall or thread-cpu");
        }
        int threads = threadCpu ? 1 : context.threads();

        CoreKernels.warmUp(engine, threads, spec.number("jitWarmupSeconds"));
        Results measured = Results.of("prefill_measured", "variant:s", "shape:s", "engine:s", "clock:s", "length:i",
                "median_ms:d",
                "min_ms:d", "repeats:i", "flops:d", "gflop_per_s:d");
        Results fits = Results.of("prefill_fit", "variant:s", "shape:s", "what:s", "fit_from:d", "points:i",
                "exponent:d", "r_squared:d");
        Map<String, double[][]> series = new LinkedHashMap<>();
        List<Spec> shapes = spec.objects("shapes");
        int total = shapes.size() * lengths.size();
        int done = 0;
        for (Spec shapeSpec : shapes) {
            CoreShape shape = CoreShape.fromSpec(shapeSpec);
            CoreCache cache = CoreCache.random(shape, maxLength, maxLength, engine.float64(), SEED);
            double scale = 1 / Math.sqrt(shape.keyWidth());
            double[] xs = new double[lengths.size()];
            double[] ys = new double[lengths.size()];
            try (CoreKernels kernels = new CoreKernels(engine, threads)) {
                for (int i = 0; i < lengths.size(); i++) {
                    int s = lengths.get(i);
                    double[] out = new double[s * shape.numHeads() * shape.valueWidth()];
                    Timing.Result t = Timing.measure(() -> kernels.prefill(cache, s, scale, out), spec.integer("warmups"),
                            i == 0 ? spec.number("warmupSeconds") : 0, spec.integer("minRepeats"), spec.number("minSeconds"),
                            threadCpu);
                    double pairs = (double) s * (s + 1) / 2;
                    double flops = pairs * shape.flopsPerPair() + (double) s * shape.flopsPerKeyRead() * (s + 1) / 2;
                    measured.add(shape.label(), shape.describe(), engine.label(), spec.text("clock"), s,
                            t.medianSeconds() * 1e3,
                            t.minSeconds() * 1e3, t.repeats(), flops, flops / t.medianSeconds() / 1e9);
                    xs[i] = s;
                    ys[i] = t.medianSeconds() * 1e3;
                    done++;
                    context.log("%d/%d %s S=%d: %.3f ms (%.1f GFLOP/s)", done, total, shape.label(), s,
                            t.medianSeconds() * 1e3, flops / t.medianSeconds() / 1e9);
                }
            }
            Fit fit = fitPower(xs, ys, fitFrom);
            fits.add(shape.label(), shape.describe(), "core, " + engine.label(), fitFrom, fit.points(), fit.exponent(),
                    fit.rSquared());
            context.log("%s: time ∝ S^%.2f (R² %.3f)", shape.label(), fit.exponent(), fit.rSquared());
            series.put(shape.describe(), new double[][] {xs, ys});
        }

        Map<String, double[][]> moduleSeries = timeModules(context, measured, fits);
        context.write(measured, "prefill_measured", threads);
        context.write(fits, "prefill_fit", threads);
        context.write(rooflineTable(spec.integers("catalogueLengths")), "roofline_prefill");

        XYChart time = Charts.lines("Causal prefill: attention core time vs S (" + engine.label() + ", " + threads
                + " thread" + (threads == 1 ? "" : "s") + ", " + spec.text("clock") + " time)", "sequence length S",
                "ms (log)", true, true);
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            Charts.series(time, e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        double[][] first = series.values().iterator().next();
        double[] guideX = {first[0][0], first[0][first[0].length - 1]};
        double anchor = first[1][first[1].length - 1];
        Charts.modelled(time, "∝ S² (guide)", guideX, new double[] {anchor * Math.pow(guideX[0] / guideX[1], 2), anchor});
        Charts.modelled(time, "∝ S (guide)", guideX, new double[] {anchor * guideX[0] / guideX[1], anchor});
        for (Imported.Series s : Imported.forChart(context.experimentDir(), "prefill_time")) {
            Charts.imported(time, s.label(), s.x(), s.y());
        }
        context.chart(time, "prefill_time");

        XYChart modules = Charts.lines("Causal prefill of a whole MLA layer (float64 reference modules, 1 thread)",
                "sequence length S", "ms (log)", true, true);
        for (Map.Entry<String, double[][]> e : moduleSeries.entrySet()) {
            Charts.series(modules, e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
        context.chart(modules, "prefill_mla_modules");
    }

    /** Times NaiveMla and AbsorbedMla forward over a fresh cache (whole layer, float64, one thread). */
    private static Map<String, double[][]> timeModules(ExperimentContext context, Results measured, Results fits) {
        Spec spec = context.spec();
        Spec m = spec.object("moduleShape");
        MlaShape shape = new MlaShape(m.integer("modelWidth"), m.integer("heads"), m.integer("qLoraRank"),
                m.integer("kvLoraRank"), m.integer("nopeDim"), m.integer("ropeDim"), m.integer("valueDim"));
        MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(SEED));
        NaiveMla naive = new NaiveMla(weights);
        AbsorbedMla absorbed = new AbsorbedMla(weights);
        List<Integer> lengths = spec.integers("moduleLengths");
        Map<String, double[][]> out = new LinkedHashMap<>();
        String describe = "M" + shape.modelWidth() + " H" + shape.numHeads() + " C" + shape.kvLoraRank() + " P"
                + shape.qkRopeHeadDim();
        for (String form : List.of("MLA (naive) module", "MLA (absorbed) module")) {
            double[] xs = new double[lengths.size()];
            double[] ys = new double[lengths.size()];
            for (int i = 0; i < lengths.size(); i++) {
                int s = lengths.get(i);
                Tensor x = Tensor.randn(new SeededRandom(SEED + s), 1.0, 1, s, shape.modelWidth());
                Runnable call = form.startsWith("MLA (naive)")
                        ? () -> {
                            KvCache cache = naive.newCache(1, 0);
                            naive.forward(x, cache);
                        }
                        : () -> {
                            LatentCache cache = absorbed.newCache(1, 0);
                            absorbed.forward(x, cache);
                        };
                Timing.Result t = Timing.measure(call, 1, 0, spec.integer("minRepeats"), spec.number("minSeconds"),
                        spec.text("clock").equals("thread-cpu"));
                measured.add(form, describe, "float64 reference module", spec.text("clock"), s, t.medianSeconds() * 1e3, t.minSeconds() * 1e3,
                        t.repeats(), Double.NaN, Double.NaN);
                xs[i] = s;
                ys[i] = t.medianSeconds() * 1e3;
                context.log("%s S=%d: %.1f ms", form, s, t.medianSeconds() * 1e3);
            }
            double from = spec.number("moduleFitFrom");
            Fit fit = fitPower(xs, ys, from);
            fits.add(form, describe, "whole layer, float64 reference", from, fit.points(), fit.exponent(), fit.rSquared());
            context.log("%s: time ∝ S^%.2f (R² %.3f)", form, fit.exponent(), fit.rSquared());
            out.put(form, new double[][] {xs, ys});
        }
        return out;
    }

    /** Predicted prefill time per layer for every catalogue form on the accelerators (bf16, batch 1). */
    public static Results rooflineTable(List<Integer> lengths) {
        Results t = Results.of("roofline_prefill", "form:s", "variant:s", "device:s", "length:i", "flops:d",
                "core_flops:d", "bytes:d", "predicted_ms:d", "bound:s");
        for (Map.Entry<String, DecodeExperiment.ModelForm> e : DecodeExperiment.catalogueForms().entrySet()) {
            DecodeExperiment.ModelForm f = e.getValue();
            for (Hardware hw : HardwareCatalogue.accelerators()) {
                for (int s : lengths) {
                    AttentionCost c = AttentionCost.prefill(f.shape(), f.form(), 1, s, KvPrecision.BF16);
                    t.add(e.getKey(), f.formLabel(), hw.name(), s, c.flops(), c.coreFlops(), c.bytes(),
                            c.seconds(hw) * 1e3, c.memoryBound(hw) ? "memory" : "compute");
                }
            }
        }
        return t;
    }
}
