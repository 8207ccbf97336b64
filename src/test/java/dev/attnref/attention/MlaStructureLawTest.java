package dev.attnref.attention;

import static dev.attnref.attention.LatentCompare.assertClose;
import static dev.attnref.Tolerances.MUTANT_VISIBLE;
import static dev.attnref.Tolerances.RANK_THRESHOLD;
import static dev.attnref.Tolerances.SAME_MATH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Laws 4 and 5: how MLA's parts are wired.
 * <ul>
 *   <li>4a: k_R is one key for all heads: the naive cache holds the same k_R in every head's key
 *       (bitwise), the latent cache stores it once ({@code [B, S, P]}, no head axis), and it is
 *       {@code RoPE(W_KR x)}.</li>
 *   <li>4b: the latent RMSNorm never touches k_R: other kv-norm weights leave it bitwise unchanged,
 *       and doubling W_KR doubles it exactly (a norm would cancel the factor).</li>
 *   <li>4c: with the rotary parts zeroed (W_QR and W_KR rows set to 0), the latent path carries
 *       no position: shifting every position leaves outputs, logits and probabilities bitwise
 *       unchanged, and one token repeated at every position gets the same logit from every key.</li>
 *   <li>5: each head's no-RoPE bilinear form {@code W_UQ,iᵀ W_UK,i} has numerical rank
 *       D_nope ≤ min(Q_in, C) (Gram–Schmidt, threshold {@link LatentTolerances#RANK_THRESHOLD}),
 *       while a free matrix of the same shape, as seed 000's W_qk, has rank min(Q_in, C).</li>
 * </ul>
 */
class MlaStructureLawTest {

    private static final int TRIES = 25;

    @Test
    void ropeKeyIsOneKeySharedByAllHeadsAndStoredOnce() {
        Property.of("ropeKeySharedAndStoredOnce", mlaSizes(1))
                .tries(TRIES).check(MlaStructureLawTest::ropeKeySharedAndStoredOnce);
    }

    @Test
    void latentNormNeverTouchesTheRopeKey() {
        Property.of("latentNormLeavesRopeKeyAlone", mlaSizes(1))
                .tries(TRIES).check(MlaStructureLawTest::latentNormLeavesRopeKey);
    }

    @Test
    void withRotaryPartsZeroedTheLatentPathCarriesNoPosition() {
        Property.of("latentPathIsPositionFree", mlaSizes(2).size("shift", 1, 50)).tries(TRIES)
                .check(MlaStructureLawTest::latentPathIsPositionFree);
    }

    @Test
    void eachHeadsNoRopeBilinearFormHasRankAtMostNopeHeadDim() {
        Property.of("bilinearFormRankAtMostNopeDim", Dims.spec().size("D_nope", 1, 4).flag("queryCompression")
                .size("M−D_nope", 1, 4)
                .size("C_q−D_nope", 1, 3).size("C−D_nope", 1, 3).size("H", 1, 3).size("Dv", 1, 3)).tries(TRIES)
                .check(MlaStructureLawTest::bilinearFormRankIsNopeDim);
    }

    /** An MLA shape (query compression or not), B 1–2, T {@code minSeqLen}–6, start 0–20. */
    private static Dims.Spec mlaSizes(int minSeqLen) {
        return LatentCases.mlaSizes(Dims.spec().flag("queryCompression"), true).size("B", 1, 2).size("T", minSeqLen, 6)
                .size("start", 0, 20);
    }

    /** Law 4a on one random case. */
    static void ropeKeySharedAndStoredOnce(Dims d, SeededRandom random) {
        MlaShape shape = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights weights = MlaWeights.random(shape, LatentCases.mlaSettings(d), random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        int p = shape.qkRopeHeadDim();

        NaiveMla naive = new NaiveMla(weights);
        KvCache naiveCache = naive.newCache(batch, start);
        naive.forward(x, naiveCache);
        AbsorbedMla absorbed = new AbsorbedMla(weights);
        LatentCache latentCache = absorbed.newCache(batch, start);
        absorbed.forward(x, latentCache);

        // Stored once: [B, S, P], no head axis.
        assertArrayEquals(new int[] {batch, seqLen, p}, latentCache.ropeKey().shape());
        // Every head's key ends in that same k_R, bit for bit.
        for (int h = 0; h < shape.numHeads(); h++) {
            Tensor headRopeKey = naiveCache.keys().narrow(1, h, 1).squeeze(1).narrow(-1, shape.qkNopeHeadDim(), p);
            assertTrue(headRopeKey.bitwiseEquals(latentCache.ropeKey()), "head " + h + "'s k_R differs from the shared one");
        }
        // k_R = RoPE(W_KR x), W_KR the last P rows of W_DKV, computed here without the module.
        Tensor ropeRows = weights.wDkv().narrow(0, shape.kvLoraRank(), p);                        // [P, M]
        Rope rope = new Rope(p, weights.settings().ropeTheta(), weights.settings().pairing());
        assertClose("k_R = RoPE(W_KR x)", latentCache.ropeKey(), rope.apply(x.matmul(ropeRows.transpose(0, 1)), start),
                SAME_MATH);
    }

    /** Law 4b on one random case. */
    static void latentNormLeavesRopeKey(Dims d, SeededRandom random) {
        MlaShape shape = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights weights = MlaWeights.random(shape, LatentCases.mlaSettings(d), random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        int c = shape.kvLoraRank();
        int p = shape.qkRopeHeadDim();
        LatentCache base = prefill(weights, x, start);

        // Other kv-norm weights: c_kv changes, k_R does not (bitwise).
        MlaWeights otherNorm = replace(weights, weights.wDkv(), Tensor.uniform(random, 2.0, 3.0, c));
        LatentCache renormed = prefill(otherNorm, x, start);
        assertTrue(renormed.ropeKey().bitwiseEquals(base.ropeKey()), "changing the kv norm weight moved k_R");
        assertTrue(renormed.latent().maxAbsDiff(base.latent()) > MUTANT_VISIBLE, "changing the kv norm weight must move c_kv");

        // W_KR doubled: k_R doubles exactly (2 is a power of two, so every product and sum doubles without rounding).
        Tensor doubledRopeRows = Tensor.cat(List.of(weights.wDkv().narrow(0, 0, c), weights.wDkv().narrow(0, c, p).mul(2.0)), 0);
        LatentCache doubled = prefill(replace(weights, doubledRopeRows, weights.kvNorm()), x, start);
        assertTrue(doubled.ropeKey().bitwiseEquals(base.ropeKey().mul(2.0)), "k_R must scale with W_KR: no norm acts on it");
        assertTrue(doubled.latent().bitwiseEquals(base.latent()), "W_KR must not reach c_kv");
    }

    /** Law 4c on one random case. */
    static void latentPathIsPositionFree(Dims d, SeededRandom random) {
        MlaShape shape = LatentCases.mlaShape(d, d.flag("queryCompression"));
        MlaWeights weights = MlaWeights.random(shape, LatentCases.mlaSettings(d), random);
        int batch = d.get("B");
        int seqLen = d.get("T");
        int start = d.get("start");
        int shift = d.get("shift");
        MlaWeights latentOnly = zeroRotaryParts(weights);
        Tensor x = LatentCases.input(random, batch, seqLen, shape.modelWidth());
        Tensor repeated = LatentCases.input(random, batch, 1, shape.modelWidth()).expand(batch, seqLen, shape.modelWidth());

        for (SelfAttention<?> module : List.of(new NaiveMla(latentOnly),
                new AbsorbedMla(latentOnly),
                new PrecomputedAbsorbedMla(latentOnly))) {
            String name = module.getClass().getSimpleName();
            ForwardResult here = prefill(module, x, start);
            ForwardResult shifted = prefill(module, x, start + shift);
            assertTrue(here.output().bitwiseEquals(shifted.output()), name + ": output moved with the positions");
            assertTrue(here.logits().bitwiseEquals(shifted.logits()), name + ": logits moved with the positions");
            assertTrue(here.probabilities().bitwiseEquals(shifted.probabilities()), name + ": probabilities moved");
            for (double[] row : distinctVisibleLogits(prefill(module, repeated, start).logits())) {
                assertEquals(1, row.length, name + ": one token at every position must get one logit per query, got "
                        + Arrays.toString(row));
            }
        }
        // The same check sees positions when the rotary parts are live (so it can fail).
        ForwardResult live = prefill(new NaiveMla(weights), repeated, start);
        double spread = 0.0;
        for (double[] row : visibleLogitRows(live.logits())) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : row) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            spread = Math.max(spread, hi - lo);
        }
        assertTrue(spread > MUTANT_VISIBLE, "with live rotary parts a repeated token's logits must depend on position");
    }

    /** Law 5 on one random case, with and without query compression. */
    static void bilinearFormRankIsNopeDim(Dims d, SeededRandom random) {
        int nopeDim = d.get("D_nope");
        boolean queryCompression = d.flag("queryCompression");
        int modelWidth = nopeDim + d.get("M−D_nope");
        int queryRank = queryCompression ? nopeDim + d.get("C_q−D_nope") : 0;
        int latentWidth = nopeDim + d.get("C−D_nope");
        MlaShape shape = new MlaShape(modelWidth, d.get("H"), queryRank, latentWidth, nopeDim, 2, d.get("Dv"));
        MlaWeights weights = MlaWeights.random(shape, MlaWeights.Settings.deepSeek(), random);
        int queryInput = weights.queryInputWidth();
        for (int h = 0; h < shape.numHeads(); h++) {
            Tensor queryUp = weights.queryNopeUp().narrow(0, h, 1).squeeze(0);     // [D_nope, Q_in]
            Tensor keyUp = weights.keyUp().narrow(0, h, 1).squeeze(0);             // [D_nope, C]
            Tensor form = queryUp.transpose(0, 1).matmul(keyUp);                   // [Q_in, C]
            assertEquals(nopeDim, NumericalRank.of(form, RANK_THRESHOLD),
                    "head " + h + ": rank of W_UQ,iᵀ W_UK,i [" + queryInput + ", " + latentWidth + "]");
        }
        // A free query–key matrix of the same shape (seed 000's W_qk) is not bounded by D_nope.
        Tensor free = Tensor.randn(random, 1.0, queryInput, latentWidth);
        assertEquals(Math.min(queryInput, latentWidth), NumericalRank.of(free, RANK_THRESHOLD),
                "a free [" + queryInput + ", " + latentWidth + "] matrix");
    }

    // ---------------------------------------------------------------- helpers

    private static LatentCache prefill(MlaWeights weights, Tensor x, int start) {
        AbsorbedMla module = new AbsorbedMla(weights);
        LatentCache cache = module.newCache(x.size(0), start);
        module.forward(x, cache);
        return cache;
    }

    private static <C> ForwardResult prefill(SelfAttention<C> module, Tensor x, int start) {
        return module.forward(x, module.newCache(x.size(0), start));
    }

    /** The same weights with W_DKV and w_kv replaced. */
    private static MlaWeights replace(MlaWeights w, Tensor wDkv, Tensor kvNorm) {
        return MlaWeights.of(w.shape(), w.settings(), w.wDq(), w.qNorm(), w.wUq(), w.wQ(), wDkv, kvNorm, w.wUkv(), w.wO());
    }

    /** The same weights with the rotary query rows (W_QR of W_UQ or W_Q) and the rotary key rows (W_KR) set to 0. */
    private static MlaWeights zeroRotaryParts(MlaWeights w) {
        MlaShape shape = w.shape();
        int numHeads = shape.numHeads();
        int nopeDim = shape.qkNopeHeadDim();
        int p = shape.qkRopeHeadDim();
        int queryInput = w.queryInputWidth();
        Tensor queryUp = shape.qLoraRank() > 0 ? w.wUq() : w.wQ();
        Tensor zeroedQuery = Tensor.cat(List.of(
                queryUp.view(numHeads, nopeDim + p, queryInput).narrow(1, 0, nopeDim),
                Tensor.zeros(numHeads, p, queryInput)), 1).reshape(numHeads * (nopeDim + p), queryInput);
        Tensor zeroedKv = Tensor.cat(List.of(w.wDkv().narrow(0, 0, shape.kvLoraRank()),
                Tensor.zeros(p, shape.modelWidth())), 0);
        return shape.qLoraRank() > 0
                ? MlaWeights.of(shape, w.settings(), w.wDq(), w.qNorm(), zeroedQuery, null, zeroedKv, w.kvNorm(), w.wUkv(), w.wO())
                : MlaWeights.of(shape, w.settings(), null, null, null, zeroedQuery, zeroedKv, w.kvNorm(), w.wUkv(), w.wO());
    }

    /** The visible logits of each query row of {@code logits [B, H, T, S]} (a fresh-cache prefill: s ≤ t). */
    private static double[][] visibleLogitRows(Tensor logits) {
        int rows = logits.size(0) * logits.size(1) * logits.size(2);
        int seqLen = logits.size(2);
        int kvLen = logits.size(3);
        double[] values = logits.toArray();
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            int t = r % seqLen;
            out[r] = Arrays.copyOfRange(values, r * kvLen, r * kvLen + t + 1);
        }
        return out;
    }

    /** For each query row, its distinct visible logit values (bitwise). */
    private static double[][] distinctVisibleLogits(Tensor logits) {
        double[][] rows = visibleLogitRows(logits);
        double[][] out = new double[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            out[r] = Arrays.stream(rows[r]).distinct().toArray();
        }
        return out;
    }
}
