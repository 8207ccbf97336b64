package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Law 3 for every cached module ({@link NaiveMla}, {@link AbsorbedMla} in both realisations,
 * {@link Mfa}, {@link MfaKeyReuse}):
 * <ul>
 *   <li>decode with a cache = full prefill = any chunking: one call over T tokens equals a prefill
 *       of k tokens followed by T − k single-token decode steps, and equals a random split into
 *       chunks, position for position (outputs, logits, probabilities, and the cache left
 *       behind), within {@link LatentTolerances#SAME_MATH}; the cache starts at a random absolute
 *       position, so chunks start at any offset;</li>
 *   <li>causality: changing the tokens from position k on leaves every output, logit and
 *       probability of the positions before k, and their cache entries, bitwise unchanged.</li>
 * </ul>
 */
class CachedAttentionLawTest {

    private static final int TRIES = 25;

    @Test
    void decodeAndAnyChunkingEqualOneFullPrefillForEveryVariant() {
        Property.of("decodeEqualsPrefillEqualsAnyChunking", variantSizes().size("prefill", 1, 6)
                .where(d -> d.get("prefill") <= d.get("T") - 1)).tries(TRIES).check(CachedAttentionLawTest::chunkingLaw);
    }

    @Test
    void futureTokensLeavePastOutputsBitwiseUnchangedForEveryVariant() {
        Property.of("causality", variantSizes().size("changedFrom", 1, 6)
                .where(d -> d.get("changedFrom") <= d.get("T") - 1)).tries(TRIES).check(CachedAttentionLawTest::causalityLaw);
    }

    /** The sizes of {@link #everyVariant} with B 1–2, T 2–7 and a start position 0–30. */
    static Dims.Spec variantSizes() {
        Dims.Spec spec = LatentCases.mlaSizes(Dims.spec().flag("queryCompression"), true);
        return LatentCases.mfaSizes(spec, "MFA_").size("B", 1, 2).size("T", 2, 7).size("start", 0, 30);
    }

    /** One module of each kind, with random shapes and weights. */
    static List<SelfAttention<?>> everyVariant(Dims d, SeededRandom random) {
        MlaShape mla = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights weights = MlaWeights.random(mla, LatentCases.mlaSettings(d), random);
        MfaShape mfa = LatentCases.mfaShape(d, false, "MFA_");
        MfaShape keyReuse = new MfaShape(mfa.modelWidth(), mfa.numHeads(), mfa.queryRank(), mfa.headDim(), true);
        MfaSettings mfaSettings = LatentCases.mfaSettings(d, "MFA_");
        return List.of(new NaiveMla(weights),
                new AbsorbedMla(weights),
                new PrecomputedAbsorbedMla(weights),
                Mfa.random(mfa, mfaSettings, random),
                LatentCases.trainedKeyReuse(keyReuse, mfaSettings, random));
    }

    /** Law 3a on one random case. */
    static void chunkingLaw(Dims d, SeededRandom random) {
        List<SelfAttention<?>> modules = everyVariant(d, random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        int prefill = d.get("prefill");
        int[] randomChunks = randomChunks(random, seqLen);
        int[] decodeChunks = new int[seqLen - prefill + 1];
        Arrays.fill(decodeChunks, 1);
        decodeChunks[0] = prefill;
        for (SelfAttention<?> module : modules) {
            Tensor x = LatentCases.input(random, batch, seqLen, module.modelWidth());
            chunkingMatchesFullPrefill(module, x, start, decodeChunks);
            chunkingMatchesFullPrefill(module, x, start, randomChunks);
        }
    }

    private static int[] randomChunks(SeededRandom random, int seqLen) {
        List<Integer> sizes = new ArrayList<>();
        int left = seqLen;
        while (left > 0) {
            int size = random.intBetween(1, left);
            sizes.add(size);
            left -= size;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static <C> void chunkingMatchesFullPrefill(SelfAttention<C> module, Tensor x, int start,
            int[] chunks) {
        String name = module.getClass().getSimpleName() + " chunks " + Arrays.toString(chunks);
        int batch = x.size(0);
        C fullCache = module.newCache(batch, start);
        ForwardResult full = module.forward(x, fullCache);
        C chunkedCache = module.newCache(batch, start);
        int position = 0;
        for (int chunk : chunks) {
            ForwardResult part = module.forward(x.narrow(1, position, chunk), chunkedCache);
            int seen = position + chunk;
            assertEquals(seen, LatentCases.cachedLength(chunkedCache), name + ": cache length after a chunk");
            assertClose(name + " output at " + position, part.output(), full.output().narrow(1, position, chunk), SAME_MATH);
            assertClose(name + " logits at " + position, part.logits(),
                    full.logits().narrow(2, position, chunk).narrow(3, 0, seen), SAME_MATH);
            assertClose(name + " probabilities at " + position, part.probabilities(),
                    full.probabilities().narrow(2, position, chunk).narrow(3, 0, seen), SAME_MATH);
            position = seen;
        }
        List<Tensor> fullStored = LatentCases.stored(fullCache);
        List<Tensor> chunkedStored = LatentCases.stored(chunkedCache);
        for (int i = 0; i < fullStored.size(); i++) {
            assertClose(name + " cached tensor " + i, chunkedStored.get(i), fullStored.get(i), SAME_MATH);
        }
    }

    /** Law 3b on one random case. */
    static void causalityLaw(Dims d, SeededRandom random) {
        List<SelfAttention<?>> modules = everyVariant(d, random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        int changedFrom = d.get("changedFrom");
        for (SelfAttention<?> module : modules) {
            Tensor x = LatentCases.input(random, batch, seqLen, module.modelWidth());
            Tensor future = LatentCases.input(random, batch, seqLen - changedFrom, module.modelWidth());
            Tensor changed = Tensor.cat(List.of(x.narrow(1, 0, changedFrom), future), 1);   // [B, T, M]
            pastIsBitwiseUnchanged(module, x, changed, start, changedFrom);
        }
    }

    private static <C> void pastIsBitwiseUnchanged(SelfAttention<C> module, Tensor x, Tensor changed,
            int start, int changedFrom) {
        String name = module.getClass().getSimpleName();
        C cache = module.newCache(x.size(0), start);
        C changedCache = module.newCache(x.size(0), start);
        ForwardResult original = module.forward(x, cache);
        ForwardResult other = module.forward(changed, changedCache);
        assertTrue(original.output().narrow(1, changedFrom, 1).maxAbsDiff(other.output().narrow(1, changedFrom, 1)) > 0,
                name + ": the changed token must change its own output (else the check below proves nothing)");
        assertTrue(original.output().narrow(1, 0, changedFrom).bitwiseEquals(other.output().narrow(1, 0, changedFrom)),
                name + ": outputs before the change moved");
        assertTrue(original.logits().narrow(2, 0, changedFrom).bitwiseEquals(other.logits().narrow(2, 0, changedFrom)),
                name + ": logits before the change moved");
        assertTrue(original.probabilities().narrow(2, 0, changedFrom)
                .bitwiseEquals(other.probabilities().narrow(2, 0, changedFrom)), name + ": probabilities before the change moved");
        for (int i = 0; i < LatentCases.stored(cache).size(); i++) {
            Tensor before = LatentCases.stored(cache).get(i);
            Tensor after = LatentCases.stored(changedCache).get(i);
            int positionAxis = before.dim() - 2;   // [B, S, ·] or [B, H, S, ·]
            assertTrue(before.narrow(positionAxis, 0, changedFrom).bitwiseEquals(after.narrow(positionAxis, 0, changedFrom)),
                    name + ": cached tensor " + i + " before the change moved");
        }
    }
}
