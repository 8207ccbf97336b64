package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Masks}, {@link MaskConvention} and {@link CausalAlignment}, by hand. */
class MasksTest {
    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    private static void assertMask(int[] shape, double[] values, Tensor actual) {
        assertArrayEquals(shape, actual.shape(), "shape");
        assertArrayEquals(values, actual.toArray(), actual.toString());
    }

    private static String rejects(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }

    @Test
    void causalSquareIsLowerTriangular() {
        // keep[t, s] = 1 iff s ≤ t.
        assertMask(new int[] {3, 3}, new double[] {1, 0, 0, 1, 1, 0, 1, 1, 1}, Masks.causal(3, 3, 0));
    }

    @Test
    void causalWithAQueryOffsetSeesThePast() {
        // Queries at positions 2, 3 over keys 0..3: s ≤ 2 → (1 1 1 0); s ≤ 3 → (1 1 1 1).
        assertMask(new int[] {2, 4}, new double[] {1, 1, 1, 0, 1, 1, 1, 1}, Masks.causal(2, 4, 2));
        // An offset beyond the keys (ONNX past longer than the new keys shown) keeps everything.
        assertMask(new int[] {1, 2}, new double[] {1, 1}, Masks.causal(1, 2, 5));
    }

    @Test
    void alignmentsNumberTheQueries() {
        // T = 2, S = 4. Top-left: queries 0, 1 → (1 0 0 0), (1 1 0 0).
        assertEquals(0, CausalAlignment.TOP_LEFT.queryStart(2, 4));
        assertMask(new int[] {2, 4}, new double[] {1, 0, 0, 0, 1, 1, 0, 0}, Masks.causal(2, 4, CausalAlignment.TOP_LEFT));
        // Bottom-right: queries S − T = 2, 3 → (1 1 1 0), (1 1 1 1).
        assertEquals(2, CausalAlignment.BOTTOM_RIGHT.queryStart(2, 4));
        assertMask(new int[] {2, 4}, new double[] {1, 1, 1, 0, 1, 1, 1, 1},
                Masks.causal(2, 4, CausalAlignment.BOTTOM_RIGHT));
        // Top-left with T > S: queries 0, 1, 2 over keys 0, 1 → (1 0), (1 1), (1 1).
        assertMask(new int[] {3, 2}, new double[] {1, 0, 1, 1, 1, 1}, Masks.causal(3, 2, CausalAlignment.TOP_LEFT));
        // Equal lengths: the alignments coincide.
        assertTrue(Masks.causal(3, 3, CausalAlignment.TOP_LEFT).bitwiseEquals(Masks.causal(3, 3, CausalAlignment.BOTTOM_RIGHT)));
    }

    @Test
    void causalRejectsImpossibleArguments() {
        assertEquals("bottom-right alignment needs kvLen (2) ≥ qLen (3)",
                rejects(() -> Masks.causal(3, 2, CausalAlignment.BOTTOM_RIGHT)));
        assertEquals("qLen (-1) must be non-negative", rejects(() -> Masks.causal(-1, 2, 0)));
        assertEquals("kvLen (-1) must be non-negative", rejects(() -> Masks.causal(1, -1, 0)));
        assertEquals("queryStart (-1) must be non-negative", rejects(() -> Masks.causal(1, 2, -1)));
    }

    @Test
    void keyPaddingKeepsTheFirstLengthKeysPerBatchRow() {
        // Lengths (2, 0, 3) over S = 3 → [B, 1, 1, S] rows (1 1 0), (0 0 0), (1 1 1).
        assertMask(new int[] {3, 1, 1, 3}, new double[] {1, 1, 0, 0, 0, 0, 1, 1, 1}, Masks.keyPadding(new int[] {2, 0, 3}, 3));
        assertEquals("key length 4 of batch row 1 must be in [0, 3]", rejects(() -> Masks.keyPadding(new int[] {1, 4}, 3)));
        assertEquals("key length -1 of batch row 0 must be in [0, 3]", rejects(() -> Masks.keyPadding(new int[] {-1}, 3)));
    }

    @Test
    void conventionsSayWhichValueHides() {
        assertFalse(MaskConvention.KEEP_WHERE_TRUE.hides(1));
        assertTrue(MaskConvention.KEEP_WHERE_TRUE.hides(0));
        assertTrue(MaskConvention.HIDE_WHERE_TRUE.hides(1));
        assertFalse(MaskConvention.HIDE_WHERE_TRUE.hides(0));
    }

    @Test
    void toAdditiveGivesZeroOrNegativeInfinity() {
        Tensor mask = Tensor.of(new double[] {1, 0, 0, 1}, 2, 2);
        assertMask(new int[] {2, 2}, new double[] {0, NEG_INF, NEG_INF, 0}, Masks.toAdditive(mask, MaskConvention.KEEP_WHERE_TRUE));
        assertMask(new int[] {2, 2}, new double[] {NEG_INF, 0, 0, NEG_INF}, Masks.toAdditive(mask, MaskConvention.HIDE_WHERE_TRUE));
    }

    @Test
    void toKeepNormalisesToOneMeansKeep() {
        Tensor mask = Tensor.of(new double[] {1, 0}, 2);
        assertMask(new int[] {2}, new double[] {1, 0}, Masks.toKeep(mask, MaskConvention.KEEP_WHERE_TRUE));
        assertMask(new int[] {2}, new double[] {0, 1}, Masks.toKeep(mask, MaskConvention.HIDE_WHERE_TRUE));
    }

    @Test
    void nonBooleanMasksAreRejected() {
        Tensor soft = Tensor.of(new double[] {1, 0.5}, 2);
        assertEquals("boolean mask of shape [2] holds 0.5 at flat index 1; expected only 0 or 1",
                rejects(() -> Masks.toAdditive(soft, MaskConvention.KEEP_WHERE_TRUE)));
        assertEquals("boolean mask of shape [2] holds 0.5 at flat index 1; expected only 0 or 1",
                rejects(() -> Masks.toKeep(soft, MaskConvention.HIDE_WHERE_TRUE)));
    }

    @Test
    void andCombinesCausalAndPaddingByBroadcasting() {
        // Causal [2, 2] = (1 0), (1 1); padding with length 1 → [1, 1, 1, 2] = (1 0).
        // AND → [1, 1, 2, 2] = (1 0), (1 0).
        Tensor both = Masks.and(Masks.causal(2, 2, 0), Masks.keyPadding(new int[] {1}, 2));
        assertMask(new int[] {1, 1, 2, 2}, new double[] {1, 0, 1, 0}, both);
    }

    @Test
    void additiveCausalMaskMakesSoftmaxUniformOverVisibleKeys() {
        // Zero logits plus the additive causal mask: row t sees t + 1 keys, each with 1/(t + 1).
        Tensor p = Tensor.zeros(3, 3).add(Masks.toAdditive(Masks.causal(3, 3, 0), MaskConvention.KEEP_WHERE_TRUE)).softmax(-1);
        assertMask(new int[] {3, 3}, new double[] {1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}, p);
    }
}
