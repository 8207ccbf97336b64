package dev.attnref.experiment;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.oracle.QueryPositions;

import java.util.List;

/**
 * E08 — converting a trained MHA layer (no RoPE) into cheaper variants, and what it costs in output error.
 *
 * <ol>
 *   <li><b>GQA by mean-pooling</b> (Ainslie et al., "GQA", 2023, §2.1): the key and value projections of
 *       the R = H/G heads of each group are averaged, {@code W_K,g = (1/R) Σ_{h∈g} W_K,h}, same for V.</li>
 *   <li><b>MLA-like low rank by truncated SVD</b> of the stacked key/value projection
 *       {@code W_KV = [W_K; W_V] ∈ ℝ^{2·H·D × M}}: {@code W_KV ≈ (W_KV V_C) V_Cᵀ}, V_C the top C right
 *       singular vectors (eigenvectors of W_KVᵀ W_KV), so {@code W_DKV = V_Cᵀ [C, M]} compresses each token
 *       to a latent of width C and {@code W_UKV = W_KV V_C [2HD, C]} expands it per head.</li>
 * </ol>
 *
 * <pre>
 *   weights   W_K,h = √ρ · B + √(1−ρ) · N_h  (same for V, Q independent), entries of B, N_h ~ N(0, 1/M)
 *             ρ = correlation between heads (trained heads are correlated; ρ = 0 is the worst case)
 *   low rank  W = U diag(σ) Vᵀ with σ_i = 1 for i &lt; r₀, σ_i = noise for i ≥ r₀ (spectrum "low-rank"), or iid Gaussian
 *   error     ‖O' − O‖_F / ‖O‖_F over the per-head attention outputs [H, T, Dv] (before W_O), causal, float64 oracle
 * </pre>
 *
 * No training is involved: real conversions fine-tune after converting ("uptraining"); this measures
 * the starting point only, on synthetic weights, and says so.
 */
public final class ConversionExperiment implements Experiment {
    private static final long SEED = 0xE08L;

    @Override
    public String id() {
        return "E08";
    }

    @Override
    public String folder() {
        return "E08-conversions";
    }

    @Override
    public String title() {
        return "Converting MHA to GQA (mean-pooling) and to an MLA-like low rank (truncated SVD)";
    }

    /** Per-head attention outputs [H, T, Dv] of x [T, M] with projections wq [H·D, M], wk/wv [G·D, M], causal. */
    static double[] attend(double[] x, int tokens, int width, double[] wq, double[] wk, double[] wv, int heads,
                           int kvHeads, int headDim) {
        double[] q = project(x, tokens, width, wq, heads, headDim);
        double[] k = project(x, tokens, width, wk, kvHeads, headDim);
        double[] v = project(x, tokens, width, wv, kvHeads, headDim);
        return OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(heads).numKvHeads(kvHeads)
                .qLen(tokens).newKvLen(tokens).headDim(headDim).valueHeadDim(headDim).query(q).key(k).value(v)
                .causal(QueryPositions.aligned(CausalAlignment.TOP_LEFT)).build()).output();
    }

    /** y[h, t, d] = Σ_m W[h·D + d, m] x[t, m]                 "hdm,tm->htd" */
    static double[] project(double[] x, int tokens, int width, double[] w, int heads, int headDim) {
        double[] y = new double[heads * tokens * headDim];
        for (int h = 0; h < heads; h++) {
            for (int t = 0; t < tokens; t++) {
                for (int d = 0; d < headDim; d++) {
                    double sum = 0;
                    int row = (h * headDim + d) * width;
                    for (int m = 0; m < width; m++) {
                        sum += w[row + m] * x[t * width + m];
                    }
                    y[(h * tokens + t) * headDim + d] = sum;
                }
            }
        }
        return y;
    }

    static double relativeFrobenius(double[] actual, double[] expected) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < expected.length; i++) {
            num += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    /** Heads correlated by ρ: W_h = √ρ·B + √(1−ρ)·N_h, entries N(0, 1/M). [H·D, M] */
    static double[] correlatedHeads(SeededRandom random, int heads, int headDim, int width, double rho) {
        double std = 1 / Math.sqrt(width);
        double[] base = random.gaussians(headDim * width, std);
        double[] w = new double[heads * headDim * width];
        for (int h = 0; h < heads; h++) {
            double[] noise = random.gaussians(headDim * width, std);
            for (int i = 0; i < headDim * width; i++) {
                w[h * headDim * width + i] = Math.sqrt(rho) * base[i] + Math.sqrt(1 - rho) * noise[i];
            }
        }
        return w;
    }

    /** Mean of the R = H/G heads of each group: [G·D, M]. */
    static double[] meanPool(double[] w, int heads, int kvHeads, int headDim, int width) {
        int r = heads / kvHeads;
        double[] pooled = new double[kvHeads * headDim * width];
        for (int h = 0; h < heads; h++) {
            int g = h / r;
            for (int i = 0; i < headDim * width; i++) {
                pooled[g * headDim * width + i] += w[h * headDim * width + i] / r;
            }
        }
        return pooled;
    }

    @Override
    public void run(ExperimentContext context) {
        Spec spec = context.spec();
        int width = spec.integer("modelWidth");
        int heads = spec.integer("heads");
        int headDim = spec.integer("headDim");
        int tokens = spec.integer("tokens");
        SeededRandom random = new SeededRandom(SEED);
        double[] x = random.gaussians(tokens * width, 1);

        // 1. MHA → GQA by mean-pooling K and V heads
        Results gqa = Results.of("mha_to_gqa", "correlation:d", "kv_heads:i", "relative_output_error:d",
                "kv_cache_fraction:d");
        List<Integer> groups = spec.integers("kvHeads");
        for (double rho : spec.numbers("correlations")) {
            double[] wq = correlatedHeads(random, heads, headDim, width, rho);
            double[] wk = correlatedHeads(random, heads, headDim, width, rho);
            double[] wv = correlatedHeads(random, heads, headDim, width, rho);
            double[] reference = attend(x, tokens, width, wq, wk, wv, heads, heads, headDim);
            double[] errors = new double[groups.size()];
            for (int i = 0; i < groups.size(); i++) {
                int g = groups.get(i);
                double[] out = attend(x, tokens, width, wq, meanPool(wk, heads, g, headDim, width),
                        meanPool(wv, heads, g, headDim, width), heads, g, headDim);
                errors[i] = relativeFrobenius(out, reference);
                gqa.add(rho, g, errors[i], (double) g / heads);
            }
            context.log("GQA by pooling, ρ=%.2f: error %.3f at G=%d … %.3g at G=%d", rho, errors[0], groups.get(0),
                    errors[errors.length - 1], groups.get(groups.size() - 1));
        }
        context.write(gqa, "mha_to_gqa");

        // 2. MHA → MLA-like latent by truncated SVD of [W_K; W_V]
        Results svd = Results.of("mha_to_latent", "spectrum:s", "latent_width:i", "energy_kept:d",
                "relative_output_error:d", "kv_cache_fraction:d");
        List<Integer> latents = spec.integers("latentWidths");
        int rows = 2 * heads * headDim;
        for (String spectrum : spec.texts("spectra")) {
            double[] wq = correlatedHeads(random, heads, headDim, width, 0);
            double[] wkv = spectrum.equals("iid") ? random.gaussians(rows * width, 1 / Math.sqrt(width))
                    : lowRankPlusNoise(random, rows, width, spec.integer("trueRank"), spec.number("noise"));
            double[] wk = java.util.Arrays.copyOfRange(wkv, 0, rows / 2 * width);
            double[] wv = java.util.Arrays.copyOfRange(wkv, rows / 2 * width, rows * width);
            double[] reference = attend(x, tokens, width, wq, wk, wv, heads, heads, headDim);
            SymmetricEigen eigen = SymmetricEigen.of(gram(wkv, rows, width), width);
            double total = 0;
            for (double ev : eigen.values()) {
                total += Math.max(ev, 0);
            }
            double[] errors = new double[latents.size()];
            for (int i = 0; i < latents.size(); i++) {
                int c = latents.get(i);
                double[] approx = truncate(wkv, rows, width, eigen, c);
                double kept = 0;
                for (int j = 0; j < c; j++) {
                    kept += Math.max(eigen.values()[j], 0);
                }
                double[] out = attend(x, tokens, width, wq, java.util.Arrays.copyOfRange(approx, 0, rows / 2 * width),
                        java.util.Arrays.copyOfRange(approx, rows / 2 * width, rows * width), heads, heads, headDim);
                errors[i] = relativeFrobenius(out, reference);
                svd.add(spectrum, c, kept / total, errors[i], (double) c / rows);
            }
            context.log("low rank (%s): error %.3f at C=%d … %.3g at C=%d", spectrum, errors[0], latents.get(0),
                    errors[errors.length - 1], latents.get(latents.size() - 1));
        }
        context.write(svd, "mha_to_latent");
        context.drawCharts(this);
    }

    @Override
    public void drawCharts(ChartFolder charts) {
        ConversionCharts.draw(charts);
    }

    /** WᵀW [M, M] of W [rows, M]. */
    static double[] gram(double[] w, int rows, int width) {
        double[] g = new double[width * width];
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) {
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    sum += w[r * width + i] * w[r * width + j];
                }
                g[i * width + j] = sum;
                g[j * width + i] = sum;
            }
        }
        return g;
    }

    /** W V_C V_Cᵀ: W projected on its top-C right singular subspace. [rows, M] */
    static double[] truncate(double[] w, int rows, int width, SymmetricEigen eigen, int latent) {
        double[] v = eigen.vectors();
        double[] latentRows = new double[rows * latent];       // W V_C [rows, C]  (= W_UKV)
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < latent; c++) {
                double sum = 0;
                for (int m = 0; m < width; m++) {
                    sum += w[r * width + m] * v[m * width + c];
                }
                latentRows[r * latent + c] = sum;
            }
        }
        double[] out = new double[rows * width];               // (W V_C) V_Cᵀ
        for (int r = 0; r < rows; r++) {
            for (int m = 0; m < width; m++) {
                double sum = 0;
                for (int c = 0; c < latent; c++) {
                    sum += latentRows[r * latent + c] * v[m * width + c];
                }
                out[r * width + m] = sum;
            }
        }
        return out;
    }

    /** A [rows, M] matrix of rank r₀ plus noise: A B / √r₀ with A, B Gaussian, + noise · N(0, 1/M). */
    static double[] lowRankPlusNoise(SeededRandom random, int rows, int width, int rank, double noise) {
        double[] a = random.gaussians(rows * rank, 1);
        double[] b = random.gaussians(rank * width, 1 / Math.sqrt(width));
        double[] w = random.gaussians(rows * width, noise / Math.sqrt(width));
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < rank; k++) {
                double ark = a[r * rank + k] / Math.sqrt(rank);
                for (int m = 0; m < width; m++) {
                    w[r * width + m] += ark * b[k * width + m];
                }
            }
        }
        return w;
    }
}
