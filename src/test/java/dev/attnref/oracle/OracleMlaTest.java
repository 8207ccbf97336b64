package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OracleMla} on cases small enough to work out by hand (M = 2, C = 2, P = 2, D_nope = Dv = 2,
 * one head, two tokens at positions 0 and 1), plus its position and validation laws.
 *
 * <p>The hand cases share these weights (PyTorch layout [out, in]) and x₀ = (1, 0), x₁ = (0, 1):
 * <pre>
 *   W_DKV = [[2, 3], [2, −3], [1, 0], [0, 1]]  → c̃(x₀) = (2, 2), c̃(x₁) = (3, −3), k̃_R(x₀) = (1, 0), k̃_R(x₁) = (0, 1)
 *   w_kv  = (2, 1)                             → RMS 2 and 3: c(x₀) = (1, 1)⊙w = (2, 1), c(x₁) = (1, −1)⊙w = (2, −1)
 *   W_UKV = [[1, 0], [0, 1], [0, 1], [1, 0]]   → k_C = c, v = c swapped: v(x₀) = (1, 2), v(x₁) = (−1, 2)
 *   W_O   = [[1, 1], [1, −1]]
 *   RoPE, P = 2: one pair, angle = position·θ⁰ = position radians:
 *     k_R(x₀) = (1, 0);  k_R(x₁) = R(1)(0, 1) = (−sin 1, cos 1)
 *   scale = 1/√(D_nope + P) = 1/√4 = 1/2
 * </pre>
 * ε = 1e-300 lies far below half an ulp of mean(x²) ∈ {4, 9}, so every RMS above is exact.
 */
class OracleMlaTest {

    private static final double EXACT_EPS = 1e-300;

    private static final double[] X = {1, 0, 0, 1};   // [B=1, T=2, M=2]
    private static final double[] W_DKV = {2, 3, 2, -3, 1, 0, 0, 1};
    private static final double[] KV_NORM = {2, 1};
    private static final double[] W_UKV = {1, 0, 0, 1, 0, 1, 1, 0};
    private static final double[] W_O = {1, 1, 1, -1};
    private static final double[] IDENTITY_ROWS_TWICE = {1, 0, 0, 1, 1, 0, 0, 1};

    private static OracleMla.Options exactOptions(int start) {
        return new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, start, EXACT_EPS, 1.0, 1.0);
    }

    private static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    @Test
    void twoTokensWithoutQueryCompressionMatchHandArithmetic() {
        // W_Q = [[1,0],[0,1],[1,0],[0,1]]: q_C(x) = x, q̃_R(x) = x → q_R(x₀) = (1, 0), q_R(x₁) = (−sin 1, cos 1).
        OracleMla.Config config = new OracleMla.Config(2, 1, 0, 2, 2, 2, 2);
        OracleMla.Weights weights = new OracleMla.Weights(null, null, null, IDENTITY_ROWS_TWICE, W_DKV, KV_NORM, W_UKV, W_O);
        OracleMla.Result result = OracleMla.forward(config, exactOptions(0), weights, X, 1, 2);

        double sin1 = Math.sin(1.0);
        double cos1 = Math.cos(1.0);
        // l₀₀ = ((1,0)·(2,1) + (1,0)·(1,0)) / 2 = (2 + 1)/2 = 1.5
        // l₁₀ = ((0,1)·(2,1) + (−sin 1, cos 1)·(1,0)) / 2 = (1 − sin 1)/2
        // l₁₁ = ((0,1)·(2,−1) + (−sin 1, cos 1)·(−sin 1, cos 1)) / 2 = (−1 + 1)/2 = 0
        double l10 = (1 - sin1) / 2;
        assertArrayEquals(new double[] {1.5, Double.NEGATIVE_INFINITY, l10, 0.0}, result.logits(), Tolerances.HAND_COMPUTED_CHAIN);
        // p₁₀ = e^l₁₀ / (e^l₁₀ + e⁰) = σ(l₁₀), p₁₁ = 1 − p₁₀.
        double p10 = sigmoid(l10);
        assertArrayEquals(new double[] {1, 0, p10, 1 - p10}, result.probabilities(), Tolerances.HAND_COMPUTED_CHAIN);
        // o₀ = v(x₀) = (1, 2) → out₀ = (1+2, 1−2) = (3, −1).
        // o₁ = p₁₀(1, 2) + (1 − p₁₀)(−1, 2) = (2p₁₀ − 1, 2) → out₁ = (2p₁₀ + 1, 2p₁₀ − 3).
        assertArrayEquals(new double[] {3, -1, 2 * p10 + 1, 2 * p10 - 3}, result.output(), Tolerances.HAND_COMPUTED_CHAIN);
        // Cache per token [c_kv | k_R]: (2, 1, 1, 0) and (2, −1, −sin 1, cos 1).
        assertArrayEquals(new double[] {2, 1, 1, 0, 2, -1, -sin1, cos1}, result.cache(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void queryCompressionNormalisesTheQueryLatentBeforeUpProjection() {
        // W_DQ = [[2,3],[2,−3]], w_q = (1,1): c_q(x₀) = (2,2)/2 = (1,1), c_q(x₁) = (3,−3)/3 = (1,−1).
        // W_UQ = [[1,0],[0,1],[1,0],[0,1]]: q_C = c_q, q̃_R = c_q.
        //   q_R(x₀) = (1, 1);  q_R(x₁) = R(1)(1, −1) = (cos 1 + sin 1, sin 1 − cos 1).
        OracleMla.Config config = new OracleMla.Config(2, 1, 2, 2, 2, 2, 2);
        OracleMla.Weights weights = new OracleMla.Weights(new double[] {2, 3, 2, -3}, new double[] {1, 1},
                IDENTITY_ROWS_TWICE, null, W_DKV, KV_NORM, W_UKV, W_O);
        OracleMla.Result result = OracleMla.forward(config, exactOptions(0), weights, X, 1, 2);

        double sin1 = Math.sin(1.0);
        double cos1 = Math.cos(1.0);
        // l₀₀ = ((1,1)·(2,1) + (1,1)·(1,0)) / 2 = (3 + 1)/2 = 2
        // l₁₀ = ((1,−1)·(2,1) + (cos 1 + sin 1, sin 1 − cos 1)·(1,0)) / 2 = (1 + cos 1 + sin 1)/2
        // l₁₁ = ((1,−1)·(2,−1) + (cos 1 + sin 1)(−sin 1) + (sin 1 − cos 1)(cos 1)) / 2 = (3 − 1)/2 = 1
        //       (the rope term is (1,−1)·(0,1) = −1: both at position 1, the rotations cancel)
        double l10 = (1 + cos1 + sin1) / 2;
        assertArrayEquals(new double[] {2, Double.NEGATIVE_INFINITY, l10, 1}, result.logits(), Tolerances.HAND_COMPUTED_CHAIN);
        // p₁₀ = σ(l₁₀ − l₁₁), out as in the first case with this p₁₀.
        double p10 = sigmoid(l10 - 1);
        assertArrayEquals(new double[] {1, 0, p10, 1 - p10}, result.probabilities(), Tolerances.HAND_COMPUTED_CHAIN);
        assertArrayEquals(new double[] {3, -1, 2 * p10 + 1, 2 * p10 - 3}, result.output(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void yarnMultipliesEveryVisibleLogitByDeepSeekV3Factor() {
        // (0.1·m·ln f + 1)² with m = 1, f = 40: (0.1·3.68888 + 1)² = 1.368888² = 1.873854 (docs/MATH.md: ×1.8739).
        OracleMla.Options yarn = new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, 0, EXACT_EPS, 1.0, 40.0);
        assertEquals(1.8739, yarn.yarnMultiplier(), 5e-5);
        OracleMla.Config config = new OracleMla.Config(2, 1, 0, 2, 2, 2, 2);
        OracleMla.Weights weights = new OracleMla.Weights(null, null, null, IDENTITY_ROWS_TWICE, W_DKV, KV_NORM, W_UKV, W_O);
        double[] logits = OracleMla.forward(config, yarn, weights, X, 1, 2).logits();
        double m = Math.pow(0.1 * Math.log(40.0) + 1, 2);
        double l10 = (1 - Math.sin(1.0)) / 2;
        assertArrayEquals(new double[] {1.5 * m, Double.NEGATIVE_INFINITY, l10 * m, 0.0}, logits, Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void shiftingTheStartPositionRotatesTheCacheButLeavesLogitsAndOutputs() {
        // RoPE logits depend on t − s only, so start 0 and start 7 agree; the cached k_R does not.
        OracleMla.Config config = new OracleMla.Config(6, 3, 4, 5, 3, 4, 2);
        OracleMla.Weights weights = MlaFixtures.randomMla(config, new SeededRandom(11));
        double[] x = new SeededRandom(12).gaussians(2 * 4 * 6, 1.0);
        OracleMla.Options atZero = new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, 0, 1e-6, 1.0, 1.0);
        OracleMla.Options atSeven = new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, 7, 1e-6, 1.0, 1.0);
        OracleMla.Result first = OracleMla.forward(config, atZero, weights, x, 2, 4);
        OracleMla.Result shifted = OracleMla.forward(config, atSeven, weights, x, 2, 4);
        assertArrayEquals(first.logits(), shifted.logits(), Tolerances.REORDERED_SUMS, "seed 11/12, B 2, T 4");
        assertArrayEquals(first.output(), shifted.output(), Tolerances.REORDERED_SUMS, "seed 11/12, B 2, T 4");
        assertFalse(Math.abs(first.cache()[5] - shifted.cache()[5]) < 1e-6, "k_R of token 0 must rotate by 7 positions");
    }

    @Test
    void cacheHoldsLatentPlusRopeKeyPerToken() {
        OracleMla.Config config = new OracleMla.Config(6, 3, 0, 5, 3, 4, 2);
        OracleMla.Result result = OracleMla.forward(config, OracleMla.Options.deepSeek(),
                MlaFixtures.randomMla(config, new SeededRandom(3)), new SeededRandom(4).gaussians(2 * 3 * 6, 1.0), 2, 3);
        // B·T·(C + P) = 2·3·(5 + 4) = 54.
        assertEquals(54, result.cache().length);
    }

    @Test
    void badWeightsAndOptionsAreRejectedWithWhatWasExpected() {
        OracleMla.Config config = new OracleMla.Config(2, 1, 0, 2, 2, 2, 2);
        OracleMla.Options options = exactOptions(0);
        assertEquals("W_UKV (wUkv) has 6 values; expected [4, 2] = 8",
                assertThrows(IllegalArgumentException.class, () -> OracleMla.forward(config, options,
                        new OracleMla.Weights(null, null, null, IDENTITY_ROWS_TWICE, W_DKV, KV_NORM,
                                new double[6], W_O), X, 1, 2)).getMessage());
        assertEquals("kv RMSNorm weight (kvNorm) holds NaN at flat index 1; expected only finite values",
                assertThrows(IllegalArgumentException.class, () -> OracleMla.forward(config, options,
                        new OracleMla.Weights(null, null, null, IDENTITY_ROWS_TWICE, W_DKV, new double[] {1, Double.NaN},
                                W_UKV, W_O), X, 1, 2)).getMessage());
        assertEquals("W_DQ, qNorm or W_UQ is given with qLoraRank (0); expected null: without query compression the query is W_Q x",
                assertThrows(IllegalArgumentException.class, () -> OracleMla.forward(config, options,
                        new OracleMla.Weights(new double[4], null, null, IDENTITY_ROWS_TWICE, W_DKV, KV_NORM, W_UKV, W_O),
                        X, 1, 2)).getMessage());
        assertEquals("input x has 4 values; expected [B, T, M] = [1, 3, 2] = 6",
                assertThrows(IllegalArgumentException.class, () -> OracleMla.forward(config, options,
                        new OracleMla.Weights(null, null, null, IDENTITY_ROWS_TWICE, W_DKV, KV_NORM, W_UKV, W_O),
                        X, 1, 3)).getMessage());
        assertEquals("qkRopeHeadDim (3) must be even: rotary dimensions rotate in pairs",
                assertThrows(IllegalArgumentException.class, () -> new OracleMla.Config(2, 1, 0, 2, 2, 3, 2)).getMessage());
        assertEquals("yarnFactor (0.5) must be ≥ 1; 1 means no YaRN",
                assertThrows(IllegalArgumentException.class,
                        () -> new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, 0, 1e-6, 1.0, 0.5)).getMessage());
    }
}
