package dev.attnref.mirror;

import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Seed 000 §4.1 (simplified MLA): the published bugs' effects, and the fixed (absorbed) mirror against
 * an explicit naive computation from the factors: {@code q_h = Wq_u,h c_q}, {@code k_h = Wk_u,h c_kv},
 * {@code logit = q_h·k_h / √hd}.
 */
class Seed000MultiHeadLatentAttentionMirrorTest {

    /**
     * The naive MLA from explicit factors, by loops: latents {@code c_q = Wq_d x + b}, {@code c_kv = Wkv_d x + b};
     * per-head {@code q = Wq_u c_q + b}, {@code k = Wk_u c_kv}, {@code v = Wv_u c_kv + b}; attention with
     * {@code scale}; {@code Wo}. Weights are those of a FIXED mirror's state dict.
     */
    private static double[] naive(Map<String, Tensor> w, Tensor x, int heads, double scale, LoopReference.Keep keep) {
        int batch = x.size(0);
        int len = x.size(1);
        int rows = batch * len;
        int headDim = w.get("Wq_u.weight").size(0) / heads;
        double[] cq = LoopReference.linear(x.toArray(), rows, w.get("Wq_d.weight"), w.get("Wq_d.bias"));
        double[] ckv = LoopReference.linear(x.toArray(), rows, w.get("Wkv_d.weight"), w.get("Wkv_d.bias"));
        double[] q = LoopReference.linear(cq, rows, w.get("Wq_u.weight"), w.get("Wq_u.bias"));   // [B, T, H·hd]
        double[] k = LoopReference.linear(ckv, rows, w.get("Wk_u.weight"), null);          // [B, T, H·hd]
        double[] v = LoopReference.linear(ckv, rows, w.get("Wv_u.weight"), w.get("Wv_u.bias"));
        double[] merged = LoopReference.attend(q, k, v, batch, len, len, heads, heads, headDim, scale, keep,
                LoopReference.LogitBias.NONE, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
        return LoopReference.linear(merged, rows, w.get("Wo.weight"), w.get("Wo.bias"));
    }

    /** The published module loaded with W_qk = the fixed module's factor product (weight and bias). */
    private static Seed000MultiHeadLatentAttention publishedWithFactoredWqk(Seed000MultiHeadLatentAttention fixed,
            int dModel, int heads, int qLatent, int kvLatent) {
        Seed000MultiHeadLatentAttention published = new Seed000MultiHeadLatentAttention(dModel, heads, qLatent, kvLatent,
                Fidelity.AS_PUBLISHED, new SeededRandom(0));
        Map<String, Tensor> state = new LinkedHashMap<>(fixed.stateDict());
        state.remove("Wq_u.weight");
        state.remove("Wq_u.bias");
        state.remove("Wk_u.weight");
        state.put("W_qk.weight", fixed.qkLinear().weight());
        state.put("W_qk.bias", fixed.qkLinear().bias());
        published.loadStateDict(state);
        return published;
    }

    /**
     * The absorbed fixed form equals the naive form from the same factors at 1/√hd, bidirectional and
     * causal, both against the loop computation and against the mirror's own naive path.
     */
    @Test
    void fixedAbsorbedMlaMatchesTheNaiveFactorComputation() {
        int[][] configs = {{8, 2, 3, 2}, {12, 3, 5, 4}, {6, 6, 2, 3}, {9, 2, 4, 1}};
        long seed = 0;
        for (int[] c : configs) {
            seed++;
            SeededRandom random = new SeededRandom(seed);
            Seed000MultiHeadLatentAttention mla = new Seed000MultiHeadLatentAttention(c[0], c[1], c[2], c[3],
                    Fidelity.FIXED, random);
            int len = 1 + random.nextInt(5);
            Tensor x = Tensor.randn(random, 1.0, 2, len, c[0]);
            double scale = 1 / Math.sqrt(mla.headDim());
            String where = "seed " + seed + " d_model " + c[0] + " heads " + c[1] + " C_q " + c[2] + " C " + c[3]
                    + " T " + len;
            double[] all = naive(mla.stateDict(), x, c[1], scale, LoopReference.Keep.ALL);
            double[] causal = naive(mla.stateDict(), x, c[1], scale, (b, h, t, s) -> s <= t);
            assertTrue(LoopReference.maxRelativeDiff(mla.forward(x).toArray(), all) <= FLOAT64_REORDERED, where);
            assertTrue(LoopReference.maxRelativeDiff(mla.forward(x, false, false).toArray(), all) <= FLOAT64_REORDERED,
                    where + " naive path");
            assertTrue(LoopReference.maxRelativeDiff(mla.forward(x, true, true).toArray(), causal) <= FLOAT64_REORDERED,
                    where + " causal");
        }
    }

    /**
     * S000-MLA-SCALE: with W_qk a true factor product, the published module is the naive MLA except for
     * its temperature: it matches the naive form at 1/√kv_latent_dim, not at the head dimension's 1/√hd.
     */
    @Test
    void logitsAreScaledByLatentWidthNotHeadDim() {
        // d_model 8, 2 heads → hd = 4; kv_latent_dim 2: √4 ≠ √2.
        Seed000MultiHeadLatentAttention fixed = new Seed000MultiHeadLatentAttention(8, 2, 3, 2, Fidelity.FIXED,
                new SeededRandom(11));
        Seed000MultiHeadLatentAttention published = publishedWithFactoredWqk(fixed, 8, 2, 3, 2);
        Tensor x = Tensor.randn(new SeededRandom(12), 1.0, 2, 4, 8);
        double[] out = published.forward(x).toArray();
        Map<String, Tensor> w = fixed.stateDict();
        assertTrue(LoopReference.maxRelativeDiff(out, naive(w, x, 2, 1 / Math.sqrt(2), LoopReference.Keep.ALL))
                <= FLOAT64_REORDERED, "published = naive at 1/√C");
        assertTrue(LoopReference.maxRelativeDiff(out, naive(w, x, 2, 1 / Math.sqrt(4), LoopReference.Keep.ALL))
                > VISIBLE_EFFECT, "published ≠ naive at 1/√hd");
    }

    /**
     * S000-MLA-FREE-WQK: each head's bilinear form {@code c_qᵀ W_qk,hᵀ c_kv} has rank ≤ hd in any naive MLA.
     * With hd = 2 < min(C = 4, C_q = 6), the published free W_qk has per-head rank 4; the fixed product has 2.
     */
    @Test
    void freeWqkBlockCanExceedHeadDimRank() {
        int heads = 4;
        int kvLatent = 4;
        int qLatent = 6;
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MultiHeadLatentAttention mla = new Seed000MultiHeadLatentAttention(8, heads, qLatent, kvLatent,
                    fidelity, new SeededRandom(21));
            assertEquals(2, mla.headDim());
            Tensor qk = mla.qkLinear().weight();                                         // [H·C, C_q]
            for (int h = 0; h < heads; h++) {
                int rank = numericalRank(qk.narrow(0, h * kvLatent, kvLatent).toArray(), kvLatent, qLatent);
                assertEquals(fidelity == Fidelity.AS_PUBLISHED ? 4 : 2, rank, fidelity + " head " + h);
            }
        }
    }

    /** S000-MLA-NOMASK: as published every position attends to the future; fixed, causal on request. */
    @Test
    void everyPositionSeesEveryTokenWithoutMask() {
        int len = 4;
        Tensor x = Tensor.randn(new SeededRandom(31), 1.0, 1, len, 8);
        double[] changed = x.toArray();
        for (int m = 0; m < 8; m++) {
            changed[(len - 1) * 8 + m] += 0.5;
        }
        Tensor x2 = Tensor.of(changed, 1, len, 8);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MultiHeadLatentAttention mla = new Seed000MultiHeadLatentAttention(8, 2, 3, 2, fidelity,
                    new SeededRandom(32));
            boolean causal = fidelity == Fidelity.FIXED;
            double moved = mla.forward(x, causal, true).narrow(1, 0, len - 1)
                    .maxAbsDiff(mla.forward(x2, causal, true).narrow(1, 0, len - 1));
            if (fidelity == Fidelity.AS_PUBLISHED) {
                assertTrue(moved > VISIBLE_EFFECT, "published: earlier positions moved " + moved);
                MirroredPythonError e = assertThrows(MirroredPythonError.class, () -> mla.forward(x, true, true));
                assertEquals("forward() got an unexpected keyword argument 'causal'", e.pythonMessage());
            } else {
                assertEquals(0.0, moved, "fixed, causal: positions 0..T−2 cannot see token T−1");
            }
        }
    }

    @Test
    void stateDictNamesFollowTheSnippetAndTheFix() {
        Seed000MultiHeadLatentAttention published = new Seed000MultiHeadLatentAttention(8, 2, 3, 2,
                Fidelity.AS_PUBLISHED, new SeededRandom(41));
        Seed000MultiHeadLatentAttention fixed = new Seed000MultiHeadLatentAttention(8, 2, 3, 2, Fidelity.FIXED,
                new SeededRandom(41));
        assertEquals("[Wq_d.weight, Wq_d.bias, W_qk.weight, W_qk.bias, Wkv_d.weight, Wkv_d.bias, Wv_u.weight, "
                + "Wv_u.bias, Wo.weight, Wo.bias]", published.stateDict().keySet().toString());
        assertEquals("[Wq_d.weight, Wq_d.bias, Wq_u.weight, Wq_u.bias, Wk_u.weight, Wkv_d.weight, Wkv_d.bias, "
                + "Wv_u.weight, Wv_u.bias, Wo.weight, Wo.bias]", fixed.stateDict().keySet().toString());
        assertFalse(fixed.stateDict().containsKey("W_qk.bias"));
    }

    /** Rank by Gaussian elimination with full pivoting; pivots below {@link Tolerances#RANK_PIVOT}·max|a| count as zero. */
    static int numericalRank(double[] a, int rows, int cols) {
        double[] m = a.clone();
        double max = 0;
        for (double value : m) {
            max = Math.max(max, Math.abs(value));
        }
        double tolerance = Tolerances.RANK_PIVOT * max;
        int rank = 0;
        boolean[] usedRow = new boolean[rows];
        boolean[] usedCol = new boolean[cols];
        while (rank < Math.min(rows, cols)) {
            int pr = -1;
            int pc = -1;
            double best = tolerance;
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    if (!usedRow[r] && !usedCol[c] && Math.abs(m[r * cols + c]) > best) {
                        best = Math.abs(m[r * cols + c]);
                        pr = r;
                        pc = c;
                    }
                }
            }
            if (pr < 0) {
                break;
            }
            usedRow[pr] = true;
            usedCol[pc] = true;
            rank++;
            for (int r = 0; r < rows; r++) {
                if (r == pr) {
                    continue;
                }
                double factor = m[r * cols + pc] / m[pr * cols + pc];
                for (int c = 0; c < cols; c++) {
                    m[r * cols + c] -= factor * m[pr * cols + c];
                }
            }
        }
        return rank;
    }

    /**
     * S000-MLA-DEFAULTS: nn.Linear(i, o) holds i·o + o parameters (checked on the mirror's own state dict
     * at a small size). At the published defaults (d_model 16384, 128 heads, head_dim 128, C_q 12, C 4):
     * Wq_d 16384·12 + 12 = 196,620; W_qk 12·512 + 512 = 6,656; Wkv_d 16384·4 + 4 = 65,540;
     * Wv_u 4·16384 + 16384 = 81,920; Wo 16384·16384 + 16384 = 268,451,840; total 268,802,576, about a
     * quarter billion, 2.15 GB in float64, for a "simple" example.
     */
    @Test
    void defaultConfigurationHoldsQuarterBillionParameters() {
        Seed000MultiHeadLatentAttention small = new Seed000MultiHeadLatentAttention(8, 2, 3, 2, Fidelity.AS_PUBLISHED,
                new SeededRandom(51));
        long counted = small.stateDict().values().stream().mapToLong(Tensor::numel).sum();
        assertEquals(parameters(8, 2, 3, 2), counted);
        long defaults = parameters(128 * 128, 128, 12, 4);
        assertEquals(268_802_576L, defaults);
        assertEquals(268_451_840L, (long) 16384 * 16384 + 16384, "Wo alone");
    }

    /** Σ (i·o + o) over the published layers Wq_d, W_qk, Wkv_d, Wv_u, Wo. */
    private static long parameters(long dModel, long heads, long qLatent, long kvLatent) {
        long headDim = dModel / heads;
        long[][] layers = {{dModel, qLatent}, {qLatent, heads * kvLatent}, {dModel, kvLatent},
                {kvLatent, heads * headDim}, {heads * headDim, dModel}};
        long total = 0;
        for (long[] io : layers) {
            total += io[0] * io[1] + io[1];
        }
        return total;
    }
}
