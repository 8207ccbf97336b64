package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link OracleMla} under a RoPE scaling rule: the decoupled key turns by the rule's {@code ω'_j} for the
 * length served, {@code start + T}, and a DeepSeek YaRN rule brings its softmax multiplier only while
 * active (max_seq_len &gt; original_seq_len), on top of {@code yarn_mscale}/{@code yarn_factor}.
 */
class OracleMlaRopeScalingTest {
    private static final double THETA = 10000.0;

    private static OracleMla.Options options(RopeScaling rule, double yarnFactor, int start) {
        return new OracleMla.Options(THETA, RopePairing.INTERLEAVED, start, 1e-6, 1.0, yarnFactor, rule);
    }

    @Test
    void aYarnRuleBringsDeepSeeksMultiplierOnlyWhileActive() {
        // m = 0.1 · 1 · ln 40 + 1 = 1.36888794541139…; m² = 1.87385420709262…
        double deepSeek = 1.8738542070926265;
        assertEquals(deepSeek, options(RopeScaling.Yarn.deepSeekV3(163840), 1.0, 0).yarnMultiplier(),
                Tolerances.HAND_COMPUTED_CHAIN);
        assertEquals(1.0, options(RopeScaling.Yarn.deepSeekV3(4096), 1.0, 0).yarnMultiplier(), 0.0);
        assertEquals(deepSeek * deepSeek, options(RopeScaling.Yarn.deepSeekV3(163840), 40.0, 0).yarnMultiplier(),
                Tolerances.HAND_COMPUTED_CHAIN);
        assertEquals(deepSeek, options(new RopeScaling.Linear(4), 40.0, 0).yarnMultiplier(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void theRopeKeyTurnsByTheRulesFrequenciesForLengthStartPlusT() {
        // M = 3, one head, C = 2, D_nope = 2, P = 4 (pairs 0, 1), Dv = 2; five tokens at positions 6 … 10, so
        // dynamic NTK (f = 2, L₀ = 8) serves L = 11 > L₀ and its ω' differs from ω.
        OracleMla.Config config = new OracleMla.Config(3, 1, 0, 2, 2, 4, 2);
        SeededRandom random = new SeededRandom(14);
        OracleMla.Weights weights = new OracleMla.Weights(null, null, null, random.uniforms(6 * 3, -1, 1),
                random.uniforms(6 * 3, -1, 1), random.uniforms(2, 0.5, 1.5), random.uniforms(4 * 2, -1, 1),
                random.uniforms(3 * 2, -1, 1));
        double[] x = random.uniforms(5 * 3, -1, 1);
        RopeScaling rule = new RopeScaling.DynamicNtk(2, 8);
        double[] scaled = OracleMla.forward(config, options(rule, 1.0, 6), weights, x, 1, 5).cache();      // [1, 5, C + P]
        double[] plain = OracleMla.forward(config, options(RopeScaling.NONE, 1.0, 6), weights, x, 1, 5).cache();
        double[] omegaScaled = rule.inverseFrequencies(4, THETA, 11);
        double[] omega = RopeScaling.unscaled(4, THETA);
        assertTrue(Math.abs(omegaScaled[1] - omega[1]) > 1e-3 * omega[1], "the rule changes ω at L = 11");
        // k_R(ω') = R(pos·(ω' − ω)) k_R(ω): rotate each interleaved pair of the plain key by the difference.
        for (int t = 0; t < 5; t++) {
            int pos = 6 + t;
            for (int j = 0; j < 2; j++) {
                int a = t * 6 + 2 + 2 * j;
                double phi = pos * (omegaScaled[j] - omega[j]);
                double expectA = plain[a] * Math.cos(phi) - plain[a + 1] * Math.sin(phi);
                double expectB = plain[a + 1] * Math.cos(phi) + plain[a] * Math.sin(phi);
                assertEquals(expectA, scaled[a], Tolerances.REORDERED_SUMS, "token " + t + " pair " + j);
                assertEquals(expectB, scaled[a + 1], Tolerances.REORDERED_SUMS, "token " + t + " pair " + j);
            }
        }
    }
}
