package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.AttentionShapes;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Property;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Laws 3, 4, 5, 7 and 8 of the foundation for MHA, MQA and GQA (each shape picks the module its G
 * calls for): causality, cache equivalence, RoPE's relative-position property at module level,
 * permutation invariance without a causal mask, batch independence, and determinism.
 */
class AttentionLawsTest {

    /** Law 3: changing tokens after t leaves outputs at ≤ t bitwise unchanged; hidden p = 0; rows sum to 1. */
    static void futureTokensDoNotChangePastOutputs(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, true, r.nextInt(2) == 0);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        Tensor x = GqaLawSupport.input(s, r);                                                     // [B, T, M]
        int cut = r.nextInt(s.qLen());
        Tensor changed = Tensor.cat(List.of(x.narrow(1, 0, cut + 1),
                Tensor.randn(r, 1.0, s.batch(), s.qLen() - cut - 1, s.modelWidth())), 1);        // same up to t = cut
        ForwardResult a = module.forward(x, null, AttentionOptions.none());
        ForwardResult b = module.forward(changed, null, AttentionOptions.none());
        assertTrue(a.output().narrow(1, 0, cut + 1).bitwiseEquals(b.output().narrow(1, 0, cut + 1)),
                "outputs at positions ≤ " + cut + " changed when later tokens changed");
        double[] p = a.probabilities().toArray();                                                  // [B, H, T, S]
        int t = s.qLen();
        for (int row = 0; row < p.length / t; row++) {
            int query = row % t;
            double sum = 0;
            for (int key = 0; key < t; key++) {
                double value = p[row * t + key];
                if (key > query) {
                    assertEquals(0.0, value, "p on hidden key " + key + " of query " + query);
                }
                sum += value;
            }
            assertEquals(1.0, sum, Tolerances.PROBABILITY_ROW_SUM, "row " + row + " sums to");
        }
    }

    /** Law 4: one prefill = prefill then token-by-token decode = a random chunking, outputs and cache. */
    static void cachedDecodingEqualsOnePrefill(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, true, r.nextInt(2) == 0);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        Tensor x = GqaLawSupport.input(s, r);
        KvCache whole = KvCache.forConfig(c, s.batch());
        Tensor full = module.forward(x, whole, AttentionOptions.none()).output();               // [B, T, M]
        List<int[]> plans = List.of(chunks(s.qLen(), r, true), chunks(s.qLen(), r, false));
        for (int[] plan : plans) {
            KvCache cache = KvCache.forConfig(c, s.batch());
            List<Tensor> pieces = new ArrayList<>();
            int at = 0;
            for (int length : plan) {
                pieces.add(module.forward(x.narrow(1, at, length), cache, AttentionOptions.none()).output());
                at += length;
            }
            Close.assertClose("chunks " + java.util.Arrays.toString(plan), full, Tensor.cat(pieces, 1),
                    Tolerances.CACHE_EQUIVALENCE);
            Close.assertClose("cached keys", whole.keys(), cache.keys(), Tolerances.CACHE_EQUIVALENCE);
            Close.assertClose("cached values", whole.values(), cache.values(), Tolerances.CACHE_EQUIVALENCE);
        }
    }

    /** A prefill of k tokens then single steps (decode = true), or a random chunking. */
    private static int[] chunks(int n, SeededRandom r, boolean decode) {
        List<Integer> lengths = new ArrayList<>();
        if (decode) {
            int prefill = r.intBetween(1, n);
            lengths.add(prefill);
            for (int i = prefill; i < n; i++) {
                lengths.add(1);
            }
        } else {
            for (int left = n; left > 0; ) {
                int length = r.intBetween(1, left);
                lengths.add(length);
                left -= length;
            }
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Law 5 at module level: with RoPE, shifting every position by Δ leaves the outputs unchanged. */
    static void ropeOutputsDependOnlyOnRelativePositions(AttnShape s, SeededRandom r) {
        AttnShape wide = s.headDim() >= 2 ? s : new AttnShape(s.batch(), s.numHeads(), s.numKvHeads(), s.qLen(),
                s.kvLen(), 2, s.valueDim(), s.modelWidth(), s.kind());
        AttentionConfig c = GqaLawSupport.config(wide, r, r.nextInt(2) == 0, true);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        Tensor x = GqaLawSupport.input(wide, r);
        int shift = r.intBetween(1, 1000);
        ForwardResult at0 = module.forward(x, null, AttentionOptions.none());
        ForwardResult shifted = module.forward(x, null, AttentionOptions.builder().startPosition(shift).build());
        Close.assertClose("output shifted by " + shift, at0.output(), shifted.output(), Tolerances.REORDERED_SUMS);
    }

    /** Law 7a: without a causal mask or RoPE, permuting positions permutes the outputs the same way. */
    static void permutingPositionsPermutesOutputs(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, false, false);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        Tensor x = GqaLawSupport.input(s, r);
        int[] perm = GqaLawSupport.permutation(s.qLen(), r);
        Tensor out = module.forward(x, null, AttentionOptions.none()).output();
        Tensor outOfPermuted = module.forward(permute(x, perm), null, AttentionOptions.none()).output();
        Close.assertClose("output of permuted input", permute(out, perm), outOfPermuted, Tolerances.REORDERED_SUMS);
    }

    /** Law 7a', key side only: permuting the cached keys and values together leaves the outputs unchanged. */
    static void permutingCachedKeysAndValuesTogetherChangesNothing(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, false, false);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        int past = s.pastLen() + 1;
        Tensor keys = Tensor.randn(r, 1.0, s.batch(), s.numKvHeads(), past, s.headDim());       // [B, G, P, D]
        Tensor values = Tensor.randn(r, 1.0, s.batch(), s.numKvHeads(), past, s.valueDim());    // [B, G, P, Dv]
        int[] perm = GqaLawSupport.permutation(past, r);
        KvCache plain = KvCache.forConfig(c, s.batch());
        plain.append(keys, values);
        KvCache permuted = KvCache.forConfig(c, s.batch());
        permuted.append(permuteAxis(keys, 2, perm), permuteAxis(values, 2, perm));
        Tensor x = GqaLawSupport.input(s, r);
        Close.assertClose("output over permuted keys", module.forward(x, plain, AttentionOptions.none()).output(),
                module.forward(x, permuted, AttentionOptions.none()).output(), Tolerances.REORDERED_SUMS);
    }

    /** Law 7b: batch rows are independent: changing row b' leaves every other row bitwise unchanged. */
    static void batchRowsAreIndependent(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, r.nextInt(2) == 0, r.nextInt(2) == 0);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        Tensor x = GqaLawSupport.input(s, r);
        int row = r.nextInt(s.batch());
        List<Tensor> rows = new ArrayList<>();
        for (int b = 0; b < s.batch(); b++) {
            rows.add(b == row ? Tensor.randn(r, 1.0, 1, s.qLen(), s.modelWidth()) : x.narrow(0, b, 1));
        }
        Tensor a = module.forward(x, null, AttentionOptions.none()).output();
        Tensor b = module.forward(Tensor.cat(rows, 0), null, AttentionOptions.none()).output();
        for (int i = 0; i < s.batch(); i++) {
            if (i != row) {
                assertTrue(a.narrow(0, i, 1).bitwiseEquals(b.narrow(0, i, 1)), "batch row " + i + " changed with row " + row);
            }
        }
        // And each row alone gives the same result as inside the batch.
        Tensor alone = module.forward(x.narrow(0, row, 1), null, AttentionOptions.none()).output();
        assertTrue(alone.bitwiseEquals(a.narrow(0, row, 1)), "row " + row + " alone differs from inside the batch");
    }

    /** Law 8: the same seed gives bitwise the same weights, inputs and outputs. */
    static void sameSeedSameBits(AttnShape s, SeededRandom r) {
        long seed = r.nextLong();
        Tensor first = runFromSeed(s, seed);
        Tensor second = runFromSeed(s, seed);
        assertTrue(first.bitwiseEquals(second), "two runs from seed " + seed + " differ");
    }

    private static Tensor runFromSeed(AttnShape s, long seed) {
        SeededRandom r = new SeededRandom(seed);
        AttentionConfig c = GqaLawSupport.config(s, r, true, true);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        return module.forward(GqaLawSupport.input(s, r), null, AttentionOptions.none()).output();
    }

    /** Law 8 (MLA/MFA issue), GQA family: a cache holds exactly the catalogue's KV values per token per layer. */
    static void cacheHoldsTheCatalogueValuesPerToken(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, true, r.nextInt(2) == 0);
        SelfAttention<KvCache> module = GqaLawSupport.natural(c, AttentionWeights.init(c, r));
        KvCache cache = KvCache.forConfig(c, s.batch());
        module.forward(GqaLawSupport.input(s, r), cache, AttentionOptions.none());
        module.forward(Tensor.randn(r, 1.0, s.batch(), 1, s.modelWidth()), cache, AttentionOptions.none());
        long stored = cache.keys().numel() + cache.values().numel();
        long tokens = (long) s.batch() * (s.qLen() + 1);
        // G·D keys + G·Dv values per token: 2·H·D for MHA, 2·G·D for GQA, 2·D for MQA when Dv = D.
        long expected = new GqaShape(s.modelWidth(), s.numHeads(), s.numKvHeads(), s.headDim(), s.valueDim())
                .kvValuesPerTokenPerLayer();
        assertEquals(expected * tokens, stored, "values cached for " + tokens + " tokens");
        assertEquals((long) s.numKvHeads() * (s.headDim() + s.valueDim()) * tokens, stored, "G·(D + Dv) per token");
    }

    private static Tensor permute(Tensor x, int[] perm) {
        return permuteAxis(x, 1, perm);
    }

    private static Tensor permuteAxis(Tensor x, int axis, int[] perm) {
        List<Tensor> slices = new ArrayList<>();
        for (int i : perm) {
            slices.add(x.narrow(axis, i, 1));
        }
        return Tensor.cat(slices, axis);
    }

    @Test
    void futureTokensDoNotChangePastOutputs() {
        Property.of("futureTokensDoNotChangePastOutputs", AttentionShapes.selfAttention()).tries(80)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::futureTokensDoNotChangePastOutputs);
    }

    @Test
    void cachedDecodingEqualsOnePrefill() {
        Property.of("cachedDecodingEqualsOnePrefill", AttentionShapes.selfAttention()).tries(80)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::cachedDecodingEqualsOnePrefill);
    }

    @Test
    void ropeOutputsDependOnlyOnRelativePositions() {
        Property.of("ropeOutputsDependOnlyOnRelativePositions", AttentionShapes.selfAttention()).tries(60)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::ropeOutputsDependOnlyOnRelativePositions);
    }

    @Test
    void permutingPositionsPermutesOutputs() {
        Property.of("permutingPositionsPermutesOutputs", AttentionShapes.selfAttention()).tries(60)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::permutingPositionsPermutesOutputs);
    }

    @Test
    void permutingCachedKeysAndValuesTogetherChangesNothing() {
        Property.of("permutingCachedKeysAndValuesTogetherChangesNothing", AttentionShapes.withPast()).tries(60)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::permutingCachedKeysAndValuesTogetherChangesNothing);
    }

    @Test
    void batchRowsAreIndependent() {
        Property.of("batchRowsAreIndependent", AttentionShapes.selfAttention()).tries(60)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::batchRowsAreIndependent);
    }

    @Test
    void cacheHoldsTheCatalogueValuesPerToken() {
        Property.of("cacheHoldsTheCatalogueValuesPerToken", AttentionShapes.selfAttention()).tries(40)
                .coverage(AttentionShapes.regimes()).check(AttentionLawsTest::cacheHoldsTheCatalogueValuesPerToken);
    }

    @Test
    void sameSeedSameBits() {
        Property.of("sameSeedSameBits", AttentionShapes.selfAttention()).tries(30)
                .check(AttentionLawsTest::sameSeedSameBits);
    }
}
