package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad weights, inputs and caches for the MLA / MFA modules fail at the boundary, saying what was expected. */
class LatentModuleValidationTest {

    private static final MlaShape SHAPE = new MlaShape(6, 2, 0, 4, 3, 2, 2);
    private static final MlaWeights WEIGHTS = MlaWeights.random(SHAPE, MlaWeights.Settings.deepSeek(), new SeededRandom(1));
    private static final MfaSettings MFA_SETTINGS = new MfaSettings(500000.0, RopePairing.INTERLEAVED, 1e-6);

    private static String message(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    private static MlaWeights withUkv(Tensor wUkv) {
        return MlaWeights.of(SHAPE, WEIGHTS.settings(), null, null, null, WEIGHTS.wQ(), WEIGHTS.wDkv(), WEIGHTS.kvNorm(),
                wUkv, WEIGHTS.wO());
    }

    @Test
    void mlaWeightsOfTheWrongShapeOrNotFiniteAreRejected() {
        // W_UKV is [H·(D_nope + Dv), C] = [2·(3 + 2), 4] = [10, 4].
        assertEquals("W_UKV (wUkv) has shape [8, 4]; expected [10, 4]", message(() -> withUkv(Tensor.zeros(8, 4))));
        assertEquals("kv RMSNorm weight (kvNorm) holds NaN at flat index 1; expected only finite values",
                message(() -> MlaWeights.of(SHAPE, WEIGHTS.settings(), null, null, null, WEIGHTS.wQ(), WEIGHTS.wDkv(),
                        Tensor.of(new double[] {1, Double.NaN, 1, 1}, 4), WEIGHTS.wUkv(), WEIGHTS.wO())));
        assertEquals("W_DQ, qNorm or W_UQ is given with qLoraRank (0); expected null: without query compression the query is W_Q x",
                message(() -> MlaWeights.of(SHAPE, WEIGHTS.settings(), Tensor.zeros(2, 6), null, null, WEIGHTS.wQ(),
                        WEIGHTS.wDkv(), WEIGHTS.kvNorm(), WEIGHTS.wUkv(), WEIGHTS.wO())));
        assertEquals("W_Q (wQ) must not be null", message(() -> MlaWeights.of(SHAPE, WEIGHTS.settings(), null, null, null,
                null, WEIGHTS.wDkv(), WEIGHTS.kvNorm(), WEIGHTS.wUkv(), WEIGHTS.wO())));
        assertEquals("yarnFactor (0.5) must be ≥ 1; 1 means no YaRN",
                message(() -> new MlaWeights.Settings(10000.0, RopePairing.INTERLEAVED, 1e-6, 1.0, 0.5)));
    }

    @Test
    void inputsOfTheWrongWidthOrBatchAreRejected() {
        NaiveMla naive = new NaiveMla(WEIGHTS);
        assertEquals("NaiveMla of width 6 got input of shape [1, 2, 5]; expected [B, T ≥ 1, 6]",
                message(() -> naive.forward(Tensor.zeros(1, 2, 5), naive.newCache(1))));
        assertEquals("cache holds 2 sequences but the input has batch 1",
                message(() -> naive.forward(Tensor.zeros(1, 2, 6), naive.newCache(2))));
        AbsorbedMla absorbed = new AbsorbedMla(WEIGHTS);
        assertEquals("input x holds Infinity at flat index 3; expected only finite values",
                message(() -> absorbed.forward(Tensor.of(new double[] {0, 0, 0, Double.POSITIVE_INFINITY, 0, 0}, 1, 1, 6),
                        absorbed.newCache(1))));
        assertEquals("firstPosition (-1) must be non-negative", message(() -> absorbed.newCache(1, -1)));
    }

    @Test
    void aCacheMadeForOtherWidthsIsRejected() {
        MlaShape narrower = new MlaShape(6, 2, 0, 3, 3, 2, 2);
        PrecomputedAbsorbedMla other = new PrecomputedAbsorbedMla(MlaWeights.random(narrower, MlaWeights.Settings.deepSeek(),
                new SeededRandom(2)));
        PrecomputedAbsorbedMla absorbed = new PrecomputedAbsorbedMla(WEIGHTS);
        assertEquals("latent cache holds C = 3, P = 2; PrecomputedAbsorbedMla needs C = 4, P = 2",
                message(() -> absorbed.forward(Tensor.zeros(1, 1, 6), other.newCache(1))));
        NaiveMla naive = new NaiveMla(WEIGHTS);
        NaiveMla otherNaive = new NaiveMla(MlaWeights.random(new MlaShape(6, 3, 0, 4, 3, 2, 2), MlaWeights.Settings.deepSeek(),
                new SeededRandom(3)));
        assertEquals("cache holds G = 3 heads of D = 5, Dv = 2; NaiveMla needs G = 2, D = 5, Dv = 2",
                message(() -> naive.forward(Tensor.zeros(1, 1, 6), otherNaive.newCache(1))));
        Mfa mfa = Mfa.random(new MfaShape(6, 2, 3, 4, false), MFA_SETTINGS, new SeededRandom(4));
        Mfa wider = Mfa.random(new MfaShape(6, 2, 3, 6, false), MFA_SETTINGS, new SeededRandom(5));
        assertEquals("cache holds G = 1 heads of D = 6, Dv = 6; Mfa needs G = 1, D = 4, Dv = 4",
                message(() -> mfa.forward(Tensor.zeros(1, 1, 6), wider.newCache(1))));
    }

    @Test
    void mfaModulesRejectTheOtherVariantsShapeAndBadValueWeights() {
        MfaShape keyReuse = new MfaShape(6, 2, 3, 4, true);
        Mfa mfa = Mfa.random(new MfaShape(6, 2, 3, 4, false), MFA_SETTINGS, new SeededRandom(6));
        assertEquals("Mfa got a key-reuse shape (" + keyReuse + "); expected keyReuse false (MfaKeyReuse is the key-reuse module)",
                message(() -> Mfa.of(keyReuse, MFA_SETTINGS, mfa.sQ(), mfa.qNorm(), mfa.qC(), mfa.sK(), mfa.sV(), mfa.wO())));
        MfaKeyReuse reuse = MfaKeyReuse.random(keyReuse, MFA_SETTINGS, new SeededRandom(7));
        assertEquals("MFA-KR α (alpha) has shape [3]; expected [4]", message(() -> reuse.withAlpha(Tensor.zeros(3))));
        assertEquals("MFA-KR N (n) holds NaN at flat index 0; expected only finite values",
                message(() -> MfaKeyReuse.of(keyReuse, MFA_SETTINGS, reuse.sQ(), reuse.qNorm(), reuse.qC(), reuse.sK(),
                        reuse.alpha(), Tensor.full(Double.NaN, 4, 4), reuse.wO())));
    }

    /** A NaN in the input is refused by every latent module's forward, never turned into NaN output. */
    @Test
    void everyLatentForwardRefusesANonFiniteInput() {
        Tensor x = Tensor.of(new double[] {0, 0, Double.NaN, 0, 0, 0}, 1, 1, 6);
        String expected = "input x holds NaN at flat index 2; expected only finite values";
        Mfa mfa = Mfa.random(new MfaShape(6, 2, 3, 4, false), MFA_SETTINGS, new SeededRandom(8));
        assertEquals(expected, message(() -> mfa.forward(x, mfa.newCache(1))));
        MfaKeyReuse reuse = MfaKeyReuse.random(new MfaShape(6, 2, 3, 4, true), MFA_SETTINGS, new SeededRandom(9));
        assertEquals(expected, message(() -> reuse.forward(x, reuse.newCache(1))));
        SimplifiedMla simplified = SimplifiedMla.random(new SimplifiedMla.Config(6, 2, 3, 2), new SeededRandom(10));
        assertEquals(expected, message(() -> simplified.forwardAbsorbed(x)));
    }

    /** MFA-KR's cache (k̄ only, P = 0) and absorbed MLA's (c_kv and k_R) are refused by the other module. */
    @Test
    void latentCachesOfTheOtherModuleAreRejected() {
        MfaKeyReuse reuse = MfaKeyReuse.random(new MfaShape(6, 2, 3, 4, true), MFA_SETTINGS, new SeededRandom(11));
        AbsorbedMla absorbed = new AbsorbedMla(WEIGHTS);                                 // C = 4, P = 2
        assertEquals("latent cache holds C = 4, P = 2; MfaKeyReuse needs C = 4, P = 0",
                message(() -> reuse.forward(Tensor.zeros(1, 1, 6), absorbed.newCache(1))));
        assertEquals("latent cache holds C = 4, P = 0; AbsorbedMla needs C = 4, P = 2",
                message(() -> absorbed.forward(Tensor.zeros(1, 1, 6), reuse.newCache(1))));
    }
}
