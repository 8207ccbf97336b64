package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.Mfa;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaSettings;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A recording trace through each latent layer shows that variant's own projection steps, each with the
 * shape of the tensor it names (B = 1, T = 2, M = 6, H = 2, C = 4, D_nope = 3, P = 2, Dv = 2, MFA C = 4).
 */
class LatentTraceStepsTest {
    private static final MfaSettings MFA_SETTINGS = new MfaSettings(10000.0, RopePairing.INTERLEAVED, 1e-6);

    private static MlaWeights mla(int queryRank, long seed) {
        return MlaWeights.random(new MlaShape(6, 2, queryRank, 4, 3, 2, 2), MlaWeights.Settings.deepSeek(),
                new SeededRandom(seed));
    }

    /** Label → shape of every stage one forward of {@code layer} over x [1, 2, 6] records. */
    private static <C> Map<String, String> steps(LatentAttentionLayer<C> layer) {
        ShapeTrace trace = ShapeTrace.recording();
        layer.forward(Tensor.randn(new SeededRandom(98), 1.0, 1, 2, 6), layer.newCache(1), trace);
        Map<String, String> shapes = new LinkedHashMap<>();
        for (ShapeTrace.Stage stage : trace.stages()) {
            shapes.put(stage.label(), Arrays.toString(stage.shape()));
        }
        return shapes;
    }

    private static void assertStep(Map<String, String> steps, String label, String shape) {
        assertTrue(steps.containsKey(label), "no step '" + label + "' in " + steps.keySet());
        assertEquals(shape, steps.get(label), label);
    }

    @Test
    void naiveMlaWithoutQueryCompressionShowsPerHeadKeysAndValues() {
        Map<String, String> steps = steps(LatentAttentionLayer.naiveMla(new NaiveMla(mla(0, 1))));
        assertStep(steps, "q = x·W_Qᵀ, split heads", "[1, 2, 2, 5]");
        assertTrue(!steps.containsKey("c̃_q = x·W_DQᵀ"), "no query compression when C_q = 0: " + steps.keySet());
        assertStep(steps, "k_C = c_kv·W_UK,iᵀ per head", "[1, 2, 2, 3]");
        assertStep(steps, "o = p·V", "[1, 2, 2, 2]");
    }

    @Test
    void bothAbsorbedMlaModulesShowTheLatentQueryAndLatentHeads() {
        for (LatentAttentionLayer<?> layer : new LatentAttentionLayer<?>[] {
                LatentAttentionLayer.absorbedMla(new AbsorbedMla(mla(3, 2))),
                LatentAttentionLayer.absorbedMla(new PrecomputedAbsorbedMla(mla(3, 3)))}) {
            Map<String, String> steps = steps(layer);
            assertStep(steps, "c_q = RMSNorm(c̃_q)", "[1, 2, 3]");
            assertStep(steps, "q = c_q·W_UQᵀ, split heads", "[1, 2, 2, 5]");
            assertStep(steps, "q̂ = q_C·W_UK,i (query in latent space)", "[1, 2, 2, 4]");
            assertStep(steps, "ô = p·c_kv (stays in latent space)", "[1, 2, 2, 4]");
            assertStep(steps, "o = ô·W_UV,iᵀ per head", "[1, 2, 2, 2]");
        }
    }

    @Test
    void mfaAndKeyReuseShowTheFactorizedQueryAndTheirSharedHead() {
        Map<String, String> mfa = steps(LatentAttentionLayer.mfa(
                Mfa.random(new MfaShape(6, 2, 3, 4, false), MFA_SETTINGS, new SeededRandom(4))));
        assertStep(mfa, "c̃_q = x·S_Qᵀ", "[1, 2, 3]");
        assertStep(mfa, "k̃ = x·S_Kᵀ", "[1, 2, 4]");
        assertStep(mfa, "v = x·S_Vᵀ, one for all heads", "[1, 2, 4]");
        assertStep(mfa, "o = p·v", "[1, 2, 2, 4]");
        Map<String, String> reuse = steps(LatentAttentionLayer.mfaKeyReuse(
                MfaKeyReuse.random(new MfaShape(6, 2, 3, 4, true), MFA_SETTINGS, new SeededRandom(5))));
        assertStep(reuse, "c̃_q = x·S_Qᵀ", "[1, 2, 3]");
        assertStep(reuse, "k̄ = x·S_Kᵀ (cached before RoPE)", "[1, 2, 4]");
        assertStep(reuse, "ō = p·k̄ (v = (I + diag(α)N)k̄ folded into W_O)", "[1, 2, 2, 4]");
    }
}
