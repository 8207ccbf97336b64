package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link RopeScaling}: hand-computed frequencies for each rule in each regime (YaRN's ramp below, inside
 * and above; Llama 3.1's kept, blended and divided bands; dynamic NTK below and above the original
 * context), the real DeepSeek-V3 and Llama 3.1 band edges, the laws (factor 1 is no scaling, the ramp
 * and the kept fraction ω'/ω are monotone, Llama 3.1 is continuous at its band edges, linear scaling
 * is position interpolation), {@link Rope} with a rule, and the one-line errors.
 *
 * <p>Most hand cases use P = 8, θ = 10⁴, where {@code ω_j = 10^(−j) = 1, 0.1, 0.01, 0.001} and YaRN's
 * correction index is simply {@code d(β) = 8·ln(L₀/(2πβ)) / (2·ln 10⁴) = log₁₀(L₀/(2πβ))}. The digits
 * in the comments were worked out with 40-digit decimal arithmetic, from the equations alone.
 */
class RopeScalingTest {
    private static void assertRelative(double expected, double actual, String what) {
        assertEquals(expected, actual, Tolerances.SCALED_FREQUENCY_RELATIVE * Math.abs(expected), what);
    }

    private static void assertAllRelative(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int j = 0; j < expected.length; j++) {
            assertRelative(expected[j], actual[j], what + ", pair " + j);
        }
    }

    // ---- hand-computed values ----

    @Test
    void yarnKeepsFastPairsBlendsTheRampAndDividesSlowPairs() {
        // L₀ = 4096, β_fast = 32, β_slow = 1: d(32) = log₁₀(20.37…) = 1.30903… → lo = 1;
        // d(1) = log₁₀(651.89…) = 2.81418… → hi = 3. Ramp r_j = clamp((j − 1)/2, 0, 1) = (0, 0, 0.5, 1).
        RopeScaling.Yarn yarn = new RopeScaling.Yarn(40, 4096, 8192, 32, 1, 1.0);
        assertArrayEquals(new double[] {0, 0, 0.5, 1}, yarn.ramp(8, 1e4));
        // ω' = (1, 0.1, 0.5·0.01 + 0.5·0.01/40 = 0.005125, 0.001/40 = 0.000025).
        assertAllRelative(new double[] {1, 0.1, 0.005125, 0.000025}, yarn.inverseFrequencies(8, 1e4, 1), "yarn P=8");
    }

    @Test
    void yarnChangesNothingUnlessMaxSeqLenExceedsTheOriginal() {
        // DeepSeek scales only when max_seq_len > original_seq_len; the same rule at 4096 = L₀ is a no-op.
        RopeScaling.Yarn idle = new RopeScaling.Yarn(40, 4096, 4096, 32, 1, 1.0);
        assertArrayEquals(RopeScaling.unscaled(8, 1e4), idle.inverseFrequencies(8, 1e4, 1));
        assertEquals(1.0, idle.softmaxScaleMultiplier());
        assertTrue(!idle.active() && new RopeScaling.Yarn(40, 4096, 4097, 32, 1, 1.0).active());
    }

    @Test
    void yarnUpperClampIsPMinusOneAsDeepSeekWritesItSoTheLastPairIsOnlyPartlyDivided() {
        // L₀ = 100000: d(32) = log₁₀(497.36…) = 2.69667… → lo = 2; d(1) = log₁₀(15915.4…) = 4.20182… → 5,
        // and min(5, P − 1 = 7) = 5 (a clamp to P/2 − 1 = 3 would give hi = 3 and divide pair 3 fully).
        // r = (0, 0, 0, (3 − 2)/3 = 1/3); ω'_3 = (2/3)·0.001 + (1/3)·0.001/40 = 0.000675.
        RopeScaling.Yarn yarn = new RopeScaling.Yarn(40, 100000, 200000, 32, 1, 1.0);
        assertAllRelative(new double[] {0, 0, 0, 1.0 / 3}, yarn.ramp(8, 1e4), "ramp");
        assertAllRelative(new double[] {1, 0.1, 0.01, 0.000675}, yarn.inverseFrequencies(8, 1e4, 1), "ω'");
    }

    @Test
    void yarnGuardsAnEmptyRampAsDeepSeekDoes() {
        // P = 4, L₀ = 10⁹: d(β) = log₁₀(10⁹/(2πβ))/2; d(32) = 3.348… → lo = 3; d(1) = 4.099… → 5 → min(5, 3) = 3.
        // lo = hi, so hi = 3.001 and r_j = clamp((j − 3)/0.001, 0, 1) = 0 for both pairs: nothing changes.
        RopeScaling.Yarn yarn = new RopeScaling.Yarn(40, 1_000_000_000, 2_000_000_000, 32, 1, 1.0);
        assertArrayEquals(new double[] {0, 0}, yarn.ramp(4, 1e4));
    }

    @Test
    void yarnUpperClampBindsAtPMinusOne() {
        // P = 4, θ = 2, L₀ = 29: d(β) = 2·log₂(29/(2πβ)); d(32) = −5.58703… → lo = 0; d(1) = 4.41297… → 5,
        // clamped to P − 1 = 3 (a clamp to P or P + 1 would give r_1 = 1/4 or 1/5). r = (0, 1/3);
        // ω'_1 = 2^(−1/2)·(2/3 + 1/(3·40)) = 0.47729707730091957897…
        RopeScaling.Yarn yarn = new RopeScaling.Yarn(40, 29, 58, 32, 1, 1.0);
        assertAllRelative(new double[] {0, 1.0 / 3}, yarn.ramp(4, 2), "ramp");
        assertAllRelative(new double[] {1, 0.47729707730091957897}, yarn.inverseFrequencies(4, 2, 1), "ω'");
    }

    @Test
    void deepSeekV3RampRunsFromPairTenToPairTwentyThree() {
        // P = 64, θ = 10⁴, L₀ = 4096: d(32) = 64·ln(4096/(64π))/(2 ln 10⁴) = 10.4722… → lo = 10;
        // d(1) = 22.5134… → hi = 23. r_10 = 0, r_11 = 1/13, r_16 = 6/13, r_23 = 1.
        RopeScaling.Yarn yarn = RopeScaling.Yarn.deepSeekV3(16384);
        double[] ramp = yarn.ramp(64, 1e4);
        assertEquals(0.0, ramp[10]);
        assertRelative(1.0 / 13, ramp[11], "r_11");
        assertRelative(6.0 / 13, ramp[16], "r_16");
        assertEquals(1.0, ramp[23]);
        assertEquals(1.0, ramp[31]);
        // m = 0.1·ln 40 + 1 = 1.36888794541139363…; m² = 1.87385420709262658…
        assertRelative(1.87385420709262658746, yarn.softmaxScaleMultiplier(), "m²");
    }

    @Test
    void llama3KeepsShortWavelengthsBlendsTheBandAndDividesLongOnes() {
        // L₀ = 1024, low 1, high 4, f = 8: kept below λ = 256, divided above λ = 1024.
        // λ = 2π/ω = (6.28, 62.8, 628.3, 6283): pairs 0, 1 kept; pair 3 → 0.001/8 = 0.000125;
        // pair 2 in the band: s = (1024/(200π) − 1)/3 = 0.20991553908700274609…,
        // ω' = (1 − s)·0.01/8 + s·0.01 = 0.0030867609670112740283…
        RopeScaling.Llama3 llama = new RopeScaling.Llama3(8, 1, 4, 1024);
        assertAllRelative(new double[] {1, 0.1, 0.0030867609670112740283, 0.000125},
                llama.inverseFrequencies(8, 1e4, 1), "llama3 P=8");
    }

    @Test
    void llama31BandsOfTheRealModel() {
        // θ = 500000, P = 128: λ_j = 2π·500000^(j/64). λ_28 = 1956.5 < 2048 (kept), λ_29 = 2401.7 and
        // λ_34 = 6695.1 in [2048, 8192] (blended), λ_35 = 8218.7 > 8192 (divided by 8).
        RopeScaling.Llama3 llama = RopeScaling.Llama3.llama31();
        double[] omega = RopeScaling.unscaled(128, 500000);
        double[] scaled = llama.inverseFrequencies(128, 500000, 1);
        for (int j = 0; j < 64; j++) {
            double kept = scaled[j] / omega[j];
            if (j <= 28) {
                assertEquals(1.0, kept, "pair " + j);
            } else if (j >= 35) {
                assertRelative(0.125, kept, "pair " + j);
            } else {
                assertTrue(kept > 0.125 && kept < 1, "pair " + j + " keeps " + kept);
            }
        }
    }

    @Test
    void dynamicNtkGrowsTheBaseOnlyPastTheOriginalContext() {
        // P = 4, θ = 10⁴, f = 2, L₀ = 16. Exponent P/(P − 2) = 2.
        RopeScaling.DynamicNtk ntk = new RopeScaling.DynamicNtk(2, 16);
        // L ≤ L₀: unchanged, (1, 10⁴^(−1/2) = 0.01).
        assertArrayEquals(RopeScaling.unscaled(4, 1e4), ntk.inverseFrequencies(4, 1e4, 16));
        // L = 24: 2·24/16 − 1 = 2, θ' = 10⁴·2² = 40000, ω'_1 = 40000^(−1/2) = 0.005.
        assertAllRelative(new double[] {1, 0.005}, ntk.inverseFrequencies(4, 1e4, 24), "L=24");
        // L = 32: 2·32/16 − 1 = 3, θ' = 10⁴·3² = 90000, ω'_1 = 1/300.
        assertAllRelative(new double[] {1, 1.0 / 300}, ntk.inverseFrequencies(4, 1e4, 32), "L=32");
    }

    @Test
    void linearDividesEveryFrequency() {
        assertAllRelative(new double[] {0.25, 0.0025}, new RopeScaling.Linear(4).inverseFrequencies(4, 1e4, 1), "f=4");
    }

    @Test
    void ropeWithYarnRotatesByTheScaledAngles() {
        // Yarn P = 8 from above at position 100: φ = 100·ω' = (100, 10, 0.5125, 0.0025).
        // (1, 0) pairs turn to (cos φ, sin φ): cos 100 = 0.86231887228768393…, sin 100 = −0.50636564110975879…,
        // cos 10 = −0.83907152907645245…, sin 10 = −0.54402111088936981…, cos 0.5125 = 0.87152133847467260…,
        // sin 0.5125 = 0.49035758032614846…, cos 0.0025 = 0.99999687500162760…, sin 0.0025 = 0.00249999739583414…
        Rope rope = new Rope(8, 1e4, RopePairing.INTERLEAVED, new RopeScaling.Yarn(40, 4096, 8192, 32, 1, 1.0));
        double[] out = rope.apply(Tensor.of(new double[] {1, 0, 1, 0, 1, 0, 1, 0}, 1, 8), new int[] {100}).toArray();
        assertArrayEquals(new double[] {0.86231887228768393, -0.50636564110975879, -0.83907152907645245,
                -0.54402111088936981, 0.87152133847467260, 0.49035758032614846, 0.99999687500162760,
                0.00249999739583414}, out, Tolerances.SCALED_ROTATION);
        assertEquals(0.5125, rope.angle(100, 2), Tolerances.SCALED_ANGLE);
    }

    @Test
    void dynamicNtkAngleServesTheLengthOnePastItsPosition() {
        // P = 4, θ = 10⁴, f = 2, L₀ = 16. Position 15 serves L = 16 = L₀: unscaled, φ_1 = 15·0.01 = 0.15.
        // Position 16 serves L = 17: 2·17/16 − 1 = 1.125, ω'_1 = 1/(100·1.125), φ_1 = 16/112.5 = 0.14222…
        // Position 31 serves L = 32: ω'_1 = 1/300 (as above), φ_1 = 31/300.
        Rope rope = new Rope(4, 1e4, RopePairing.INTERLEAVED, new RopeScaling.DynamicNtk(2, 16));
        assertRelative(0.15, rope.angle(15, 1), "position 15");
        assertRelative(16 / 112.5, rope.angle(16, 1), "position 16");
        assertRelative(31.0 / 300, rope.angle(31, 1), "position 31");
    }

    // ---- laws ----

    @Test
    void factorOneIsNoScaling() {
        for (int width : new int[] {2, 8, 64, 128}) {
            for (double theta : new double[] {1e4, 5e5}) {
                double[] plain = RopeScaling.unscaled(width, theta);
                String where = "P=" + width + ", θ=" + theta;
                assertArrayEquals(plain, new RopeScaling.Linear(1).inverseFrequencies(width, theta, 1 << 20), where);
                assertAllRelative(plain, new RopeScaling.Llama3(1, 1, 4, 64).inverseFrequencies(width, theta, 1), where);
                RopeScaling.Yarn yarn = new RopeScaling.Yarn(1, 64, 1 << 20, 32, 1, 1.0);
                assertAllRelative(plain, yarn.inverseFrequencies(width, theta, 1), where);
                assertEquals(1.0, yarn.softmaxScaleMultiplier(), where);
            }
        }
    }

    @Test
    void noneLeavesRopeBitForBitAsBefore() {
        Tensor x = Tensor.randn(new SeededRandom(14), 1.0, 2, 5, 12);
        int[] positions = {0, 3, 4095, 4096, 163839};
        for (RopePairing pairing : RopePairing.values()) {
            Tensor plain = new Rope(8, 1e4, pairing).apply(x, positions);
            Tensor none = new Rope(8, 1e4, pairing, RopeScaling.NONE).apply(x, positions);
            assertTrue(plain.bitwiseEquals(none), pairing.name());
            // and the angle is still pos · θ^(−2i/P), evaluated the way Rope always did
            assertEquals(163839 * Math.pow(1e4, -2.0 * 3 / 8), new Rope(8, 1e4, pairing).angle(163839, 3));
        }
    }

    @Test
    void rampRisesAndTheKeptFractionFallsFromOneToOneOverF() {
        for (int width : new int[] {4, 8, 16, 64, 128}) {
            for (int original : new int[] {64, 4096, 8192, 1 << 20}) {
                for (double theta : new double[] {1e4, 5e5}) {
                    String where = "P=" + width + ", L₀=" + original + ", θ=" + theta;
                    RopeScaling.Yarn yarn = new RopeScaling.Yarn(16, original, 2 * original, 32, 1, 1.0);
                    double[] ramp = yarn.ramp(width, theta);
                    for (int j = 1; j < ramp.length; j++) {
                        assertTrue(ramp[j] >= ramp[j - 1] && ramp[j] >= 0 && ramp[j] <= 1, where + ", r_" + j);
                    }
                    keptFractionFalls(yarn.inverseFrequencies(width, theta, 1), width, theta, 16, where + ", yarn");
                    RopeScaling.Llama3 llama = new RopeScaling.Llama3(16, 1, 4, original);
                    keptFractionFalls(llama.inverseFrequencies(width, theta, 1), width, theta, 16, where + ", llama3");
                }
            }
        }
    }

    private static void keptFractionFalls(double[] scaled, int width, double theta, double factor, String where) {
        double[] omega = RopeScaling.unscaled(width, theta);
        double rounding = Tolerances.SCALED_FREQUENCY_RELATIVE;
        double previous = 1 + rounding;
        for (int j = 0; j < omega.length; j++) {
            double kept = scaled[j] / omega[j];
            assertTrue(kept <= previous && kept <= 1 + rounding && kept >= (1 - rounding) / factor,
                    where + ": ω'/ω at pair " + j + " is " + kept + " after " + previous);
            previous = kept + rounding;
        }
    }

    @Test
    void staticRulesKeepLogitsAFunctionOfThePositionDifference() {
        // Each rule only changes ω', so R(m)ᵀR(n) = R(n − m) still holds: shifting both positions by Δ
        // leaves ⟨R(m)q, R(n)k⟩ unchanged (up to the rounding of angles near 10⁴).
        RopeScaling[] rules = {new RopeScaling.Linear(4), RopeScaling.Yarn.deepSeekV3(163840), RopeScaling.Llama3.llama31()};
        for (long seed = 1; seed <= 3; seed++) {
            SeededRandom random = new SeededRandom(seed);
            Tensor q = Tensor.randn(random, 1.0, 1, 64);
            Tensor k = Tensor.randn(random, 1.0, 1, 64);
            for (RopeScaling rule : rules) {
                Rope rope = new Rope(64, 1e4, RopePairing.INTERLEAVED, rule);
                double near = dot(rope.apply(q, new int[] {7}), rope.apply(k, new int[] {3}));
                double far = dot(rope.apply(q, new int[] {9007}), rope.apply(k, new int[] {9003}));
                assertEquals(near, far, Tolerances.FAR_SHIFTED_LOGIT, "seed " + seed + ", " + rule);
            }
        }
    }

    private static double dot(Tensor a, Tensor b) {
        double[] x = a.toArray();
        double[] y = b.toArray();
        double sum = 0;
        for (int d = 0; d < x.length; d++) {
            sum += x[d] * y[d];
        }
        return sum;
    }

    @Test
    void llama3IsContinuousAtBothBandEdges() {
        // Edges at λ = L₀/high (s = 1, ω' = ω) and λ = L₀/low (s = 0, ω' = ω/f); ω = 2π/λ.
        for (double[] p : new double[][] {{8, 1, 4, 8192}, {32, 2, 3, 1000}, {4, 0.5, 8, 4096}}) {
            RopeScaling.Llama3 llama = new RopeScaling.Llama3(p[0], p[1], p[2], (int) p[3]);
            for (double edge : new double[] {p[3] / p[2], p[3] / p[1]}) {
                double omega = 2 * Math.PI / edge;
                double below = llama.scale(omega * (1 - 1e-12));
                double above = llama.scale(omega * (1 + 1e-12));
                assertEquals(below, above, Tolerances.BAND_EDGE_RELATIVE * omega, Arrays.toString(p) + " at λ = " + edge);
            }
        }
    }

    @Test
    void linearScalingIsPositionInterpolation() {
        // φ = (pos/f)·ω: position 4p under f = 4 turns as position p unscaled.
        Tensor x = Tensor.randn(new SeededRandom(15), 1.0, 3, 16);
        Tensor scaled = new Rope(16, 1e4, RopePairing.SPLIT_HALVES, new RopeScaling.Linear(4)).apply(x, new int[] {0, 40, 4000});
        Tensor plain = new Rope(16, 1e4, RopePairing.SPLIT_HALVES).apply(x, new int[] {0, 10, 1000});
        assertArrayEquals(plain.toArray(), scaled.toArray(), Tolerances.POSITION_INTERPOLATION);
    }

    @Test
    void dynamicNtkRotatesTheSameTokenDifferentlyInALongerCall() {
        // HF serves L = max(position) + 1: position 5 alone (L = 6 ≤ L₀) is unscaled; in a call reaching
        // position 31 (L = 32 > L₀ = 16) the base has grown, so a key cached earlier no longer matches.
        Rope rope = new Rope(4, 1e4, RopePairing.INTERLEAVED, new RopeScaling.DynamicNtk(2, 16));
        Tensor x = Tensor.of(new double[] {1, 0, 1, 0, 1, 0, 1, 0}, 2, 4);
        double[] alone = rope.apply(x, new int[] {5, 5}).toArray();
        double[] inLongCall = rope.apply(x, new int[] {5, 31}).toArray();
        // pair 1 of position 5: unscaled φ = 5·0.01 = 0.05; grown φ = 5/300.
        assertEquals(Math.cos(0.05), alone[2], Tolerances.COSINE_NEAR_ONE);
        assertEquals(Math.cos(5.0 / 300), inLongCall[2], Tolerances.COSINE_NEAR_ONE);
    }

    // ---- errors ----

    @Test
    void badParametersFailWithTheirConfigKey() {
        assertMessage("factor (0.5) must be finite and ≥ 1; 1 means no scaling", () -> new RopeScaling.Linear(0.5));
        assertMessage("rope_factor (NaN) must be finite and ≥ 1; 1 means no scaling",
                () -> new RopeScaling.Yarn(Double.NaN, 4096, 8192, 32, 1, 1));
        assertMessage("beta_fast (1.0) must exceed beta_slow (32.0): the ramp runs from the fast-turning pairs to the slow ones",
                () -> new RopeScaling.Yarn(40, 4096, 8192, 1, 32, 1));
        assertMessage("beta_slow (0.0) must be finite and positive", () -> new RopeScaling.Yarn(40, 4096, 8192, 32, 0, 1));
        assertMessage("original_seq_len (0) must be positive", () -> new RopeScaling.Yarn(40, 0, 8192, 32, 1, 1));
        assertMessage("high_freq_factor (1.0) must exceed low_freq_factor (4.0)", () -> new RopeScaling.Llama3(8, 4, 1, 8192));
        assertMessage("original_max_position_embeddings (-1) must be positive", () -> new RopeScaling.DynamicNtk(2, -1));
        assertMessage("dynamic NTK needs rotaryDim > 2 (got 2): the base is raised to P/(P−2)",
                () -> new Rope(2, 1e4, RopePairing.INTERLEAVED, new RopeScaling.DynamicNtk(2, 16)).apply(Tensor.zeros(40, 2), 0));
        assertMessage("theta (1.0) must exceed 1 for YaRN: d(β) divides by ln θ",
                () -> new Rope(8, 1.0, RopePairing.INTERLEAVED, RopeScaling.Yarn.deepSeekV3(8192)));
        assertMessage("scaling must not be null", () -> new Rope(8, 1e4, RopePairing.INTERLEAVED, null));
    }

    @Test
    void equalBandEdgesAndFactorsBelowOneAreRefusedByEveryRule() {
        // β_fast = β_slow would make the ramp a step; high = low leaves Llama 3's band one point wide
        // (s divides by 0); f < 1 would speed rotation up instead of interpolating.
        assertMessage("beta_fast (1.0) must exceed beta_slow (1.0): the ramp runs from the fast-turning pairs to the slow ones",
                () -> new RopeScaling.Yarn(40, 4096, 8192, 1, 1, 1));
        assertMessage("high_freq_factor (2.0) must exceed low_freq_factor (2.0)", () -> new RopeScaling.Llama3(8, 2, 2, 8192));
        assertMessage("factor (0.5) must be finite and ≥ 1; 1 means no scaling", () -> new RopeScaling.Llama3(0.5, 1, 4, 8192));
        assertMessage("factor (0.5) must be finite and ≥ 1; 1 means no scaling", () -> new RopeScaling.DynamicNtk(0.5, 16));
    }

    private static void assertMessage(String expected, Executable action) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, action).getMessage());
    }
}
