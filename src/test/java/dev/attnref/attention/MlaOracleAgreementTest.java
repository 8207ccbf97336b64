package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.attention.LatentCompare.tensor;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.oracle.OracleMfa;
import dev.attnref.oracle.OracleMla;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tensor modules against the loop-only oracles on random small cases: {@link NaiveMla} and
 * {@link AbsorbedMla} (both realisations) against {@code OracleMla}, {@link Mfa} and
 * {@link MfaKeyReuse} against {@code OracleMfa}. Each try is a prefill from a random start
 * position; outputs, logits, probabilities and what the cache holds are compared within
 * {@link LatentTolerances#SAME_MATH}.
 */
class MlaOracleAgreementTest {

    private static final int TRIES = 40;

    @Test
    void naiveAndAbsorbedMlaMatchTheLoopOracle() {
        Property.of("mlaModulesEqualOracleMla", LatentCases.mlaSizes(Dims.spec().flag("queryCompression"), true)
                .size("B", 1, 2).size("T", 1, 6).size("start", 0, 20))
                .tries(TRIES).check(MlaOracleAgreementTest::mlaMatchesOracle);
    }

    @Test
    void mfaMatchesTheLoopOracle() {
        Property.of("mfaEqualsOracleMfa", mfaSizes()).tries(TRIES).check(MlaOracleAgreementTest::mfaMatchesOracle);
    }

    @Test
    void mfaKeyReuseWithFoldedValuesMatchesTheLoopOracleWithExplicitValues() {
        Property.of("mfaKeyReuseEqualsOracleMfaKeyReuse", mfaSizes()).tries(TRIES)
                .check(MlaOracleAgreementTest::keyReuseMatchesOracle);
    }

    @Test
    void seededWeightsHaveTheOracleLayoutAndDrawOrder() {
        // The oracle's layout read back: head 1's W_UK,1 rows are rows (D_nope + Dv) … (D_nope + Dv) + D_nope − 1
        // of W_UKV, and its W_UV,1 rows the Dv after them.
        MlaShape shape = new MlaShape(5, 2, 3, 4, 2, 2, 3);
        MlaWeights w = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), new SeededRandom(5));
        // W_UKV is [H·(D_nope + Dv), C] = [10, 4]; head 1 starts at row 5.
        assertEquals(w.wUkv().get(5, 3), w.keyUp().get(1, 0, 3));
        assertEquals(w.wUkv().get(6, 2), w.keyUp().get(1, 1, 2));
        assertEquals(w.wUkv().get(7, 0), w.valueUp().get(1, 0, 0));
        assertEquals(w.wUkv().get(9, 1), w.valueUp().get(1, 2, 1));
        // W_UQ is [H·(D_nope + P), C_q] = [8, 3]; head 1 starts at row 4: nope rows 4, 5; rope rows 6, 7.
        assertEquals(w.wUq().get(5, 2), w.queryNopeUp().get(1, 1, 2));
        assertEquals(w.wUq().get(6, 0), w.queryRopeUp().get(1, 0, 0));
    }

    /** An MFA shape, B 1–2, T 1–6, start 0–20. */
    private static Dims.Spec mfaSizes() {
        return LatentCases.mfaSizes(Dims.spec(), "").size("B", 1, 2).size("T", 1, 6).size("start", 0, 20);
    }

    /** Law: every MLA form equals OracleMla on one random case. */
    static void mlaMatchesOracle(Dims d, SeededRandom random) {
        MlaShape shape = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights.Settings settings = LatentCases.mlaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        MlaWeights weights = MlaWeights.random(shape, settings, random);
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        OracleMla.Result oracle = OracleMla.forward(LatentCases.oracleConfig(shape),
                LatentCases.oracleOptions(settings, start), LatentCases.oracleWeights(weights), x.toArray(), batch, seqLen);
        int numHeads = shape.numHeads();
        int c = shape.kvLoraRank();
        int p = shape.qkRopeHeadDim();
        Tensor oracleCache = tensor(oracle.cache(), batch, seqLen, c + p);                  // [B, T, C + P]

        NaiveMla naive = new NaiveMla(weights);
        KvCache naiveCache = naive.newCache(batch, start);
        compare("naive", naive.forward(x, naiveCache), oracle, batch, numHeads, seqLen, shape.modelWidth());
        // The naive cache's keys end in k_R for every head; its values are not in the oracle's cache.
        for (int h = 0; h < numHeads; h++) {
            Tensor headRopeKey = naiveCache.keys().narrow(1, h, 1).squeeze(1).narrow(-1, shape.qkNopeHeadDim(), p);
            assertClose("naive cache k_R of head " + h, headRopeKey, oracleCache.narrow(-1, c, p), SAME_MATH);
        }

        for (SelfAttention<LatentCache> absorbed : List.of(new AbsorbedMla(weights), new PrecomputedAbsorbedMla(weights))) {
            String name = absorbed.getClass().getSimpleName();
            LatentCache cache = absorbed.newCache(batch, start);
            compare(name, absorbed.forward(x, cache), oracle, batch, numHeads, seqLen, shape.modelWidth());
            assertClose(name + " cache [c_kv | k_R]",
                    Tensor.cat(List.of(cache.latent(), cache.ropeKey()), -1), oracleCache, SAME_MATH);
        }
    }

    /** Law: Mfa equals OracleMfa with a separate value. */
    static void mfaMatchesOracle(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, false);
        MfaSettings settings = LatentCases.mfaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Mfa mfa = Mfa.random(shape, settings, random);
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        OracleMfa.Result oracle = OracleMfa.forward(LatentCases.oracleConfig(shape), LatentCases.oracleOptions(settings, start),
                LatentCases.oracleWeights(mfa), x.toArray(), batch, seqLen);
        KvCache cache = mfa.newCache(batch, start);
        compare("mfa", mfa.forward(x, cache), oracle.output(), oracle.logits(), oracle.probabilities(), batch,
                shape.numHeads(), seqLen, shape.modelWidth());
        assertClose("mfa cache [k | v]", Tensor.cat(List.of(cache.keys(), cache.values()), -1).squeeze(1),
                tensor(oracle.cache(), batch, seqLen, 2 * shape.headDim()), SAME_MATH);
    }

    /** Law: MfaKeyReuse (values folded into W_O) equals OracleMfa (values formed), with α ≠ 0. */
    static void keyReuseMatchesOracle(Dims d, SeededRandom random) {
        MfaShape shape = LatentCases.mfaShape(d, true);
        MfaSettings settings = LatentCases.mfaSettings(d);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        MfaKeyReuse mfa = LatentCases.trainedKeyReuse(shape, settings, random);
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        OracleMfa.Result oracle = OracleMfa.forward(LatentCases.oracleConfig(shape), LatentCases.oracleOptions(settings, start),
                LatentCases.oracleWeights(mfa), x.toArray(), batch, seqLen);
        LatentCache cache = mfa.newCache(batch, start);
        compare("mfa-kr", mfa.forward(x, cache), oracle.output(), oracle.logits(), oracle.probabilities(), batch,
                shape.numHeads(), seqLen, shape.modelWidth());
        assertClose("mfa-kr cache k̄", cache.latent(), tensor(oracle.cache(), batch, seqLen, shape.headDim()),
                SAME_MATH);
    }

    private static void compare(String form, ForwardResult module, OracleMla.Result oracle, int batch, int numHeads,
            int seqLen, int modelWidth) {
        compare(form, module, oracle.output(), oracle.logits(), oracle.probabilities(), batch, numHeads, seqLen, modelWidth);
    }

    private static void compare(String form, ForwardResult module, double[] output, double[] logits,
            double[] probabilities, int batch, int numHeads, int seqLen, int modelWidth) {
        assertClose(form + " output", module.output(), tensor(output, batch, seqLen, modelWidth), SAME_MATH);
        assertClose(form + " logits", module.logits(), tensor(logits, batch, numHeads, seqLen, seqLen), SAME_MATH);
        assertClose(form + " probabilities", module.probabilities(), tensor(probabilities, batch, numHeads, seqLen, seqLen),
                SAME_MATH);
    }
}
