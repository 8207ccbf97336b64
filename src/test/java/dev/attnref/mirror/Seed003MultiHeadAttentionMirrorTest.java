package dev.attnref.mirror;

import dev.attnref.core.Float16;
import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 003 §3's MHA: the published bugs' effects, and the fixed mirror against a loop reference (cross-attention). */
class Seed003MultiHeadAttentionMirrorTest {

    /** Loop reference for Q from {@code xq [B, T, M]} and K, V from {@code xkv [B, S, M]}. */
    static double[] reference(Map<String, Tensor> w, Tensor xq, Tensor xkv, int heads, LoopReference.Keep keep) {
        int batch = xq.size(0);
        int qLen = xq.size(1);
        int kvLen = xkv.size(1);
        int headDim = w.get("W_Q.weight").size(0) / heads;
        double[] q = LoopReference.linear(xq.toArray(), batch * qLen, w.get("W_Q.weight"), w.get("W_Q.bias"));
        double[] k = LoopReference.linear(xkv.toArray(), batch * kvLen, w.get("W_K.weight"), w.get("W_K.bias"));
        double[] v = LoopReference.linear(xkv.toArray(), batch * kvLen, w.get("W_V.weight"), w.get("W_V.bias"));
        double[] merged = LoopReference.attend(q, k, v, batch, qLen, kvLen, heads, heads, headDim,
                1 / Math.sqrt(headDim), keep, LoopReference.LogitBias.NONE, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
        return LoopReference.linear(merged, batch * qLen, w.get("W_O.weight"), w.get("W_O.bias"));
    }

    @Test
    void fixedMatchesTheLoopReferenceForCrossAttentionWithMasks() {
        for (long seed = 1; seed <= 5; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int dModel = heads * (1 + random.nextInt(3));
            int qLen = 1 + random.nextInt(4);
            int kvLen = 1 + random.nextInt(4);
            Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(dModel, heads, Fidelity.FIXED, random);
            Tensor xq = Tensor.randn(random, 1.0, 2, qLen, dModel);
            Tensor xkv = Tensor.randn(random, 1.0, 2, kvLen, dModel);
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, qLen, kvLen).lt(0.6);      // (batch, 1, T, S)
            double[] expected = reference(mha.stateDict(), xq, xkv, heads, (b, h, t, s) -> keep.get(b, 0, t, s) != 0);
            double diff = LoopReference.maxRelativeDiff(mha.forward(xq, xkv, xkv, keep).output().toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " H " + heads + " M " + dModel + " T " + qLen
                    + " S " + kvLen + ": diff " + diff);
        }
    }

    /**
     * S003-DOC: the docstring says the weights come "from one of the heads"; they are every head's,
     * [B, H, T, S], each row a distribution, and different heads give different rows.
     */
    @Test
    void returnsAttentionWeightsOfEveryHead() {
        Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(8, 4, Fidelity.AS_PUBLISHED, new SeededRandom(11));
        Tensor x = Tensor.randn(new SeededRandom(12), 1.0, 2, 3, 8);
        Tensor weights = mha.forward(x, x, x, null).attentionWeights();
        assertArrayEquals(new int[] {2, 4, 3, 3}, weights.shape());
        for (double rowSum : weights.sum(-1, false).toArray()) {
            assertEquals(1.0, rowSum, FLOAT64_REORDERED);
        }
        for (int h = 1; h < 4; h++) {
            assertTrue(weights.narrow(1, h, 1).maxAbsDiff(weights.narrow(1, 0, 1)) > VISIBLE_EFFECT, "head " + h);
        }
    }

    /** S003-FULLMASK: a query row with every key hidden gets weights 1/S (the −1e9 fill); fixed, zeros. */
    @Test
    void fullyMaskedRowAttendsUniformly() {
        int len = 4;
        double[] keep = new double[len * len];
        for (int t = 0; t < len; t++) {
            for (int s = 0; s < len; s++) {
                keep[t * len + s] = t == 2 ? 0 : 1;
            }
        }
        Tensor mask = Tensor.of(keep, 1, 1, len, len);
        Tensor x = Tensor.randn(new SeededRandom(21), 1.0, 1, len, 8);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(8, 2, fidelity, new SeededRandom(22));
            Tensor weights = mha.forward(x, x, x, mask).attentionWeights();
            double expected = fidelity == Fidelity.AS_PUBLISHED ? 1.0 / len : 0.0;
            for (int h = 0; h < 2; h++) {
                for (int s = 0; s < len; s++) {
                    assertEquals(expected, weights.get(0, h, 2, s), FLOAT64_REORDERED, fidelity + " h " + h + " s " + s);
                }
            }
        }
    }

    @Test
    void dModelNotDivisibleByHeadsFailsTheAssertWithItsMessage() {
        MirroredPythonError e = assertThrows(MirroredPythonError.class,
                () -> new Seed003MultiHeadAttention(10, 3, Fidelity.AS_PUBLISHED, new SeededRandom(1)));
        assertEquals("AssertionError", e.pythonType());
        assertEquals("d_model must be divisible by num_heads (d_model 10, num_heads 3)", e.pythonMessage());
    }

    /**
     * S003-FP16-FILL: the published fill −1e9 is beyond binary16's largest finite value 65504
     * ((2 − 2⁻¹⁰)·2¹⁵), so masked_fill on a half tensor raises; −∞ is a binary16 value.
     */
    @Test
    void fillValueOverflowsHalfPrecision() {
        double publishedFill = -1e9;                                    // masked_fill(mask == 0, -1e9)
        assertTrue(Math.abs(publishedFill) > 65504.0);
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(publishedFill), "overflows to −∞");
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(Double.NEGATIVE_INFINITY), "−∞ is representable");
    }
}
