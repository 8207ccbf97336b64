package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import dev.attnref.core.Float16;
import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 002's MHA and its example: the published bugs' effects, and the fixed mirror against a loop reference. */
class Seed002MultiHeadAttentionMirrorTest {

    /** A stream that swallows the published prints of tests that are not about them. */
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    static double[] reference(Map<String, Tensor> w, Tensor x, int heads, double scale, LoopReference.Keep keep,
            LoopReference.Fill fill) {
        int headDim = w.get("q_proj.weight").size(0) / heads;
        return LoopReference.groupedAttention(x, heads, heads, headDim, scale,
                w.get("q_proj.weight"), w.get("q_proj.bias"), w.get("k_proj.weight"), w.get("k_proj.bias"),
                w.get("v_proj.weight"), w.get("v_proj.bias"), w.get("o_proj.weight"), w.get("o_proj.bias"), keep, fill);
    }

    @Test
    void fixedInEvalModeMatchesTheLoopReferenceWithRandomKeepMasks() {
        for (long seed = 1; seed <= 5; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(4);
            int hidden = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            Seed002MultiHeadAttention mha = new Seed002MultiHeadAttention(hidden, heads, Fidelity.FIXED, random);
            mha.eval();
            Tensor x = Tensor.randn(random, 1.0, 2, len, hidden);
            Tensor keep = Tensor.uniform(random, 0, 1, 2, 1, len, len).lt(0.6);          // 1 = keep
            double[] expected = reference(mha.stateDict(), x, heads, 1 / Math.sqrt(hidden / heads),
                    (b, h, t, s) -> keep.get(b, 0, t, s) != 0, LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
            double diff = LoopReference.maxRelativeDiff(mha.forward(x, keep).toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " H " + heads + " M " + hidden + " T " + len
                    + ": diff " + diff);
        }
    }

    /** S002-PRINT: every published call prints the mask's type and the whole [B, H, T, T] weight tensor. */
    @Test
    void forwardPrintsMaskTypeAndAttentionWeights() {
        for (Fidelity fidelity : Fidelity.values()) {
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            Seed002MultiHeadAttention mha = new Seed002MultiHeadAttention(8, 2, fidelity, new SeededRandom(11))
                    .printTo(new PrintStream(captured, true, StandardCharsets.UTF_8));
            mha.eval();
            Tensor x = Tensor.randn(new SeededRandom(12), 1.0, 2, 3, 8);
            mha.forward(x, Masks.causal(3, 3, 0).view(1, 1, 3, 3));
            mha.forward(x, null);
            String printed = captured.toString(StandardCharsets.UTF_8);
            if (fidelity == Fidelity.FIXED) {
                assertEquals("", printed);
                continue;
            }
            assertTrue(printed.startsWith("<class 'torch.Tensor'>\ntensor([[[["), printed);
            assertTrue(printed.contains("<class 'NoneType'>"), printed);
            // Two calls × B·H·T·T = 2·2·3·3 = 36 weights each, every one printed with four decimals.
            assertEquals(72, printed.split("\\d\\.\\d{4}", -1).length - 1, printed);
        }
    }

    /** S002-DROPOUT: the example's module stays in training mode, so the same call gives a new output each time. */
    @Test
    void trainingModeOutputDependsOnDropoutDraw() {
        Seed002MultiHeadAttention.Example published = Seed002MultiHeadAttention.example(Fidelity.AS_PUBLISHED,
                new SeededRandom(21), QUIET);
        assertTrue(published.net().isTraining());
        Tensor again = published.net().forward(published.x(), published.attentionMask());
        assertTrue(again.maxAbsDiff(published.output()) > VISIBLE_EFFECT, "published: dropout redraws");

        Seed002MultiHeadAttention.Example fixed = Seed002MultiHeadAttention.example(Fidelity.FIXED,
                new SeededRandom(21), QUIET);
        assertFalse(fixed.net().isTraining());
        assertTrue(fixed.net().forward(fixed.x(), fixed.attentionMask()).bitwiseEquals(fixed.output()));
    }

    /**
     * S002-FULLMASK: the example's batch row 1 has mask [0, 0]. With the −1e20 fill both logits are
     * equal, so the row attends uniformly (the loop reference at scale 0, every key kept); fixed, the row
     * has zero attention and the output is o_proj's bias exactly. Rows 0 and 2 agree.
     */
    @Test
    void fullyMaskedRowAttendsUniformly() {
        Seed002MultiHeadAttention.Example published = Seed002MultiHeadAttention.example(Fidelity.AS_PUBLISHED,
                new SeededRandom(31), QUIET);
        Seed002MultiHeadAttention.Example fixed = Seed002MultiHeadAttention.example(Fidelity.FIXED,
                new SeededRandom(31), QUIET);
        published.net().eval();
        Tensor publishedOut = published.net().forward(published.x(), published.attentionMask());   // [3, 2, 128]
        Map<String, Tensor> w = published.net().stateDict();
        double[] uniform = reference(w, published.x(), 8, 0.0, LoopReference.Keep.ALL,
                LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
        double[] row1 = publishedOut.narrow(0, 1, 1).toArray();
        double[] uniformRow1 = java.util.Arrays.copyOfRange(uniform, 2 * 128, 4 * 128);
        assertTrue(LoopReference.maxRelativeDiff(row1, uniformRow1) <= FLOAT64_REORDERED, "published row 1 is uniform");

        Tensor bias = fixed.net().stateDict().get("o_proj.bias");
        for (int t = 0; t < 2; t++) {
            for (int m = 0; m < 128; m++) {
                assertEquals(bias.get(m), fixed.output().get(1, t, m), "fixed row 1, t " + t + ", m " + m);
            }
        }
        for (int b : new int[] {0, 2}) {
            double diff = LoopReference.maxRelativeDiff(publishedOut.narrow(0, b, 1).toArray(),
                    fixed.output().narrow(0, b, 1).toArray());
            assertTrue(diff <= FLOAT64_REORDERED, "row " + b + " diff " + diff);
        }
    }

    /**
     * S002-MASK-DOC: a (batch, seq) key mask, as the comment documents, broadcasts as (seq_q, seq_k):
     * with B = T = 3 the published call runs and hides the wrong keys; with B ≠ T it fails. Fixed, a 2-D
     * mask is a key-padding mask and gives the loop reference's key-padded result.
     */
    @Test
    void batchBySeqMaskIsAppliedPerQueryWhenBatchEqualsSeq() {
        int[] lengths = {3, 2, 1};
        Tensor keyMask = Masks.keyPadding(lengths, 3).reshape(3, 3);                    // (batch, seq)
        Tensor x = Tensor.randn(new SeededRandom(41), 1.0, 3, 3, 8);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed002MultiHeadAttention mha = new Seed002MultiHeadAttention(8, 2, fidelity, new SeededRandom(42))
                    .printTo(QUIET);
            mha.eval();
            double[] keyPadded = reference(mha.stateDict(), x, 2, 1 / Math.sqrt(4), (b, h, t, s) -> s < lengths[b],
                    LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
            double diff = LoopReference.maxRelativeDiff(mha.forward(x, keyMask).toArray(), keyPadded);
            if (fidelity == Fidelity.AS_PUBLISHED) {
                assertTrue(diff > VISIBLE_EFFECT, "published: a (batch, seq) mask does not mask keys per batch row");
                // As (batch, 1, 1, seq) the same mask works, so only its documented shape is wrong.
                double as4d = LoopReference.maxRelativeDiff(mha.forward(x, keyMask.view(3, 1, 1, 3)).toArray(), keyPadded);
                assertTrue(as4d <= FLOAT64_REORDERED, "published with a 4-D mask: " + as4d);
                Tensor x2 = Tensor.randn(new SeededRandom(43), 1.0, 2, 3, 8);
                assertThrows(IllegalArgumentException.class, () -> mha.forward(x2, Tensor.ones(2, 3)));
            } else {
                assertTrue(diff <= FLOAT64_REORDERED, "fixed: key padding, diff " + diff);
            }
        }
    }

    /**
     * S002-FP16-FILL: the published fill {@code float("-1e20")} is far beyond binary16's largest finite
     * value (2 − 2⁻¹⁰)·2¹⁵ = 65504, so it overflows half precision (PyTorch's masked_fill on a half tensor
     * raises); the fix's −∞ is a binary16 value.
     */
    @Test
    void fillValueOverflowsHalfPrecision() {
        double publishedFill = -1e20;                                   // masked_fill(attention_mask == 0, float("-1e20"))
        assertEquals(65504.0, (2 - Math.pow(2, -10)) * Math.pow(2, 15));
        assertTrue(Math.abs(publishedFill) > 65504.0);
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(publishedFill), "overflows to −∞");
        assertEquals(Double.NEGATIVE_INFINITY, Float16.round(Double.NEGATIVE_INFINITY), "−∞ is representable");
        assertEquals(-65504.0, Float16.round(-65504.0), "the largest finite magnitude survives");
    }

    /** S002-MHA-DIVIDES: hidden_dim 10 with 4 heads builds as published and fails at Q.view(B, T, 4, 2). */
    @Test
    void headsNotDividingHiddenDimFailsOnlyAtForward() {
        Seed002MultiHeadAttention published = new Seed002MultiHeadAttention(10, 4, Fidelity.AS_PUBLISHED,
                new SeededRandom(51)).printTo(QUIET);
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> published.forward(Tensor.zeros(1, 3, 10), null));
        // [1, 3, 10] holds 30 values; (1, 3, 4, 2) needs 24.
        assertTrue(late.getMessage().contains("shape [1, 3, 4, 2] is invalid for input of size 30"), late.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new Seed002MultiHeadAttention(10, 4, Fidelity.FIXED, new SeededRandom(51)));
        assertEquals("nums_head (4) must divide hidden_dim (10)", early.getMessage());
    }

    /**
     * S002-VIEW-DOC: the comment says view works only on contiguous memory. View needs compatible strides:
     * output_mid.transpose(1, 2) is not contiguous, yet splitting its last axis is a view; merging its
     * head and feature axes is not (stride T·D ≠ D when T &gt; 1), which is why the code copies first.
     */
    @Test
    void viewOfTransposedTensorWorksWhenStridesAllow() {
        Tensor outputMid = Tensor.randn(new SeededRandom(61), 1.0, 2, 4, 3, 6);          // [B, H, T, D]
        Tensor transposed = outputMid.transpose(1, 2);                                   // [B, T, H, D]
        assertFalse(transposed.isContiguous());
        Tensor split = transposed.view(2, 3, 4, 3, 2);                                   // D → (3, 2): a view
        assertEquals(transposed.get(1, 2, 3, 5), split.get(1, 2, 3, 2, 1));
        assertThrows(Tensor.ViewException.class, () -> transposed.view(2, 3, -1));
        assertArrayEquals(new int[] {2, 3, 24}, transposed.contiguous().view(2, 3, -1).shape());
        // Probe view_on_split_heads: x.view(B, T, H, D).transpose(1, 2).view(B·H, T, D) with H 2, T 3, D 4.
        Tensor oneBatch = Tensor.randn(new SeededRandom(62), 1.0, 1, 3, 2, 4).transpose(1, 2);   // [1, 2, 3, 4]
        assertFalse(oneBatch.isContiguous());
        assertEquals(oneBatch.get(0, 1, 2, 3), oneBatch.view(2, 3, 4).get(1, 2, 3), "B = 1: viewable");
        Tensor twoBatches = Tensor.randn(new SeededRandom(63), 1.0, 2, 3, 2, 4).transpose(1, 2);  // [2, 2, 3, 4]
        assertThrows(Tensor.ViewException.class, () -> twoBatches.view(4, 3, 4), "B = 2: not viewable");
    }
}
