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
import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.AttentionResult;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * E05 — numerics. Three questions:
 * <ol>
 *   <li><b>float32 vs float64 against S.</b> A decode step over S keys on the product's float32 kernels
 *       ({@code dev.attnref.fast}: Vector API and scalar twin) against the same step in the float64
 *       oracle ({@link OracleAttention}): relative error {@code max|o₃₂ − o₆₄| / max|o₆₄|}.</li>
 *   <li><b>Absorbed vs naive MLA against S.</b> float64: the reference modules {@link NaiveMla} and
 *       {@link AbsorbedMla} (both realisations) on the same weights and input. float32: the naive form
 *       (per-head keys {@code [W_UK,h c | k_R]} and values {@code W_UV,h c} formed in float32) and the
 *       absorbed form ({@code q̂ = W_UK,hᵀ q} in float32, latent cache, {@code W_UV,h} after the sum),
 *       both against the float64 naive form; attention on the fast kernels or the oracle ({@link MlaForms}).</li>
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
        precisionVsLength(context);
        Results mlaTable = Results.of("mla_absorbed_vs_naive", "comparison:s", "precision:s", "length:i",
                "max_relative_difference:d");
        mlaModules(context, mlaTable);
        mlaCores(context, mlaTable);
        context.write(mlaTable, "mla_absorbed_vs_naive");
        maskFills(context);
        mlaRank(context);
        context.drawCharts(this);
        context.log("mask fills: %s", spec.numbers("maskFills"));
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        NumericsCharts.draw(charts);
    }

    /** One decode step over the first S keys: the fast float32 kernels (both sets) against the float64 oracle. */
    private void precisionVsLength(ExperimentContext context) {
        Spec spec = context.spec();
        CoreShape shape = CoreShape.fromSpec(spec.object("precisionShape"));
        int h = shape.numHeads();
        int g = shape.numKvHeads();
        List<Integer> lengths = spec.integers("precisionLengths");
        Results table = Results.of("float32_vs_float64", "shape:s", "engine:s", "cache_length:i", "max_relative_error:d");
        for (int i = 0; i < lengths.size(); i++) {
            int n = lengths.get(i);
            SeededRandom random = new SeededRandom(SEED + n);
            double[] q = random.gaussians(h * shape.keyWidth(), 1);           // [1, H, 1, Dk]
            double[] k = random.gaussians(g * n * shape.keyWidth(), 1);       // [1, G, S, Dk]
            double[] v = random.gaussians(g * n * shape.valueWidth(), 1);     // [1, G, S, Dv]
            double scale = 1 / Math.sqrt(shape.keyWidth());
            double[] ref = OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(h).numKvHeads(g).qLen(1)
                    .newKvLen(n).headDim(shape.keyWidth()).valueHeadDim(shape.valueWidth()).query(q).key(k).value(v)
                    .scale(scale).build()).output();
            for (Kernels kernels : List.of(Kernels.SCALAR, Kernels.VECTOR)) {
                float[] out = new float[h * shape.valueWidth()];
                try (FastAttention fast = new FastAttention(1, kernels)) {
                    fast.decode(new AttentionDims(1, h, g, 1, n, shape.keyWidth(), shape.valueWidth()), MlaForms.floats(q),
                            MlaForms.floats(k), MlaForms.floats(v), FastAttentionOptions.none().withScale((float) scale), out);
                }
                double error = relativeError(MlaForms.doubles(out), ref);
                table.add(shape.describe(), DecodeExperiment.label(kernels), n, error);
                context.log("%s S=%d: relative error %.2e", kernels, n, error);
            }
        }
        context.write(table, "float32_vs_float64");
    }

    /** float64 modules: NaiveMla vs AbsorbedMla (both realisations) on one set of weights, layer output [1, S, M]. */
    private void mlaModules(ExperimentContext context, Results table) {
        Spec m = context.spec().object("moduleShape");
        MlaShape shape = new MlaShape(m.integer("modelWidth"), m.integer("heads"), m.integer("qLoraRank"),
                m.integer("kvLoraRank"), m.integer("nopeDim"), m.integer("ropeDim"), m.integer("valueDim"));
        MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(SEED + 1));
        Map<String, SelfAttention<LatentCache>> absorbedForms = new LinkedHashMap<>();
        absorbedForms.put("run time reassociation", new AbsorbedMla(weights));
        absorbedForms.put("precomputed products", new PrecomputedAbsorbedMla(weights));
        for (Map.Entry<String, SelfAttention<LatentCache>> form : absorbedForms.entrySet()) {
            String name = form.getKey();
            SelfAttention<LatentCache> absorbed = form.getValue();
            for (int n : context.spec().integers("moduleLengths")) {
                Tensor x = Tensor.randn(new SeededRandom(SEED + n), 1.0, 1, n, shape.modelWidth());
                NaiveMla naive = new NaiveMla(weights);
                double[] ref = naive.forward(x, naive.newCache(1, 0)).output().toArray();
                double[] out = absorbed.forward(x, absorbed.newCache(1, 0)).output().toArray();
                double d = relativeError(out, ref);
                table.add("module " + name + " vs naive (float64)", "float64", n, d);
            }
        }
    }

    /** Cores built from latents: naive (keys/values formed) and absorbed (query moved), against float64 naive. */
    private void mlaCores(ExperimentContext context, Results table) {
        Spec c = context.spec().object("coreShape");
        int heads = c.integer("heads");
        int latent = c.integer("latentDim");
        int rope = c.integer("ropeDim");
        int nope = c.integer("nopeDim");
        int valueDim = c.integer("valueDim");
        List<Integer> lengths = context.spec().integers("coreLengths");
        int max = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
        SeededRandom random = new SeededRandom(SEED + 2);
        double[] latents = random.gaussians(max * latent, 1);                      // c_kv [S, C]
        double[] ropeKeys = random.gaussians(max * rope, 1);                       // k_R [S, P]
        double[] wUk = random.gaussians(heads * nope * latent, 1 / Math.sqrt(latent));   // [H, D_nope, C]
        double[] wUv = random.gaussians(heads * valueDim * latent, 1 / Math.sqrt(latent)); // [H, Dv, C]
        double[] qNope = random.gaussians(heads * nope, 1);                        // [H, D_nope]
        double[] qRope = random.gaussians(heads * rope, 1);                        // [H, P]
        double scale = 1 / Math.sqrt(nope + rope);
        for (int n : lengths) {
            double[] ref = MlaForms.naive(latents, ropeKeys, wUk, wUv, qNope, qRope, heads, latent, rope, nope, valueDim,
                    n, scale, false);
            Map<String, double[]> forms = new LinkedHashMap<>();
            forms.put("core naive float32 vs naive float64", MlaForms.naive(latents, ropeKeys, wUk, wUv, qNope, qRope,
                    heads, latent, rope, nope, valueDim, n, scale, true));
            forms.put("core absorbed float32 vs naive float64", MlaForms.absorbed(latents, ropeKeys, wUk, wUv, qNope,
                    qRope, heads, latent, rope, nope, valueDim, n, scale, true));
            forms.put("core absorbed float64 vs naive float64", MlaForms.absorbed(latents, ropeKeys, wUk, wUv, qNope,
                    qRope, heads, latent, rope, nope, valueDim, n, scale, false));
            for (Map.Entry<String, double[]> f : forms.entrySet()) {
                double d = relativeError(f.getValue(), ref);
                table.add(f.getKey(), f.getKey().contains("float32 vs") ? "float32" : "float64", n, d);
                context.log("MLA %s at S=%d: %.1e", f.getKey(), n, d);
            }
        }
    }

    private void mlaRank(ExperimentContext context) {
        Spec r = context.spec().object("rank");
        Results table = Results.of("mla_head_rank", "nope_dim:i", "latent_width:i", "query_input_width:i",
                "max_rank_over_heads:i", "bound_min_dnope_qin_c:i");
        for (int nope : r.integers("nopeDims")) {
            for (int c : r.integers("latentWidths")) {
                MlaShape shape = new MlaShape(r.integer("modelWidth"), r.integer("heads"), r.integer("qLoraRank"), c,
                        nope, r.integer("ropeDim"), r.integer("valueDim"));
                MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(),
                        new SeededRandom(SEED + c + 1000L * nope));
                int maxRank = 0;
                for (int h = 0; h < shape.numHeads(); h++) {
                    maxRank = Math.max(maxRank, headRank(weights, h, nope, c));
                }
                int qin = weights.queryInputWidth();
                table.add(nope, c, qin, maxRank, Math.min(nope, Math.min(qin, c)));
                context.log("MLA head rank, D_nope=%d, C=%d: %d", nope, c, maxRank);
            }
        }
        context.write(table, "mla_head_rank");
    }

    /** Numerical rank of head h's no-RoPE bilinear form B = W_UQ,hᵀ W_UK,h [Q_in, C]. */
    private static int headRank(MlaWeights weights, int h, int nope, int c) {
        int qin = weights.queryInputWidth();
        double[] wuq = weights.queryNopeUp().contiguous().toArray();   // [H, D_nope, Q_in]
        double[] wuk = weights.keyUp().contiguous().toArray();         // [H, D_nope, C]
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
        double[] ev = SymmetricEigen.of(ConversionExperiment.gram(b, qin, c), c).values();
        int rank = 0;
        for (double e : ev) {
            // σ² > 1e-12 σ²_max, i.e. σ > 1e-6 σ_max: BᵀB squares the condition number, so its
            // eigenvalues carry rounding noise near 1e-16·σ²_max; a tighter cut would count noise
            if (e > 1e-12 * ev[0]) {
                rank++;
            }
        }
        return rank;
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
