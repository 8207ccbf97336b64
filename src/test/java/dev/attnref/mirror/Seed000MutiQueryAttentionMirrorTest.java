package dev.attnref.mirror;

import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 000 §2.1 (MQA): the published bugs' effects, and both fidelities against a loop reference. */
class Seed000MutiQueryAttentionMirrorTest {

    /**
     * float32(√3): √3·2²³ = 14529496.26…, which rounds to 14529496, so the float32 root is
     * 14529496·2⁻²³ = 1.73205077648162841796875 (relative error −1.8e-8 against √3).
     */
    static final double FLOAT32_SQRT_3 = 1.73205077648162841796875;

    /** A causal mask in seed 000's "1 = hide" convention: {@code [T, T]} with 1 where {@code s > t}. */
    static Tensor causalHideMask(int len) {
        return Masks.causal(len, len, 0).eq(0);
    }

    static double[] reference(Map<String, Tensor> w, Tensor x, int heads, int kvHeads, double scale,
            LoopReference.Keep keep, LoopReference.LogitBias bias, boolean scrambledMerge) {
        int headDim = w.get("q_linear.weight").size(0) / heads;
        return LoopReference.groupedAttention(x, heads, kvHeads, headDim, scale,
                w.get("q_linear.weight"), w.get("q_linear.bias"), w.get("k_linear.weight"), w.get("k_linear.bias"),
                w.get("v_linear.weight"), w.get("v_linear.bias"), w.get("o_linear.weight"), w.get("o_linear.bias"),
                keep, bias, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS, scrambledMerge);
    }

    @Test
    void fixedMatchesTheLoopReferenceWithRandomHideMasks() {
        for (long seed = 1; seed <= 6; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int hidden = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            int batch = 1 + random.nextInt(2);
            Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(hidden, heads, Fidelity.FIXED, random);
            Tensor x = Tensor.randn(random, 1.0, batch, len, hidden);
            // 1 = hide with probability 1/2, per (b, t, s): some rows end up fully hidden.
            Tensor hide = Tensor.uniform(random, 0, 1, batch, 1, len, len).lt(0.5);
            double[] expected = reference(mqa.stateDict(), x, heads, 1, 1 / Math.sqrt(hidden / heads),
                    (b, h, t, s) -> hide.get(b, 0, t, s) == 0, LoopReference.LogitBias.NONE, false);
            double diff = LoopReference.maxRelativeDiff(mqa.forward(x, hide).toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " H " + heads + " M " + hidden + " T " + len
                    + " B " + batch + ": diff " + diff);
        }
    }

    /**
     * The published forward, stated independently: logits scaled by 1/float32(√D), the mask added as
     * {@code mask·(−1e-9)}, heads merged by the scrambled layout. D = 3 here so the float32 scale matters.
     */
    @Test
    void publishedMatchesTheLoopReferenceOfItsOwnRules() {
        SeededRandom random = new SeededRandom(21);
        int heads = 2;
        int hidden = 6;
        int len = 4;
        Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(hidden, heads, Fidelity.AS_PUBLISHED, random);
        Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
        Tensor hide = causalHideMask(len);
        double[] expected = reference(mqa.stateDict(), x, heads, 1, 1 / FLOAT32_SQRT_3, LoopReference.Keep.ALL,
                (b, h, t, s) -> hide.get(t, s) * -1e-9, true);
        double diff = LoopReference.maxRelativeDiff(mqa.forward(x, hide).toArray(), expected);
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    /** S000-MQA-MASK: with the published "causal mask" the first position still sees the last token. */
    @Test
    void causalMaskLeavesFutureTokensVisible() {
        int len = 4;
        int hidden = 8;
        Tensor x = Tensor.randn(new SeededRandom(31), 1.0, 1, len, hidden);
        // x2 differs from x only in the last token.
        double[] changed = x.toArray();
        for (int m = 0; m < hidden; m++) {
            changed[(len - 1) * hidden + m] += 1.0;
        }
        Tensor x2 = Tensor.of(changed, 1, len, hidden);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(hidden, 2, fidelity, new SeededRandom(32));
            Tensor y = mqa.forward(x, causalHideMask(len));
            Tensor y2 = mqa.forward(x2, causalHideMask(len));
            // Position 0 may see only token 0.
            double firstPositionChange = y.narrow(1, 0, 1).maxAbsDiff(y2.narrow(1, 0, 1));
            if (fidelity == Fidelity.AS_PUBLISHED) {
                assertTrue(firstPositionChange > VISIBLE_EFFECT, "published: position 0 moved " + firstPositionChange);
            } else {
                assertEquals(0.0, firstPositionChange, "fixed: position 0 cannot see token 3");
            }
        }
    }

    /** S000-MQA-MASK: the published mask moves outputs by about 1e-9, i.e. it hides nothing. */
    @Test
    void thePublishedMaskChangesOutputsOnlyByRounding() {
        int len = 5;
        Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(8, 2, Fidelity.AS_PUBLISHED, new SeededRandom(33));
        Tensor x = Tensor.randn(new SeededRandom(34), 1.0, 2, len, 8);
        double moved = mqa.forward(x, causalHideMask(len)).maxAbsDiff(mqa.forward(x, null));
        // Logits move by at most 1e-9; softmax and the two projections (weights ≤ 1/√8) keep it at that order.
        assertTrue(moved < Tolerances.NEGLIGIBLE_MASK, "masked vs unmasked differ by " + moved);
    }

    /**
     * S000-MQA-TRANSPOSE: without a mask, attention is permutation-equivariant (permute the tokens,
     * the outputs permute the same way). The published head merge breaks that; the fixed one keeps it.
     * D = 4 so that the float32 scale (S000-MQA-SCALE-DTYPE) is exact and only the merge differs.
     */
    @Test
    void permutingTokensPermutesOutputsOnlyWhenFixed() {
        int len = 3;
        int hidden = 8;
        Tensor x = Tensor.randn(new SeededRandom(41), 1.0, 2, len, hidden);
        int[] order = {2, 0, 1};
        Tensor permuted = Tensor.cat(java.util.List.of(x.narrow(1, 2, 1), x.narrow(1, 0, 1), x.narrow(1, 1, 1)), 1);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(hidden, 2, fidelity, new SeededRandom(42));
            Tensor y = mqa.forward(x);
            Tensor yPermuted = mqa.forward(permuted);
            double worst = 0;
            for (int t = 0; t < len; t++) {
                worst = Math.max(worst, yPermuted.narrow(1, t, 1).maxAbsDiff(y.narrow(1, order[t], 1)));
            }
            if (fidelity == Fidelity.AS_PUBLISHED) {
                assertTrue(worst > VISIBLE_EFFECT, "published: equivariance broken by " + worst);
            } else {
                assertTrue(worst <= FLOAT64_REORDERED, "fixed: equivariance holds, off by " + worst);
            }
        }
    }

    /** S000-MQA-TRANSPOSE: with one position the scrambled merge is the identity, so decode-style tests pass. */
    @Test
    void mergingHeadsScramblesPositionsOnlyWhenMoreThanOneToken() {
        Seed000MutiQueryAttention published = new Seed000MutiQueryAttention(8, 2, Fidelity.AS_PUBLISHED,
                new SeededRandom(43));
        Seed000MutiQueryAttention fixed = new Seed000MutiQueryAttention(8, 2, Fidelity.FIXED, new SeededRandom(43));
        Tensor one = Tensor.randn(new SeededRandom(44), 1.0, 3, 1, 8);
        assertTrue(published.forward(one).bitwiseEquals(fixed.forward(one)), "T = 1, D = 4: identical");
        Tensor many = Tensor.randn(new SeededRandom(45), 1.0, 3, 3, 8);
        assertTrue(published.forward(many).maxAbsDiff(fixed.forward(many)) > VISIBLE_EFFECT, "T = 3: scrambled");
    }

    /**
     * S000-MQA-SCALE-DTYPE: under PyTorch's float32 default the published scale is float32(√D), which
     * differs from float64 √D unless D is a square; under a float64 default it is √D.
     */
    @Test
    void scaleIsRoundedToFloat32UnderDefaultFloat32() {
        SeededRandom random = new SeededRandom(51);
        Seed000MutiQueryAttention published = new Seed000MutiQueryAttention(6, 2, Fidelity.AS_PUBLISHED, random);
        Tensor x = Tensor.randn(random, 1.0, 1, 3, 6);
        Map<String, Tensor> w = published.stateDict();
        double[] out = published.forward(x).toArray();
        double[] withFloat32Scale = reference(w, x, 2, 1, 1 / FLOAT32_SQRT_3, LoopReference.Keep.ALL,
                LoopReference.LogitBias.NONE, true);
        double[] withFloat64Scale = reference(w, x, 2, 1, 1 / Math.sqrt(3), LoopReference.Keep.ALL,
                LoopReference.LogitBias.NONE, true);
        assertTrue(LoopReference.maxRelativeDiff(out, withFloat32Scale) <= FLOAT64_REORDERED);
        // A 1.8e-8 relative change of every logit moves the outputs far beyond float64 rounding.
        assertTrue(LoopReference.maxRelativeDiff(out, withFloat64Scale) > Tolerances.FLOAT32_SCALE_EFFECT,
                "diff " + LoopReference.maxRelativeDiff(out, withFloat64Scale));
        // After torch.set_default_dtype(torch.float64) the published scale is √3 itself.
        double[] underFloat64 = published.torchDefaultDtype(TorchDefaultDtype.FLOAT64).forward(x).toArray();
        assertTrue(LoopReference.maxRelativeDiff(underFloat64, withFloat64Scale) <= FLOAT64_REORDERED);
    }

    /**
     * S000-NEQ-NONE: {@code attention_mask != None} is true for any tensor in PyTorch (identity fallback),
     * so it acts as {@code is not None}: a mask that hides nothing leaves the output bitwise unchanged
     * and a mask that hides something is applied, in both fidelities.
     */
    @Test
    void absentMaskIsDetectedAsNull() {
        Tensor x = Tensor.randn(new SeededRandom(61), 1.0, 1, 3, 8);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(8, 2, fidelity, new SeededRandom(62));
            Tensor unmasked = mqa.forward(x, null);
            assertTrue(mqa.forward(x, Tensor.zeros(3, 3)).bitwiseEquals(unmasked), fidelity.name());
            assertTrue(mqa.forward(x, causalHideMask(3)).maxAbsDiff(unmasked) > 0, fidelity.name());
        }
    }

    /** S000-MQA-DIVIDES: hidden 10 with 4 heads (D = 2) infers 5 "positions" and fails in o_linear. */
    @Test
    void headsNotDividingHiddenSizeFailsOnlyAtForward() {
        Seed000MutiQueryAttention published = new Seed000MutiQueryAttention(10, 4, Fidelity.AS_PUBLISHED,
                new SeededRandom(71));
        Tensor x = Tensor.randn(new SeededRandom(72), 1.0, 1, 4, 10);
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class, () -> published.forward(x));
        // query [1, 4, 10].view(1, -1, 4, 2): 40 values / (4·2) = 5 rows → [1, 5, 4, 2]; merged back [1, 5, 8].
        assertTrue(late.getMessage().contains("Linear(10 → 10) got input of shape [1, 5, 8]"), late.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new Seed000MutiQueryAttention(10, 4, Fidelity.FIXED, new SeededRandom(71)));
        assertEquals("num_heads (4) must divide hidden_size (10)", early.getMessage());
    }

    /** MQA is GQA with one kv head: the fixed mirror equals seed 002's GQA with nums_key_value_head = 1. */
    @Test
    void fixedMqaEqualsSeed002GqaWithOneKeyValueHead() {
        Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(12, 3, Fidelity.FIXED, new SeededRandom(81));
        Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(12, 3, 1, Fidelity.FIXED, new SeededRandom(82));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        mqa.stateDict().forEach((name, t) -> renamed.put(name.replace("_linear", "_proj"), t));
        gqa.loadStateDict(renamed);
        Tensor x = Tensor.randn(new SeededRandom(83), 1.0, 2, 5, 12);
        double diff = LoopReference.maxRelativeDiff(mqa.forward(x).toArray(), gqa.forward(x).toArray());
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }
}
