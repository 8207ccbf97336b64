package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OracleMfa} on cases worked out by hand (M = 2, C_q = 2, C = 2, one head, two tokens at
 * positions 0 and 1), plus the MFA-KR identity at α = 0 and validation.
 *
 * <p>Shared weights (PyTorch layout [out, in]) and x₀ = (1, 0), x₁ = (0, 1):
 * <pre>
 *   S_Q = [[2, 3], [2, −3]], w_q = (1, 1) → c_q(x₀) = (2,2)/2 = (1, 1), c_q(x₁) = (3,−3)/3 = (1, −1)
 *   Q_c = I  → q̃ = c_q;  q(x₀) = (1, 1),  q(x₁) = R(1)(1, −1) = (cos 1 + sin 1, sin 1 − cos 1)
 *   S_K = I  → k̄ = x;    k(x₀) = (1, 0),  k(x₁) = R(1)(0, 1) = (−sin 1, cos 1)
 *   W_O = [[1, 1], [1, −1]],  scale = 1/√C = 1/√2
 *   l₀₀ = (1,1)·(1,0)/√2 = 1/√2
 *   l₁₀ = (cos 1 + sin 1)/√2
 *   l₁₁ = (1,−1)·(0,1)/√2 = −1/√2          (same position: the rotations cancel)
 *   p₁₀ = σ(l₁₀ − l₁₁) = σ((cos 1 + sin 1 + 1)/√2)
 * </pre>
 * ε = 1e-300 is far below half an ulp of mean(x²) ∈ {4, 9}, so both RMS values are exact.
 */
class OracleMfaTest {


    private static final double[] X = {1, 0, 0, 1};   // [B=1, T=2, M=2]
    private static final double[] S_Q = {2, 3, 2, -3};
    private static final double[] Q_NORM = {1, 1};
    private static final double[] IDENTITY = {1, 0, 0, 1};
    private static final double[] W_O = {1, 1, 1, -1};
    private static final OracleMfa.Config TINY = new OracleMfa.Config(2, 1, 2, 2);
    private static final OracleMfa.Options EXACT = new OracleMfa.Options(500000.0, RopePairing.INTERLEAVED, 0, 1e-300);

    private static double handP10() {
        return 1.0 / (1.0 + Math.exp(-(Math.cos(1.0) + Math.sin(1.0) + 1) / Math.sqrt(2)));
    }

    @Test
    void mfaTwoTokensMatchHandArithmetic() {
        // S_V = [[1, 2], [3, 4]] → v(x₀) = (1, 3), v(x₁) = (2, 4).
        OracleMfa.Weights weights = new OracleMfa.Weights(S_Q, Q_NORM, IDENTITY, IDENTITY,
                new OracleMfa.SeparateValue(new double[] {1, 2, 3, 4}), W_O);
        OracleMfa.Result result = OracleMfa.forward(TINY, EXACT, weights, X, 1, 2);
        double sin1 = Math.sin(1.0);
        double cos1 = Math.cos(1.0);
        double root2 = Math.sqrt(2);
        assertArrayEquals(new double[] {1 / root2, Double.NEGATIVE_INFINITY, (cos1 + sin1) / root2, -1 / root2},
                result.logits(), Tolerances.HAND_COMPUTED_CHAIN);
        double p10 = handP10();
        assertArrayEquals(new double[] {1, 0, p10, 1 - p10}, result.probabilities(), Tolerances.HAND_COMPUTED_CHAIN);
        // out₀ = W_O(1, 3) = (4, −2).
        // o₁ = p₁₀(1, 3) + (1 − p₁₀)(2, 4) = (2 − p₁₀, 4 − p₁₀) → out₁ = (6 − 2p₁₀, −2).
        assertArrayEquals(new double[] {4, -2, 6 - 2 * p10, -2}, result.output(), Tolerances.HAND_COMPUTED_CHAIN);
        // Cache [k | v], 2C per token: (1, 0, 1, 3) and (−sin 1, cos 1, 2, 4).
        assertArrayEquals(new double[] {1, 0, 1, 3, -sin1, cos1, 2, 4}, result.cache(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void keyReuseDerivesTheValueFromThePreRopeKey() {
        // α = (0.5, −1), N = [[0, 1], [1, 0]]:
        //   v(x₀) = (1, 0) + α ⊙ N(1, 0) = (1, 0) + (0.5, −1)⊙(0, 1) = (1, −1)
        //   v(x₁) = (0, 1) + α ⊙ N(0, 1) = (0, 1) + (0.5, −1)⊙(1, 0) = (0.5, 1)
        OracleMfa.Weights weights = new OracleMfa.Weights(S_Q, Q_NORM, IDENTITY, IDENTITY,
                new OracleMfa.KeyReuse(new double[] {0.5, -1}, new double[] {0, 1, 1, 0}), W_O);
        OracleMfa.Result result = OracleMfa.forward(TINY, EXACT, weights, X, 1, 2);
        double p10 = handP10();
        // out₀ = W_O(1, −1) = (0, 2).
        // o₁ = p₁₀(1, −1) + (1 − p₁₀)(0.5, 1) = (0.5 + 0.5p₁₀, 1 − 2p₁₀) → out₁ = (1.5 − 1.5p₁₀, −0.5 + 2.5p₁₀).
        assertArrayEquals(new double[] {0, 2, 1.5 - 1.5 * p10, -0.5 + 2.5 * p10}, result.output(), Tolerances.HAND_COMPUTED_CHAIN);
        // Cache k̄ only, C per token: (1, 0) and (0, 1), before RoPE.
        assertArrayEquals(new double[] {1, 0, 0, 1}, result.cache(), 0.0);
    }

    @Test
    void keyReuseWithZeroAlphaIsMfaWithValueProjectionEqualToKeyProjection() {
        // α = 0 ⇒ v = k̄ = S_K x, which is MFA with S_V = S_K (docs/MATH.md: v = k̄ at initialisation).
        OracleMfa.Config config = new OracleMfa.Config(7, 3, 5, 4);
        OracleMfa.Options options = new OracleMfa.Options(500000.0, RopePairing.SPLIT_HALVES, 2, 1e-6);
        OracleMfa.Weights random = MlaFixtures.randomMfa(config, false, new SeededRandom(21));
        double[] n = new SeededRandom(22).gaussians(16, 1.0);
        double[] x = new SeededRandom(23).gaussians(2 * 5 * 7, 1.0);
        OracleMfa.Result reuse = OracleMfa.forward(config, options, new OracleMfa.Weights(random.sQ(), random.qNorm(),
                random.qC(), random.sK(), new OracleMfa.KeyReuse(new double[4], n), random.wO()), x, 2, 5);
        OracleMfa.Result separate = OracleMfa.forward(config, options, new OracleMfa.Weights(random.sQ(), random.qNorm(),
                random.qC(), random.sK(), new OracleMfa.SeparateValue(random.sK()), random.wO()), x, 2, 5);
        assertArrayEquals(separate.output(), reuse.output(), 0.0, "seeds 21/22/23, B 2, T 5");
        // Cache: MFA 2C, MFA-KR C per token: 2·5·8 = 80 and 2·5·4 = 40 values.
        assertEquals(80, separate.cache().length);
        assertEquals(40, reuse.cache().length);
    }

    @Test
    void badWeightsAreRejectedWithWhatWasExpected() {
        assertEquals("value path (SeparateValue or KeyReuse) must not be null",
                assertThrows(IllegalArgumentException.class, () -> OracleMfa.forward(TINY, EXACT,
                        new OracleMfa.Weights(S_Q, Q_NORM, IDENTITY, IDENTITY, null, W_O), X, 1, 2)).getMessage());
        assertEquals("MFA-KR α (alpha) holds Infinity at flat index 0; expected only finite values",
                assertThrows(IllegalArgumentException.class, () -> OracleMfa.forward(TINY, EXACT,
                        new OracleMfa.Weights(S_Q, Q_NORM, IDENTITY, IDENTITY,
                                new OracleMfa.KeyReuse(new double[] {Double.POSITIVE_INFINITY, 0}, IDENTITY), W_O),
                        X, 1, 2)).getMessage());
        assertEquals("Q_c (qC) has 4 values; expected [6, 2] = 12",
                assertThrows(IllegalArgumentException.class, () -> OracleMfa.forward(new OracleMfa.Config(2, 3, 2, 2),
                        EXACT, new OracleMfa.Weights(S_Q, Q_NORM, IDENTITY, IDENTITY,
                                new OracleMfa.SeparateValue(IDENTITY), W_O), X, 1, 2)).getMessage());
        assertEquals("headDim (3) must be even: RoPE rotates every pair of the shared head",
                assertThrows(IllegalArgumentException.class, () -> new OracleMfa.Config(2, 1, 2, 3)).getMessage());
    }
}
