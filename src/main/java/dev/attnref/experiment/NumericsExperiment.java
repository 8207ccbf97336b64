package dev.attnref.experiment;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.LatentCache;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.attention.SelfAttention;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;
import org.knowm.xchart.XYChart;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * E05 — numerics. Three questions:
 * <ol>
 *   <li><b>float32 vs float64 against S.</b> A decode step over S keys in float32 (scalar loops and
 *       Vector API) against the same step in float64: relative error
 *       {@code max|o₃₂ − o₆₄| / max|o₆₄|}.</li>
 *   <li><b>Absorbed vs naive MLA against S.</b> float64: the reference modules {@link NaiveMla} and
 *       {@link AbsorbedMla} (both realisations) on the same weights and input. float32: the naive form
 *       (per-head keys {@code [W_UK,h c | k_R]} and values {@code W_UV,h c} formed in float32) and the
 *       absorbed form ({@code q̂ = W_UK,hᵀ q} in float32, latent cache, {@code W_UV,h} after the sum),
 *       both against the float64 naive form.</li>
 *   <li><b>Rank of MLA's per-head bilinear form.</b> Without RoPE, head i scores
 *       {@code q_inᵀ (W_UQ,iᵀ W_UK,i) c_kv}: a [Q_in, C] matrix of rank ≤ min(D_nope, Q_in, C). Its numerical
 *       rank (singular values above 1e-6 of the largest, from the eigenvalues of BᵀB, whose rounding
 *       noise sits near 1e-16 of the largest eigenvalue) is measured on random
 *       weights as C grows past D_nope (claim C-MLA-RANK).</li>
 *   <li><b>Mask fill values.</b> Causal attention in the float64 oracle with the hidden logits set to
 *       −∞, −1e9, −1e20, −1e-9 (seed 000's constant) and −65504 (float16's lowest): the largest
 *       attention mass any query puts on future keys, the output change against −∞, and what a row
 *       with no visible key returns (zeros under −∞ with the zero policy; the mean of the values —
 *       a uniform row — under any finite fill).</li>
 * </ol>
 * Checked by {@code ExperimentCommandTest} (tiny spec end to end).
 */
public final class NumericsExperiment implements Experiment {
    private static final long SEED = 0xE05L;

    @Override
    public String id() {
        return "E05";
    }

    @Override
    public String folder() {
        return "E05-numerics";
    }

    @Override
    public String title() {
        return "Numerics: float32 vs float64, absorbed vs naive MLA, mask fill values";
    }

    /** max|a − b| / max|b|. */
    static double relativeError(double[] actual, double[] expected) {
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < expected.length; i++) {
            diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
            scale = Math.max(scale, Math.abs(expected[i]));
        }
        return diff / scale;
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        Map<String, double[][]> precisionSeries = precisionVsLength(context);
        Map<String, double[][]> mlaSeries = mlaForms(context);
        maskFills(context);
        Map<String, double[][]> rankSeries = mlaRank(context);

        XYChart precision = Charts.lines("Decode step: float32 error against float64 vs cache length",
                "cache length S", "max relative error (log)", true, true);
        precisionSeries.forEach((k, v) -> Charts.series(precision, k, v[0], v[1]));
        double[] xs = precisionSeries.values().iterator().next()[0];
        Charts.modelled(precision, "float32 ε = 2⁻²⁴", new double[] {xs[0], xs[xs.length - 1]},
                new double[] {Math.pow(2, -24), Math.pow(2, -24)});
        context.chart(precision, "float32_error_vs_length");

        XYChart mla = Charts.lines("Absorbed vs naive MLA: relative difference vs sequence length",
                "sequence / cache length S", "max relative difference (log)", true, true);
        mlaSeries.forEach((k, v) -> Charts.series(mla, k, v[0], v[1]));
        context.chart(mla, "mla_absorbed_vs_naive");

        XYChart rank = Charts.lines("MLA: numerical rank of a head's no-RoPE bilinear form vs latent width C",
                "latent width C", "rank", true, false);
        rankSeries.forEach((k, v) -> Charts.series(rank, k, v[0], v[1]));
        context.chart(rank, "mla_head_rank");
        context.log("mask fills: %s", spec.numbers("maskFills"));
    }

    private Map<String, double[][]> precisionVsLength(ExperimentContext context) {
        Spec spec = context.spec();
        CoreShape shape = CoreShape.fromSpec(spec.object("precisionShape"));
        List<Integer> lengths = spec.integers("precisionLengths");
        int max = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        SeededRandom random = new SeededRandom(SEED);
        double[] keys = random.gaussians(shape.numKvHeads() * max * shape.keyWidth(), 1);
        double[] values = random.gaussians(shape.numKvHeads() * max * shape.valueWidth(), 1);
        double[] queries = random.gaussians(shape.numHeads() * shape.keyWidth(), 1);
        double scale = 1 / Math.sqrt(shape.keyWidth());
        Results table = Results.of("float32_vs_float64", "shape:s", "engine:s", "cache_length:i", "max_relative_error:d");
        Map<String, double[][]> series = new LinkedHashMap<>();
        CoreCache cache64 = CoreCache.of(shape, max, 1, true, keys, values, queries);
        CoreCache cache32 = CoreCache.of(shape, max, 1, false, keys, values, queries);
        try (CoreKernels f64 = new CoreKernels(CoreKernels.Engine.F64_LOOPS, 1);
             CoreKernels f32 = new CoreKernels(CoreKernels.Engine.F32_LOOPS, 1);
             CoreKernels vec = new CoreKernels(CoreKernels.Engine.F32_VECTOR, 1)) {
            for (CoreKernels k32 : List.of(f32, vec)) {
                double[][] s = new double[2][lengths.size()];
                for (int i = 0; i < lengths.size(); i++) {
                    int n = lengths.get(i);
                    double[] ref = new double[shape.numHeads() * shape.valueWidth()];
                    double[] out = new double[ref.length];
                    f64.decode(cache64, 0, n, scale, ref);
                    k32.decode(cache32, 0, n, scale, out);
                    double error = relativeError(out, ref);
                    table.add(shape.describe(), k32.engine().label(), n, error);
                    s[0][i] = n;
                    s[1][i] = error;
                }
                series.put(k32.engine().label(), s);
                context.log("%s: relative error %.2e at S=%d, %.2e at S=%d", k32.engine().label(), s[1][0],
                        lengths.get(0), s[1][lengths.size() - 1], max);
            }
        }
        context.write(table, "float32_vs_float64");
        return series;
    }

    private Map<String, double[][]> mlaForms(ExperimentContext context) {
        Spec spec = context.spec();
        Results table = Results.of("mla_absorbed_vs_naive", "comparison:s", "precision:s", "length:i",
                "max_relative_difference:d");
        Map<String, double[][]> series = new LinkedHashMap<>();

        // float64 modules: NaiveMla vs AbsorbedMla on one set of weights, whole layer output [1, S, M]
        Spec m = spec.object("moduleShape");
        MlaShape shape = new MlaShape(m.integer("modelWidth"), m.integer("heads"), m.integer("qLoraRank"),
                m.integer("kvLoraRank"), m.integer("nopeDim"), m.integer("ropeDim"), m.integer("valueDim"));
        MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(SEED + 1));
        List<Integer> moduleLengths = spec.integers("moduleLengths");
        Map<String, SelfAttention<LatentCache>> absorbedForms = new LinkedHashMap<>();
        absorbedForms.put("run time reassociation", new AbsorbedMla(weights));
        absorbedForms.put("precomputed products", new PrecomputedAbsorbedMla(weights));
        for (Map.Entry<String, SelfAttention<LatentCache>> form : absorbedForms.entrySet()) {
            double[][] s = new double[2][moduleLengths.size()];
            for (int i = 0; i < moduleLengths.size(); i++) {
                int n = moduleLengths.get(i);
                Tensor x = Tensor.randn(new SeededRandom(SEED + n), 1.0, 1, n, shape.modelWidth());
                NaiveMla naive = new NaiveMla(weights);
                SelfAttention<LatentCache> absorbed = form.getValue();
                double[] ref = naive.forward(x, naive.newCache(1, 0)).output().toArray();
                double[] out = absorbed.forward(x, absorbed.newCache(1, 0)).output().toArray();
                double d = relativeError(out, ref);
                String label = "module " + form.getKey() + " vs naive (float64)";
                table.add(label, "float64", n, d);
                s[0][i] = n;
                s[1][i] = d;
            }
            series.put("float64 modules, " + form.getKey(), s);
        }

        // float32 cores built from latents: naive (keys/values formed) vs absorbed (query moved), against float64 naive
        Spec c = spec.object("coreShape");
        int heads = c.integer("heads");
        int latent = c.integer("latentDim");
        int rope = c.integer("ropeDim");
        int nope = c.integer("nopeDim");
        int valueDim = c.integer("valueDim");
        List<Integer> lengths = spec.integers("coreLengths");
        int max = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        SeededRandom random = new SeededRandom(SEED + 2);
        double[] latents = random.gaussians(max * latent, 1);                      // c_kv [S, C]
        double[] ropeKeys = random.gaussians(max * rope, 1);                       // k_R [S, P]
        double[] wUk = random.gaussians(heads * nope * latent, 1 / Math.sqrt(latent));   // [H, D_nope, C]
        double[] wUv = random.gaussians(heads * valueDim * latent, 1 / Math.sqrt(latent)); // [H, Dv, C]
        double[] qNope = random.gaussians(heads * nope, 1);                        // [H, D_nope]
        double[] qRope = random.gaussians(heads * rope, 1);                        // [H, P]
        double scale = 1 / Math.sqrt(nope + rope);
        double[][] naive32 = new double[2][lengths.size()];
        double[][] absorbed32 = new double[2][lengths.size()];
        double[][] absorbed64 = new double[2][lengths.size()];
        for (int i = 0; i < lengths.size(); i++) {
            int n = lengths.get(i);
            double[] ref = MlaCores.naive(latents, ropeKeys, wUk, wUv, qNope, qRope, heads, latent, rope, nope, valueDim,
                    n, scale, false);
            double[] n32 = MlaCores.naive(latents, ropeKeys, wUk, wUv, qNope, qRope, heads, latent, rope, nope, valueDim,
                    n, scale, true);
            double[] a32 = MlaCores.absorbed(latents, ropeKeys, wUk, wUv, qNope, qRope, heads, latent, rope, nope, valueDim,
                    n, scale, true);
            double[] a64 = MlaCores.absorbed(latents, ropeKeys, wUk, wUv, qNope, qRope, heads, latent, rope, nope, valueDim,
                    n, scale, false);
            naive32[0][i] = absorbed32[0][i] = absorbed64[0][i] = n;
            naive32[1][i] = relativeError(n32, ref);
            absorbed32[1][i] = relativeError(a32, ref);
            absorbed64[1][i] = relativeError(a64, ref);
            table.add("core naive float32 vs naive float64", "float32", n, naive32[1][i]);
            table.add("core absorbed float32 vs naive float64", "float32", n, absorbed32[1][i]);
            table.add("core absorbed float64 vs naive float64", "float64", n, absorbed64[1][i]);
        }
        series.put("core naive float32 vs naive float64", naive32);
        series.put("core absorbed float32 vs naive float64", absorbed32);
        series.put("core absorbed float64 vs naive float64", absorbed64);
        context.write(table, "mla_absorbed_vs_naive");
        context.log("MLA absorbed vs naive: float64 %.1e, float32 %.1e (absorbed) / %.1e (naive) at S=%d",
                absorbed64[1][lengths.size() - 1], absorbed32[1][lengths.size() - 1], naive32[1][lengths.size() - 1], max);
        return series;
    }

    private Map<String, double[][]> mlaRank(ExperimentContext context) {
        Spec spec = context.spec();
        Spec r = spec.object("rank");
        Results table = Results.of("mla_head_rank", "nope_dim:i", "latent_width:i", "query_input_width:i",
                "max_rank_over_heads:i", "bound_min_dnope_qin_c:i");
        Map<String, double[][]> series = new LinkedHashMap<>();
        List<Integer> latents = r.integers("latentWidths");
        for (int nope : r.integers("nopeDims")) {
            double[][] s = new double[2][latents.size()];
            for (int i = 0; i < latents.size(); i++) {
                int c = latents.get(i);
                MlaShape shape = new MlaShape(r.integer("modelWidth"), r.integer("heads"), r.integer("qLoraRank"), c,
                        nope, r.integer("ropeDim"), r.integer("valueDim"));
                MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(SEED + c + 1000L * nope));
                int qin = weights.queryInputWidth();
                double[] wuq = weights.queryNopeUp().contiguous().toArray();   // [H, D_nope, Q_in]
                double[] wuk = weights.keyUp().contiguous().toArray();         // [H, D_nope, C]
                int maxRank = 0;
                for (int h = 0; h < shape.numHeads(); h++) {
                    // B = W_UQ,hᵀ W_UK,h [Q_in, C]; BᵀB [C, C]                  "dq,dc->qc"
                    double[] b = new double[qin * c];
                    for (int q = 0; q < qin; q++) {
                        for (int k = 0; k < c; k++) {
                            double sum = 0;
                            for (int d = 0; d < nope; d++) {
                                sum += wuq[(h * nope + d) * qin + q] * wuk[(h * nope + d) * c + k];
                            }
                            b[q * c + k] = sum;
                        }
                    }
                    double[] gram = ConversionExperiment.gram(b, qin, c);
                    double[] ev = SymmetricEigen.of(gram, c).values();
                    int rank = 0;
                    for (double e : ev) {
                        // σ² > 1e-12 σ²_max, i.e. σ > 1e-6 σ_max: BᵀB squares the condition number, so its
                        // eigenvalues carry rounding noise near 1e-16·σ²_max; a tighter cut would count noise
                        if (e > 1e-12 * ev[0]) {
                            rank++;
                        }
                    }
                    maxRank = Math.max(maxRank, rank);
                }
                int bound = Math.min(nope, Math.min(qin, c));
                table.add(nope, c, qin, maxRank, bound);
                s[0][i] = c;
                s[1][i] = maxRank;
            }
            series.put("D_nope = " + nope, s);
            context.log("MLA head rank, D_nope=%d: %s for C = %s", nope, java.util.Arrays.toString(s[1]), latents);
        }
        context.write(table, "mla_head_rank");
        return series;
    }

    private void maskFills(ExperimentContext context) {
        Spec spec = context.spec();
        int heads = spec.integer("maskHeads");
        int length = spec.integer("maskLength");
        int dim = spec.integer("maskHeadDim");
        Results table = Results.of("mask_fill", "fill:s", "logit_std:d", "max_future_mass:d",
                "max_output_change_vs_neg_inf:d", "fully_masked_row_output:s", "fully_masked_row_norm:d");
        for (double logitStd : spec.numbers("maskLogitStds")) {
            SeededRandom random = new SeededRandom(SEED + 3);
            // q·k / √D has standard deviation logitStd when q, k have N(0, 1) entries scaled by √logitStd
            double[] q = random.gaussians(2 * heads * length * dim, Math.sqrt(logitStd));
            double[] k = random.gaussians(2 * heads * length * dim, Math.sqrt(logitStd));
            double[] v = random.gaussians(2 * heads * length * dim, 1);
            double[] reference = null;
            for (double fill : spec.numbers("maskFills")) {
                // batch row 1 has no visible key at all (key length 0): the fully masked case
                AttentionResult r = OracleAttention.attend(AttentionProblem.builder().batch(2).numHeads(heads)
                        .numKvHeads(heads).qLen(length).newKvLen(length).headDim(dim).valueHeadDim(dim)
                        .query(q).key(k).value(v).causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT))
                        .keyLengths(length, 0).maskFill(fill).build());
                double[] p = r.probabilities();     // [2, H, T, S]
                double future = 0;
                for (int h = 0; h < heads; h++) {
                    for (int t = 0; t < length; t++) {
                        double mass = 0;
                        for (int s = t + 1; s < length; s++) {
                            mass += p[((h * length) + t) * length + s];
                        }
                        future = Math.max(future, mass);
                    }
                }
                double[] out = r.output();          // [2, H, T, Dv]
                int half = out.length / 2;
                double[] visible = java.util.Arrays.copyOf(out, half);
                if (reference == null) {
                    reference = visible;
                }
                double change = 0;
                for (int i = 0; i < half; i++) {
                    change = Math.max(change, Math.abs(visible[i] - reference[i]));
                }
                double norm = 0;
                boolean uniform = true;
                for (int i = half; i < out.length; i++) {
                    norm += out[i] * out[i];
                }
                for (int h = 0; h < heads && uniform; h++) {
                    for (int d = 0; d < dim; d++) {
                        double mean = 0;
                        for (int s = 0; s < length; s++) {
                            mean += v[((heads + h) * length + s) * dim + d] / length;
                        }
                        uniform &= Math.abs(out[half + (h * length) * dim + d] - mean) < 1e-12;
                    }
                }
                String rowOutput = norm == 0 ? "zeros" : uniform ? "mean of all values (uniform row)" : "other";
                table.add(Double.toString(fill), logitStd, future, change, rowOutput, Math.sqrt(norm));
                context.log("fill %s, logit std %.0f: future mass %.3g, change %.3g, fully masked row: %s", fill, logitStd,
                        future, change, rowOutput);
            }
        }
        context.write(table, "mask_fill");
    }
}
