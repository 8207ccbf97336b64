package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import dev.attnref.core.Float16;
import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** Seed 003 §7's bmm attention: where its {@code view} fails, and that it equals §3's matmul version otherwise. */
class Seed003ScaledDotProductAttentionOptimizedMirrorTest {

    /** Split-heads inputs as §3 produces them: {@code x.view(B, T, H, d_k).transpose(1, 2)}. */
    private static Tensor[] splitInputs(Seed003MultiHeadAttention mha, int batch, int len, long seed) {
        SeededRandom random = new SeededRandom(seed);
        int dModel = mha.numHeads() * mha.dK();
        Tensor[] qkv = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            qkv[i] = mha.splitHeads(Tensor.randn(random, 1.0, batch, len, dModel));
        }
        return qkv;
    }

    private static void assertSameAsMatmulVersion(Seed003MultiHeadAttention mha, Tensor[] qkv, Tensor mask,
            Fidelity fidelity, String where) {
        Seed003ScaledDotProductAttentionOptimized.Result bmm =
                Seed003ScaledDotProductAttentionOptimized.apply(qkv[0], qkv[1], qkv[2], mask, fidelity);
        Seed003MultiHeadAttention.Result matmul = mha.scaledDotProductAttention(qkv[0], qkv[1], qkv[2], mask);
        double diff = Math.max(
                LoopReference.maxRelativeDiff(bmm.output().toArray(), matmul.output().toArray()),
                LoopReference.maxRelativeDiff(bmm.attentionWeights().toArray(), matmul.attentionWeights().toArray()));
        assertTrue(diff <= FLOAT64_REORDERED, where + ": diff " + diff);
    }

    /** S003-BMM-VIEW: on split_heads output with B, H, T all above 1, Q.view(B·H, T, d_k) fails as in PyTorch. */
    @Test
    void viewFailsOnSplitHeadsOutputWhenBatchHeadsAndTokensExceedOne() {
        Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(8, 2, Fidelity.FIXED, new SeededRandom(1));
        Tensor[] qkv = splitInputs(mha, 2, 3, 2);
        assertFalse(qkv[0].isContiguous());
        Tensor.ViewException e = assertThrows(Tensor.ViewException.class, () -> Seed003ScaledDotProductAttentionOptimized
                .apply(qkv[0], qkv[1], qkv[2], null, Fidelity.AS_PUBLISHED));
        // [B, H, T, d_k] = [2, 2, 3, 4] with strides [24, 4, 8, 1]: merging B and H needs 24 = 2·4.
        assertTrue(e.getMessage().contains("cannot view shape [2, 2, 3, 4] with strides [24, 4, 8, 1] as [4, 3, 4]"),
                e.getMessage());
        assertSameAsMatmulVersion(mha, qkv, Tensor.ones(2, 1, 3, 3), Fidelity.FIXED, "fixed B=2 H=2 T=3");
    }

    /** S003-BMM-VIEW: a size-1 batch, head or position axis merges with anything, so the published view passes. */
    @Test
    void publishedWorksWhenBatchHeadsOrLengthIsOne() {
        int[][] batchHeadsLen = {{1, 2, 3}, {2, 1, 3}, {2, 2, 1}};
        for (int[] c : batchHeadsLen) {
            Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(4 * c[1], c[1], Fidelity.FIXED,
                    new SeededRandom(3));
            Tensor[] qkv = splitInputs(mha, c[0], c[2], 4);
            assertSameAsMatmulVersion(mha, qkv, null, Fidelity.AS_PUBLISHED, "B " + c[0] + " H " + c[1] + " T " + c[2]);
        }
    }

    /** On freshly allocated (contiguous) inputs the published function equals §3's matmul version. */
    @Test
    void publishedWorksOnContiguousInputs() {
        Seed003MultiHeadAttention mha = new Seed003MultiHeadAttention(8, 2, Fidelity.AS_PUBLISHED, new SeededRandom(5));
        Tensor[] qkv = splitInputs(mha, 2, 3, 6);
        for (int i = 0; i < 3; i++) {
            qkv[i] = qkv[i].contiguous();
        }
        Tensor keep = Tensor.uniform(new SeededRandom(7), 0, 1, 2, 1, 3, 3).lt(0.7);
        assertSameAsMatmulVersion(mha, qkv, keep, Fidelity.AS_PUBLISHED, "contiguous");
    }

    /** S003-BMM-FULLMASK: a query row with every key hidden gets weights 1/S with −1e9; fixed, zeros. */
    @Test
    void fullyMaskedRowAttendsUniformly() {
        Tensor[] qkv = new Tensor[3];
        SeededRandom random = new SeededRandom(11);
        for (int i = 0; i < 3; i++) {
            qkv[i] = Tensor.randn(random, 1.0, 2, 2, 3, 4);
        }
        double[] keep = {1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0};       // batch 1, query 2 sees nothing
        Tensor mask = Tensor.of(keep, 2, 1, 3, 3);
        for (Fidelity fidelity : Fidelity.values()) {
            Tensor weights = Seed003ScaledDotProductAttentionOptimized.apply(qkv[0], qkv[1], qkv[2], mask, fidelity)
                    .attentionWeights();
            double expected = fidelity == Fidelity.AS_PUBLISHED ? 1.0 / 3 : 0.0;
            for (int h = 0; h < 2; h++) {
                for (int s = 0; s < 3; s++) {
                    assertEquals(expected, weights.get(1, h, 2, s), FLOAT64_REORDERED, fidelity + " h " + h + " s " + s);
                }
            }
        }
    }

    /** S003-BMM-FP16-FILL: −1e9 overflows binary16 (largest finite 65504); −∞ does not. */
    @Test
    void fillValueOverflowsHalfPrecision() {
        double publishedFill = -1e9;                                    // attn_scores.masked_fill(mask == 0, -1e9)
        assertTrue(Math.abs(publishedFill) > 65504.0);
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(publishedFill), "overflows to −∞");
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(Double.NEGATIVE_INFINITY), "−∞ is representable");
    }
}
