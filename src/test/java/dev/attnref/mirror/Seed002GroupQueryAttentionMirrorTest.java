package dev.attnref.mirror;

import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 002's GQA: against a loop reference, its degenerate cases, its asserts and its example. */
class Seed002GroupQueryAttentionMirrorTest {

    @Test
    void matchesTheLoopReferenceForEveryGrouping() {
        int[][] headsAndKvHeads = {{4, 4}, {4, 2}, {4, 1}, {6, 3}, {6, 2}, {3, 1}};
        long seed = 0;
        for (int[] hg : headsAndKvHeads) {
            seed++;
            SeededRandom random = new SeededRandom(seed);
            int headDim = 1 + random.nextInt(3);
            int hidden = hg[0] * headDim;
            int len = 1 + random.nextInt(5);
            Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(hidden, hg[0], hg[1], Fidelity.FIXED, random);
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Map<String, Tensor> w = gqa.stateDict();
            double[] expected = LoopReference.groupedAttention(x, hg[0], hg[1], headDim, 1 / Math.sqrt(headDim),
                    w.get("q_proj.weight"), w.get("q_proj.bias"), w.get("k_proj.weight"), w.get("k_proj.bias"),
                    w.get("v_proj.weight"), w.get("v_proj.bias"), w.get("o_proj.weight"), w.get("o_proj.bias"),
                    LoopReference.Keep.ALL, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
            double diff = LoopReference.maxRelativeDiff(gqa.forward(x).toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " H " + hg[0] + " G " + hg[1] + " D " + headDim
                    + " T " + len + ": diff " + diff);
        }
    }

    /** The article: MHA is GQA with nums_key_value_head = nums_head (checked against seed 002's own MHA). */
    @Test
    void gqaWithAsManyKvHeadsAsHeadsIsSeed002Mha() {
        Seed002GroupQueryAttention gqa = new Seed002GroupQueryAttention(12, 3, 3, Fidelity.FIXED, new SeededRandom(11));
        Seed002MultiHeadAttention mha = new Seed002MultiHeadAttention(12, 3, Fidelity.FIXED, new SeededRandom(12));
        mha.loadStateDict(gqa.stateDict());
        mha.eval();
        Tensor x = Tensor.randn(new SeededRandom(13), 1.0, 2, 4, 12);
        double diff = LoopReference.maxRelativeDiff(gqa.forward(x).toArray(), mha.forward(x, null).toArray());
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    @Test
    void theTwoAssertsFailAsPython() {
        MirroredPythonError heads = assertThrows(MirroredPythonError.class,
                () -> new Seed002GroupQueryAttention(10, 3, 1, Fidelity.FIXED, new SeededRandom(1)));
        assertEquals("AssertionError", heads.pythonType());
        assertEquals("assert hidden_dim % nums_head == 0 (hidden_dim 10, nums_head 3)", heads.pythonMessage());
        MirroredPythonError groups = assertThrows(MirroredPythonError.class,
                () -> new Seed002GroupQueryAttention(8, 4, 3, Fidelity.FIXED, new SeededRandom(1)));
        assertEquals("assert nums_head % nums_key_value_head == 0 (nums_head 4, nums_key_value_head 3)",
                groups.pythonMessage());
    }

    @Test
    void theExampleReturnsShapeThreeByTwoBy128() {
        assertArrayEquals(new int[] {3, 2, 128},
                Seed002GroupQueryAttention.example(Fidelity.AS_PUBLISHED, new SeededRandom(5)).shape());
    }

    /**
     * S002-GQA-MASK-IGNORED: the published forward takes attention_mask and drops it, so a causal mask
     * leaves position 0 looking at the future; fixed, the mask is applied (loop reference, causal).
     */
    @Test
    void maskArgumentIsIgnored() {
        Tensor x = Tensor.randn(new SeededRandom(31), 1.0, 2, 4, 8);
        Tensor causal = dev.attnref.core.Masks.causal(4, 4, 0);                          // 1 = keep
        Seed002GroupQueryAttention published = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.AS_PUBLISHED,
                new SeededRandom(32));
        assertTrue(published.forward(x, causal).bitwiseEquals(published.forward(x)), "the mask changes nothing");
        Seed002GroupQueryAttention fixed = new Seed002GroupQueryAttention(8, 4, 2, Fidelity.FIXED, new SeededRandom(32));
        Map<String, Tensor> w = fixed.stateDict();
        double[] expected = LoopReference.groupedAttention(x, 4, 2, 2, 1 / Math.sqrt(2),
                w.get("q_proj.weight"), w.get("q_proj.bias"), w.get("k_proj.weight"), w.get("k_proj.bias"),
                w.get("v_proj.weight"), w.get("v_proj.bias"), w.get("o_proj.weight"), w.get("o_proj.bias"),
                (b, h, t, s) -> s <= t, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
        double diff = LoopReference.maxRelativeDiff(fixed.forward(x, causal).toArray(), expected);
        assertTrue(diff <= FLOAT64_REORDERED, "diff " + diff);
    }

    /**
     * S002-GQA-REPEAT-COPY: the comment calls the repeat a broadcast; repeat_interleave materialises R
     * copies of each kv head (a new tensor, no zero stride), where a broadcast (expand) would be a
     * stride-0 view of the same storage. Both give head h the values of kv head ⌊h/R⌋.
     */
    @Test
    void repeatInterleaveCopiesKeysAndValues() {
        Tensor k = Tensor.randn(new SeededRandom(41), 1.0, 2, 2, 3, 4);                  // [B, G, T, D]
        Tensor repeated = k.repeatInterleave(3, 1);                                     // [B, 6, T, D]
        Tensor broadcast = k.unsqueeze(2).expand(2, 2, 3, 3, 4);                        // [B, G, R, T, D]
        assertTrue(repeated.isContiguous());
        assertEquals(3 * k.numel(), repeated.numel());
        for (int stride : repeated.strides()) {
            assertTrue(stride > 0, "a copy has no zero stride");
        }
        assertEquals(0, broadcast.strides()[2], "a broadcast is a stride-0 view");
        assertTrue(repeated.bitwiseEquals(broadcast.reshape(2, 6, 3, 4)));
        assertEquals(k.get(1, 1, 2, 3), repeated.get(1, 5, 2, 3), "head 5 reads kv head ⌊5/3⌋ = 1");
    }
}
