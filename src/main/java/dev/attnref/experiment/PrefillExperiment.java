package dev.attnref.experiment;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * E03 — prefill scaling: measured time of a causal prefill against the sequence length S for every
 * variant's attention core on the product's float32 kernels ({@code dev.attnref.fast} through
 * {@link FastStep}), with the exponent k of a least-squares fit {@code time ≈ a·S^k} and its 95%
 * confidence interval ({@link PowerFit}); and the same for the whole float64 reference MLA modules
 * ({@link NaiveMla}, {@link AbsorbedMla}: projections, RoPE, norms and attention), where linear
 * projection work competes with the quadratic core at small S.
 *
 * <pre>
 *   pairs(S)  = S(S+1)/2                       every query scores every earlier key
 *   FLOPs     = pairs · 2·H·(Dk + Dv)          quadratic in S for every variant, MLA included
 *   fit       : log time = log a + k · log S  over fitFrom ≤ S ≤ the largest S, at least 4 octaves
 * </pre>
 *
 * <p>Timing ({@link Timing}): at each S every series is warmed up until the JIT is quiet, then timed in
 * ≥ 5 rounds of seeded random order, so no variant is always first. {@code clock}: {@code wall} (the
 * spec's threads) or {@code thread-cpu} (one thread, its CPU time — on shared cores wall time of a long
 * run is inflated by whoever else runs, which bends a fitted exponent).
 *
 * <p>Evidence for claim C-MLA-LINEAR (the seed says MLA is linear or near-linear in the sequence
 * length): an exponent near 2 for MLA, as for MHA. Checked by {@code ExperimentCommandTest} (tiny spec
 * end to end) and {@code PowerFitTest}.
 */
public final class PrefillExperiment implements Experiment {
    private static final long SEED = 0xE03L;
    /** The shortest range a fitted exponent may span. */
    static final double MIN_OCTAVES = 4;

    /** One measured point of a series. */
    record Point(String variant, String shape, String engine, int length, Timing.Stats time, double flops) {
        /** Which series the point belongs to: variant and shape (two MHA cores differ only in shape). */
        String series() {
            return variant + " · " + shape;
        }
    }

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

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        Timing.Settings timing = Timing.Settings.from(spec, SEED);
        int threads = timing.threadCpu() ? 1 : context.threads();
        Kernels kernels = spec.choice("kernels", Kernels.class);
        String engine = DecodeExperiment.label(kernels);

        // modules first: their lengths are the same in the quick and full blocks, so both runs measure them in the
        // same fresh-JVM state, and the quick cores are then a prefix of the full cores' sequence
        List<Point> modules = measureModules(context, timing);
        List<Point> cores = measureCores(context, timing, threads, kernels);
        Results measured = Results.of("prefill_measured", "variant:s", "shape:s", "engine:s", "clock:s", "length:i",
                "median_ms:d", "min_ms:d", "max_ms:d", "q1_ms:d", "q3_ms:d", "repeats:i", "busy:s", "canary_ms:d",
                "flops:d", "gflop_per_s:d");
        for (Point p : concat(cores, modules)) {
            Timing.Stats t = p.time();
            measured.add(p.variant(), p.shape(), p.engine(), spec.text("clock"), p.length(), t.median() * 1e3,
                    t.min() * 1e3, t.max() * 1e3, t.q1() * 1e3, t.q3() * 1e3, t.repeats(), t.busy(), t.canary() * 1e3, p.flops(),
                    p.flops() / t.median() / 1e9);
        }
        Results fits = Results.of("prefill_fit", "variant:s", "shape:s", "what:s", "fit_from:d", "fit_to:d", "points:i",
                "exponent:d", "exponent_low95:d", "exponent_high95:d", "r_squared:d");
        fit(context, fits, cores, "core, " + engine, "fitFrom");
        fit(context, fits, modules, "whole layer, float64 reference", "moduleFitFrom");
        context.write(measured, "prefill_measured", threads);
        context.write(fits, "prefill_fit", threads);
        context.write(rooflineTable(spec.integers("catalogueLengths")), "roofline_prefill");

        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        PrefillCharts.draw(charts);
    }

    /** Every core of the spec at every S, the cores interleaved within each S. */
    private static List<Point> measureCores(ExperimentContext context, Timing.Settings timing, int threads,
                                            Kernels kernels) {
        Spec spec = context.spec();
        List<CoreShape> shapes = spec.objects("shapes").stream().map(CoreShape::fromSpec).toList();
        List<Point> points = new ArrayList<>();
        try (FastAttention fast = new FastAttention(threads, kernels)) {
            for (int s : spec.integers("lengths")) {
                List<Runnable> calls = new ArrayList<>();
                for (CoreShape shape : shapes) {
                    var prefill = FastStep.prefill(shape, s, SEED);
                    calls.add(() -> prefill.accept(fast));
                }
                List<Timing.Stats> stats = Timing.interleaved(calls, timing, line -> context.log("S=%d %s", s, line));
                for (int i = 0; i < shapes.size(); i++) {
                    CoreShape shape = shapes.get(i);
                    double pairs = (double) s * (s + 1) / 2;
                    Point p = new Point(shape.label(), shape.describe(), DecodeExperiment.label(kernels), s, stats.get(i),
                            pairs * shape.flopsPerPair());
                    points.add(p);
                    context.log("%s S=%d: %.3f ms [%.3f–%.3f] (%.1f GFLOP/s), busy: %s", shape.label(), s,
                            p.time().median() * 1e3, p.time().min() * 1e3, p.time().max() * 1e3,
                            p.flops() / p.time().median() / 1e9, p.time().busy());
                }
            }
        }
        return points;
    }

    /** NaiveMla and AbsorbedMla forward over a fresh cache (whole layer, float64, one thread), interleaved. */
    private static List<Point> measureModules(ExperimentContext context, Timing.Settings timing) {
        Spec m = context.spec().object("moduleShape");
        MlaShape shape = new MlaShape(m.integer("modelWidth"), m.integer("heads"), m.integer("qLoraRank"),
                m.integer("kvLoraRank"), m.integer("nopeDim"), m.integer("ropeDim"), m.integer("valueDim"));
        MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(SEED));
        NaiveMla naive = new NaiveMla(weights);
        AbsorbedMla absorbed = new AbsorbedMla(weights);
        String describe = "M" + shape.modelWidth() + " H" + shape.numHeads() + " C" + shape.kvLoraRank() + " P"
                + shape.qkRopeHeadDim();
        List<Point> points = new ArrayList<>();
        for (int s : context.spec().integers("moduleLengths")) {
            Tensor x = Tensor.randn(new SeededRandom(SEED + s), 1.0, 1, s, shape.modelWidth());   // [1, S, M]
            List<Runnable> calls = List.of(() -> naive.forward(x, naive.newCache(1, 0)),
                    () -> absorbed.forward(x, absorbed.newCache(1, 0)));
            List<Timing.Stats> stats = Timing.interleaved(calls, timing, line -> context.log("modules S=%d %s", s, line));
            points.add(new Point("MLA (naive) module", describe, "float64 reference module", s, stats.get(0), Double.NaN));
            points.add(new Point("MLA (absorbed) module", describe, "float64 reference module", s, stats.get(1),
                    Double.NaN));
            context.log("modules S=%d: naive %.1f ms, absorbed %.1f ms", s, stats.get(0).median() * 1e3,
                    stats.get(1).median() * 1e3);
        }
        return points;
    }

    /** One fit per series over {@code fromKey} ≤ S ≤ the largest S; the range must span ≥ 4 octaves. */
    private static void fit(ExperimentContext context, Results fits, List<Point> points, String what, String fromKey) {
        double from = context.spec().number(fromKey);
        for (List<Point> ps : bySeries(points, Point::series).values()) {
            double to = ps.get(ps.size() - 1).length();
            if (PowerFit.octaves(from, to) < MIN_OCTAVES) {
                throw new IllegalArgumentException("spec '" + fromKey + "' (" + from + ") to the largest S (" + to
                        + ") spans " + PowerFit.octaves(from, to) + " octaves; a fitted exponent needs ≥ " + MIN_OCTAVES);
            }
            PowerFit fit = PowerFit.of(lengths(ps), medians(ps), from, to);
            fits.add(ps.get(0).variant(), ps.get(0).shape(), what, from, to, fit.points(), fit.exponent(), fit.lower(), fit.upper(),
                    fit.rSquared());
            context.log("%s: time ∝ S^%.2f [%.2f, %.2f] (R² %.3f)", ps.get(0).series(), fit.exponent(), fit.lower(), fit.upper(),
                    fit.rSquared());
        }
    }

    private static Map<String, List<Point>> bySeries(List<Point> points, java.util.function.Function<Point, String> key) {
        Map<String, List<Point>> series = new LinkedHashMap<>();
        points.forEach(p -> series.computeIfAbsent(key.apply(p), k -> new ArrayList<>()).add(p));
        return series;
    }

    private static double[] lengths(List<Point> points) {
        return points.stream().mapToDouble(Point::length).toArray();
    }

    private static double[] medians(List<Point> points) {
        return points.stream().mapToDouble(p -> p.time().median() * 1e3).toArray();
    }

    private static List<Point> concat(List<Point> a, List<Point> b) {
        List<Point> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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
