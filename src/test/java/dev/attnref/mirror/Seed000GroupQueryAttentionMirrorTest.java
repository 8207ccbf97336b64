package dev.attnref.mirror;

import java.util.List;
import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 000 §3.1 (GQA): the published bugs' effects, and the fixed mirror against a loop reference. */
class Seed000GroupQueryAttentionMirrorTest {

    /** S000-GQA-SUPER: {@code super(MutiQueryAttention, self).__init__()} makes construction fail. */
    @Test
    void constructorFailsAsPublished() {
        MirroredPythonError e = assertThrows(MirroredPythonError.class,
                () -> new Seed000GroupQueryAttention(8, 4, 2, Fidelity.AS_PUBLISHED, new SeededRandom(1)));
        assertEquals("TypeError", e.pythonType());
        assertEquals("super(type, obj): obj must be an instance or subtype of type", e.pythonMessage());
        Seed000GroupQueryAttention fixed = new Seed000GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(1));
        assertArrayEquals(new int[] {2, 3, 8}, fixed.forward(Tensor.zeros(2, 3, 8)).shape());
    }

    static double[] reference(Map<String, Tensor> w, Tensor x, int heads, int groups, double scale,
            LoopReference.Keep keep, LoopReference.LogitBias bias, boolean scrambledMerge) {
        int headDim = w.get("q_linear.weight").size(0) / heads;
        return LoopReference.groupedAttention(x, heads, groups, headDim, scale,
                w.get("q_linear.weight"), w.get("q_linear.bias"), w.get("k_linear.weight"), w.get("k_linear.bias"),
                w.get("v_linear.weight"), w.get("v_linear.bias"), w.get("o_linear.weight"), w.get("o_linear.bias"),
                keep, bias, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS, scrambledMerge);
    }

    @Test
    void fixedMatchesTheLoopReferenceWithRandomHideMasks() {
        int[][] headsAndGroups = {{4, 4}, {4, 1}, {4, 2}, {6, 3}, {6, 2}, {1, 1}};
        long seed = 10;
        for (int[] hg : headsAndGroups) {
            seed++;
            SeededRandom random = new SeededRandom(seed);
            int headDim = 1 + random.nextInt(3);
            int hidden = hg[0] * headDim;
            int len = 1 + random.nextInt(4);
            Seed000GroupQueryAttention gqa = new Seed000GroupQueryAttention(hidden, hg[0], hg[1], Fidelity.FIXED, random);
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor hide = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.4);
            double[] expected = reference(gqa.stateDict(), x, hg[0], hg[1], 1 / Math.sqrt(headDim),
                    (b, h, t, s) -> hide.get(b, 0, t, s) == 0, LoopReference.LogitBias.NONE, false);
            double diff = LoopReference.maxRelativeDiff(gqa.forward(x, hide).toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " H " + hg[0] + " G " + hg[1] + " D " + headDim
                    + " T " + len + ": diff " + diff);
        }
    }

    /**
     * With only the super call repaired, the published forward follows its own rules (float32 scale,
     * additive −1e-9 "mask", scrambled merge): the MQA bugs S000-MQA-MASK, S000-MQA-TRANSPOSE and
     * S000-GQA-SCALE-DTYPE live on in GQA. D = 3, so the float32 scale matters.
     */
    @Test
    void publishedPastTheSuperCallMatchesTheLoopReferenceOfItsOwnRules() {
        SeededRandom random = new SeededRandom(21);
        Seed000GroupQueryAttention gqa = Seed000GroupQueryAttention.withOnlySuperCallFixed(12, 4, 2, random);
        Tensor x = Tensor.randn(random, 1.0, 2, 4, 12);
        Tensor hide = Seed000MutiQueryAttentionMirrorTest.causalHideMask(4);
        double[] expected = reference(gqa.stateDict(), x, 4, 2, 1 / Seed000MutiQueryAttentionMirrorTest.FLOAT32_SQRT_3,
                LoopReference.Keep.ALL, (b, h, t, s) -> hide.get(t, s) * -1e-9, true);
        double diff = LoopReference.maxRelativeDiff(gqa.forward(x, hide).toArray(), expected);
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    /** S000-GQA-MASK: once constructible, the published GQA lets position 0 see the last token. */
    @Test
    void causalMaskLeavesFutureTokensVisible() {
        int len = 4;
        Tensor x = Tensor.randn(new SeededRandom(31), 1.0, 1, len, 8);
        double[] changed = x.toArray();
        for (int m = 0; m < 8; m++) {
            changed[(len - 1) * 8 + m] -= 1.0;
        }
        Tensor x2 = Tensor.of(changed, 1, len, 8);
        Tensor hide = Seed000MutiQueryAttentionMirrorTest.causalHideMask(len);
        Seed000GroupQueryAttention published = Seed000GroupQueryAttention.withOnlySuperCallFixed(8, 4, 2,
                new SeededRandom(32));
        Seed000GroupQueryAttention fixed = new Seed000GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(32));
        assertTrue(published.forward(x, hide).narrow(1, 0, 1).maxAbsDiff(published.forward(x2, hide).narrow(1, 0, 1))
                > VISIBLE_EFFECT);
        assertEquals(0.0, fixed.forward(x, hide).narrow(1, 0, 1).maxAbsDiff(fixed.forward(x2, hide).narrow(1, 0, 1)));
    }

    /** GQA with one group is MQA: same weights, same outputs as the fixed §2.1 mirror. */
    @Test
    void fixedGqaWithOneGroupIsFixedMqa() {
        Seed000MutiQueryAttention mqa = new Seed000MutiQueryAttention(12, 4, Fidelity.FIXED, new SeededRandom(41));
        Seed000GroupQueryAttention gqa = new Seed000GroupQueryAttention(12, 4, 1, Fidelity.FIXED, new SeededRandom(42));
        gqa.loadStateDict(mqa.stateDict());
        Tensor x = Tensor.randn(new SeededRandom(43), 1.0, 2, 5, 12);
        Tensor hide = Seed000MutiQueryAttentionMirrorTest.causalHideMask(5);
        double diff = LoopReference.maxRelativeDiff(gqa.forward(x, hide).toArray(), mqa.forward(x, hide).toArray());
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    /** GQA with as many groups as heads is MHA: same weights, same outputs as seed 003's fixed MHA. */
    @Test
    void fixedGqaWithOneGroupPerHeadIsSeed003Mha() {
        Seed000GroupQueryAttention gqa = new Seed000GroupQueryAttention(12, 4, 4, Fidelity.FIXED, new SeededRandom(51));
        Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(12, 4, Fidelity.FIXED, new SeededRandom(52));
        Map<String, Tensor> renamed = new LinkedHashMap<>();
        gqa.stateDict().forEach((name, t) -> renamed.put(
                "W_" + name.substring(0, 1).toUpperCase() + name.substring(name.indexOf('.')), t));
        mha.loadStateDict(renamed);
        Tensor x = Tensor.randn(new SeededRandom(53), 1.0, 2, 5, 12);
        double diff = LoopReference.maxRelativeDiff(gqa.forward(x).toArray(), mha.forward(x, x, x, null).output().toArray());
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    /** S000-GQA-DIVIDES: group_num 3 with 4 heads repeats each kv head once and fails in matmul. */
    @Test
    void groupNumNotDividingHeadsFailsOnlyAtForward() {
        Seed000GroupQueryAttention published = Seed000GroupQueryAttention.withOnlySuperCallFixed(8, 4, 3,
                new SeededRandom(61));
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> published.forward(Tensor.zeros(1, 2, 8)));
        // query [1, 4, 2, 2] against key [1, 4 // 3 · 3 = 3, 2, 2]: head axes 4 and 3 do not broadcast.
        assertTrue(late.getMessage().contains("do not broadcast"), late.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new Seed000GroupQueryAttention(8, 4, 3, Fidelity.FIXED, new SeededRandom(61)));
        assertEquals("group_num (3) must divide num_heads (4)", early.getMessage());
    }

    /** S000-GQA-NEQ-NONE: {@code != None} on a tensor is Python's identity test, so it acts as {@code is not None}. */
    @Test
    void absentMaskIsDetectedAsNull() {
        Tensor x = Tensor.randn(new SeededRandom(71), 1.0, 1, 3, 8);
        Seed000GroupQueryAttention published = Seed000GroupQueryAttention.withOnlySuperCallFixed(8, 4, 2,
                new SeededRandom(72));
        Seed000GroupQueryAttention fixed = new Seed000GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(72));
        for (Seed000GroupQueryAttention gqa : List.of(published, fixed)) {
            Tensor unmasked = gqa.forward(x, null);
            assertTrue(gqa.forward(x, Tensor.zeros(3, 3)).bitwiseEquals(unmasked), "a mask hiding nothing");
            assertTrue(gqa.forward(x, Seed000MutiQueryAttentionMirrorTest.causalHideMask(3)).maxAbsDiff(unmasked) > 0,
                    "a present mask is applied");
        }
    }

    /**
     * S000-GQA-TRANSPOSE: the published merge (past the super call) is the scrambled layout; with one
     * token it is the identity, so published and fixed agree exactly (D = 4: the float32 scale is exact).
     */
    @Test
    void mergingHeadsScramblesPositionsOnlyWhenMoreThanOneToken() {
        Seed000GroupQueryAttention published = Seed000GroupQueryAttention.withOnlySuperCallFixed(16, 4, 2,
                new SeededRandom(81));
        Seed000GroupQueryAttention fixed = new Seed000GroupQueryAttention(16, 4, 2, Fidelity.FIXED, new SeededRandom(81));
        Tensor one = Tensor.randn(new SeededRandom(82), 1.0, 2, 1, 16);
        assertTrue(published.forward(one).bitwiseEquals(fixed.forward(one)), "T = 1: identical");
        Tensor many = Tensor.randn(new SeededRandom(83), 1.0, 2, 3, 16);
        assertTrue(published.forward(many).maxAbsDiff(fixed.forward(many)) > VISIBLE_EFFECT, "T = 3: scrambled");
        double[] expected = reference(published.stateDict(), many, 4, 2, 0.5, LoopReference.Keep.ALL,
                LoopReference.LogitBias.NONE, true);
        assertTrue(LoopReference.maxRelativeDiff(published.forward(many).toArray(), expected) <= FLOAT64_REORDERED);
    }

    /**
     * S000-GQA-SCALE-DTYPE: past the super call, D = 3: under PyTorch's float32 default the scale is
     * float32(√3); under a float64 default it is √3, which is also what the fixed module uses.
     */
    @Test
    void scaleIsRoundedToFloat32UnderDefaultFloat32() {
        Seed000GroupQueryAttention published = Seed000GroupQueryAttention.withOnlySuperCallFixed(12, 4, 2,
                new SeededRandom(91));
        Tensor x = Tensor.randn(new SeededRandom(92), 1.0, 1, 3, 12);
        Map<String, Tensor> w = published.stateDict();
        double[] float32 = reference(w, x, 4, 2, 1 / Seed000MutiQueryAttentionMirrorTest.FLOAT32_SQRT_3,
                LoopReference.Keep.ALL, LoopReference.LogitBias.NONE, true);
        double[] float64 = reference(w, x, 4, 2, 1 / Math.sqrt(3), LoopReference.Keep.ALL,
                LoopReference.LogitBias.NONE, true);
        double[] underFloat32 = published.forward(x).toArray();
        assertTrue(LoopReference.maxRelativeDiff(underFloat32, float32) <= FLOAT64_REORDERED);
        assertTrue(LoopReference.maxRelativeDiff(underFloat32, float64) > Tolerances.FLOAT32_SCALE_EFFECT);
        double[] underFloat64 = published.torchDefaultDtype(TorchDefaultDtype.FLOAT64).forward(x).toArray();
        assertTrue(LoopReference.maxRelativeDiff(underFloat64, float64) <= FLOAT64_REORDERED);
    }
}
