package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Law 8: what each cache actually holds per token per layer, measured from the cache object after
 * a prefill and after a decode step ({@code Σ numel of its stored tensors / (B·S)}), equals the
 * catalogue's formula for the variant: MLA absorbed {@code C + P} ({@link MlaShape}), naive MLA
 * {@code H·(D_nope + P) + H·Dv}, MFA {@code 2·C} (and, MFA being MQA of head width C, the MQA
 * formula {@code 2·D} of {@link GqaShape} with D = C and G = 1), MFA-KR {@code C} ({@link MfaShape}).
 * Checked on random small shapes and at the per-head widths of DeepSeek-V3 and Step-3 (with few
 * heads and a narrow model, so the weights stay small).
 */
class CacheSizeLawTest {

    private static final int TRIES = 25;

    @Test
    void everyLatentCacheHoldsWhatTheCatalogueFormulaSays() {
        Property.of("cacheSizeEqualsFormula", sizes()).tries(TRIES).check(CacheSizeLawTest::measuredEqualsFormula);
    }

    @Test
    void deepSeekV3LatentWidthsCache576ValuesPerTokenAbsorbedAndPerHeadKeysAndValuesNaive() {
        // DeepSeek-V3: C 512, P 64, D_nope 128, Dv 128, C_q 1536 (catalogue); M 16 and H 2 here.
        MlaShape v3 = (MlaShape) ModelCatalogue.DEEPSEEK_V3.attention();
        MlaShape small = new MlaShape(16, 2, v3.qLoraRank(), v3.kvLoraRank(), v3.qkNopeHeadDim(), v3.qkRopeHeadDim(),
                v3.vHeadDim());
        MlaWeights weights = MlaWeights.random(small, MlaWeights.Settings.deepSeek(), new SeededRandom(8100));
        Tensor x = LatentCases.input(new SeededRandom(8101), 1, 2, small.modelWidth());
        // Absorbed: 512 + 64 = 576, as the catalogue's 35,136 / 61 layers.
        assertEquals(576L, measure(new PrecomputedAbsorbedMla(weights), x));
        assertEquals(ModelCatalogue.DEEPSEEK_V3.kvValuesPerToken() / ModelCatalogue.DEEPSEEK_V3.numLayers(), 576L);
        // Naive, 2 heads: 2·(128 + 64) + 2·128 = 384 + 256 = 640 (V3's 128 heads give 40,960).
        assertEquals(640L, measure(new NaiveMla(weights), x));
        assertEquals(640L, small.naiveKvValuesPerTokenPerLayer());
    }

    @Test
    void stepThreeHeadWidthCaches512ValuesPerTokenAndKeyReuse256() {
        // Step-3: C 256, C_q 2048 (catalogue); M 16 and H 2 here. MFA 2·256 = 512; MFA-KR 256.
        MfaShape step3 = (MfaShape) ModelCatalogue.STEP_3.attention();
        MfaShape small = new MfaShape(16, 2, step3.queryRank(), step3.headDim(), false);
        MfaSettings settings = new MfaSettings(500000.0, RopePairing.SPLIT_HALVES, 1e-5);
        Tensor x = LatentCases.input(new SeededRandom(8201), 1, 2, small.modelWidth());
        assertEquals(512L, measure(Mfa.random(small, settings, new SeededRandom(8200)), x));
        assertEquals(ModelCatalogue.STEP_3.kvValuesPerToken() / ModelCatalogue.STEP_3.numLayers(), 512L);
        MfaShape keyReuse = new MfaShape(16, 2, step3.queryRank(), step3.headDim(), true);
        assertEquals(256L, measure(MfaKeyReuse.random(keyReuse, settings, new SeededRandom(8202)), x));
    }

    /** An MLA (query compression or not) and an MFA shape, with B 1–3 and T 1–5. */
    static Dims.Spec sizes() {
        Dims.Spec spec = LatentCases.mlaSizes(Dims.spec().flag("queryCompression"), true);
        return LatentCases.mfaSizes(spec, "MFA_").size("B", 1, 3).size("T", 1, 5);
    }

    /** Law 8 on one random case: every latent variant, after a prefill and after one decode step. */
    static void measuredEqualsFormula(Dims d, SeededRandom random) {
        MlaShape mla = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights weights = MlaWeights.random(mla, LatentCases.mlaSettings(d), random);
        MfaShape mfa = LatentCases.mfaShape(d, false, "MFA_");
        MfaShape keyReuse = new MfaShape(mfa.modelWidth(), mfa.numHeads(), mfa.queryRank(), mfa.headDim(), true);
        MfaSettings settings = LatentCases.mfaSettings(d, "MFA_");
        int batch = d.get("B");
        int seqLen = d.get("T");

        long absorbedFormula = mla.kvValuesPerTokenPerLayer();
        assertEquals((long) mla.kvLoraRank() + mla.qkRopeHeadDim(), absorbedFormula, "MLA formula C + P");
        for (SelfAttention<LatentCache> absorbed : List.of(new AbsorbedMla(weights), new PrecomputedAbsorbedMla(weights))) {
            assertMeasured(absorbed.getClass().getSimpleName(), absorbed, batch, seqLen, random,
                    absorbedFormula);
        }
        assertMeasured("NaiveMla", new NaiveMla(weights), batch, seqLen, random, mla.naiveKvValuesPerTokenPerLayer());

        assertEquals(2L * mfa.headDim(), mfa.kvValuesPerTokenPerLayer(), "MFA formula 2C");
        assertEquals(GqaShape.of(mfa.modelWidth(), mfa.numHeads(), 1, mfa.headDim()).kvValuesPerTokenPerLayer(),
                mfa.kvValuesPerTokenPerLayer(), "MFA = MQA of head width C");
        assertMeasured("Mfa", Mfa.random(mfa, settings, random), batch, seqLen, random, mfa.kvValuesPerTokenPerLayer());
        assertEquals((long) keyReuse.headDim(), keyReuse.kvValuesPerTokenPerLayer(), "MFA-KR formula C");
        assertMeasured("MfaKeyReuse", LatentCases.trainedKeyReuse(keyReuse, settings, random), batch, seqLen, random,
                keyReuse.kvValuesPerTokenPerLayer());
    }

    private static <C> void assertMeasured(String name, SelfAttention<C> module, int batch, int seqLen,
            SeededRandom random, long formula) {
        C cache = module.newCache(batch, random.intBetween(0, 10));
        module.forward(LatentCases.input(random, batch, seqLen, module.modelWidth()), cache);
        assertEquals(formula, countPerToken(cache), name + " after a prefill of " + seqLen);
        module.forward(LatentCases.input(random, batch, 1, module.modelWidth()), cache);
        assertEquals(formula, countPerToken(cache), name + " after a decode step");
        long declared = cache instanceof KvCache kv ? kv.valuesPerToken() : ((LatentCache) cache).valuesPerToken();
        assertEquals(formula, declared, name + ": the cache's own valuesPerToken()");
    }

    private static <C> long measure(SelfAttention<C> module, Tensor x) {
        C cache = module.newCache(x.size(0));
        module.forward(x, cache);
        return countPerToken(cache);
    }

    /** Σ numel of the stored tensors / (B·S), counted here from the tensors themselves. */
    private static long countPerToken(Object cache) {
        long total = 0;
        List<Tensor> tensors = LatentCases.stored(cache);
        for (Tensor stored : tensors) {
            total += stored.numel();
        }
        long tokens = (long) tensors.get(0).size(0) * LatentCases.cachedLength(cache);
        assertEquals(0L, total % tokens, "cache holds " + total + " values for " + tokens + " tokens");
        return total / tokens;
    }
}
