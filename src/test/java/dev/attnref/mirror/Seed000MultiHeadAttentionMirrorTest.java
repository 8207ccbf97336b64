package dev.attnref.mirror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static dev.attnref.mirror.Tolerances.FLOAT64_REORDERED;
import static dev.attnref.mirror.Tolerances.VISIBLE_EFFECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 000 §1.1 (labml MHA): the published bugs' effects, and the fixed mirror against a loop reference. */
class Seed000MultiHeadAttentionMirrorTest {

    /** labml layout [T, B, M] → [B, T, M], the loop reference's layout. */
    private static Tensor batchFirst(Tensor sequenceFirst) {
        return sequenceFirst.transpose(0, 1).contiguous();
    }

    private static double[] reference(Map<String, Tensor> w, Tensor x, int heads, LoopReference.Keep keep,
            LoopReference.Fill fill) {
        int dK = w.get("query.linear.weight").size(0) / heads;
        return LoopReference.groupedAttention(batchFirst(x), heads, heads, dK, 1 / Math.sqrt(dK),
                w.get("query.linear.weight"), w.get("query.linear.bias"),
                w.get("key.linear.weight"), w.get("key.linear.bias"),
                w.get("value.linear.weight"), w.get("value.linear.bias"),
                w.get("output.weight"), w.get("output.bias"), keep, fill);
    }

    @Test
    void fixedMatchesTheLoopReferenceWithACausalMask() {
        for (long seed = 1; seed <= 4; seed++) {
            SeededRandom random = new SeededRandom(seed);
            int heads = 1 + random.nextInt(3);
            int dModel = heads * (1 + random.nextInt(3));
            int len = 1 + random.nextInt(4);
            int batch = 1 + random.nextInt(3);
            Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(heads, dModel, Fidelity.FIXED, random);
            mha.eval();
            Tensor x = Tensor.randn(random, 1.0, len, batch, dModel);                  // [T, B, M]
            Tensor causal = Masks.causal(len, len, 0).unsqueeze(-1);                     // [T, S, 1]
            Tensor out = batchFirst(mha.forward(x, x, x, causal));
            double[] expected = reference(mha.stateDict(), x, heads, (b, h, t, s) -> s <= t,
                    LoopReference.Fill.MINUS_INFINITY_ZERO_ROWS);
            double diff = LoopReference.maxRelativeDiff(out.toArray(), expected);
            assertTrue(diff <= FLOAT64_REORDERED, "seed " + seed + " heads " + heads + " d_model " + dModel
                    + " T " + len + " B " + batch + ": diff " + diff);
        }
    }

    /** S000-MHA-VBIAS: {@code bias=False} still builds V with a bias, and that bias reaches the output. */
    @Test
    void biasFalseStillGivesValueProjectionABias() {
        Seed000MultiHeadAttention published = new Seed000MultiHeadAttention(2, 4, 0.1, false,
                Fidelity.AS_PUBLISHED, new SeededRandom(11));
        published.eval();
        Map<String, Tensor> state = published.stateDict();
        assertFalse(state.containsKey("query.linear.bias"));
        assertFalse(state.containsKey("key.linear.bias"));
        assertTrue(state.containsKey("value.linear.bias"), "as published V has a bias although bias=False");
        Tensor x = Tensor.randn(new SeededRandom(12), 1.0, 3, 2, 4);
        Tensor before = published.forward(x, x, x, null);
        Map<String, Tensor> shifted = new LinkedHashMap<>(state);
        shifted.put("value.linear.bias", state.get("value.linear.bias").add(1.0));
        published.loadStateDict(shifted);
        assertTrue(published.forward(x, x, x, null).maxAbsDiff(before) > VISIBLE_EFFECT,
                "the value bias that bias=False should have removed changes the output");

        Seed000MultiHeadAttention fixed = new Seed000MultiHeadAttention(2, 4, 0.1, false, Fidelity.FIXED,
                new SeededRandom(11));
        assertFalse(fixed.stateDict().containsKey("value.linear.bias"), "fixed: bias=False reaches V");
    }

    /** S000-MHA-NANROW: a query whose keys are all hidden gets NaN as published, zeros when fixed. */
    @Test
    void queryRowWithNoVisibleKeyGivesNaN() {
        int len = 3;
        // mask[i, j, b]: query 1 sees no key; the others see every key.
        double[] keep = new double[len * len];
        for (int i = 0; i < len; i++) {
            for (int j = 0; j < len; j++) {
                keep[i * len + j] = i == 1 ? 0 : 1;
            }
        }
        Tensor mask = Tensor.of(keep, len, len, 1);
        Tensor x = Tensor.randn(new SeededRandom(13), 1.0, len, 1, 4);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, fidelity, new SeededRandom(14));
            mha.eval();
            Tensor out = mha.forward(x, x, x, mask);
            Tensor attn = mha.attn();                                                   // [T, S, B, H]
            for (int h = 0; h < 2; h++) {
                for (int j = 0; j < len; j++) {
                    double a = attn.get(1, j, 0, h);
                    assertTrue(fidelity == Fidelity.AS_PUBLISHED ? Double.isNaN(a) : a == 0.0, fidelity + " attn " + a);
                }
            }
            // The NaN stays in row 1: rows 0 and 2 are finite in both fidelities.
            assertTrue(Double.isFinite(out.get(0, 0, 0)) && Double.isFinite(out.get(2, 0, 3)));
            if (fidelity == Fidelity.FIXED) {
                // Zero attention → x = 0 → output = W_O·0 + b_O, the output bias, exactly.
                Tensor bias = mha.stateDict().get("output.bias");
                for (int m = 0; m < 4; m++) {
                    assertEquals(bias.get(m), out.get(1, 0, m));
                }
            } else {
                assertTrue(Double.isNaN(out.get(1, 0, 0)));
            }
        }
    }

    /** S000-MHA-DIVIDES: d_model = 10, heads = 3 builds as published and fails only in {@code self.output}. */
    @Test
    void headsNotDividingModelWidthFailsOnlyAtForward() {
        Seed000MultiHeadAttention published = new Seed000MultiHeadAttention(3, 10, Fidelity.AS_PUBLISHED,
                new SeededRandom(15));
        assertEquals(3, published.dK(), "d_k = 10 // 3");
        Tensor x = Tensor.randn(new SeededRandom(16), 1.0, 2, 1, 10);
        IllegalArgumentException late = assertThrows(IllegalArgumentException.class,
                () -> published.forward(x, x, x, null));
        // The heads concatenate to 3·3 = 9 features; the output layer expects 10.
        assertTrue(late.getMessage().contains("Linear(10 → 10) got input of shape [2, 1, 9]"), late.getMessage());
        IllegalArgumentException early = assertThrows(IllegalArgumentException.class,
                () -> new Seed000MultiHeadAttention(3, 10, Fidelity.FIXED, new SeededRandom(15)));
        assertEquals("heads (3) must divide d_model (10)", early.getMessage());
    }

    /** S002-DROPOUT in 000 §1.1: dropout 0.1 by default, active in training mode (where modules start). */
    @Test
    void outputIsRandomInTrainingModeAndDeterministicInEval() {
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, fidelity, new SeededRandom(17));
            Tensor x = Tensor.randn(new SeededRandom(18), 1.0, 4, 2, 4);
            assertTrue(mha.forward(x, x, x, null).maxAbsDiff(mha.forward(x, x, x, null)) > VISIBLE_EFFECT, fidelity.name());
            mha.eval();
            assertTrue(mha.forward(x, x, x, null).bitwiseEquals(mha.forward(x, x, x, null)), fidelity.name());
        }
    }

    @Test
    void aMaskWhoseKeyAxisDoesNotMatchFailsLabmlsAssert() {
        Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, Fidelity.AS_PUBLISHED,
                new SeededRandom(19));
        Tensor x = Tensor.randn(new SeededRandom(20), 1.0, 3, 1, 4);
        MirroredPythonError e = assertThrows(MirroredPythonError.class,
                () -> mha.forward(x, x, x, Tensor.ones(3, 2, 1)));
        assertEquals("AssertionError", e.pythonType());
        assertTrue(e.getMessage().contains("mask.shape[1] == key_shape[0]"), e.getMessage());
    }

    /**
     * S000-MHA-ATTN-DROPPED: in training mode the published {@code self.attn} holds the dropped-out,
     * rescaled weights (entries 0 or p/(1 − p)-inflated, rows not summing to 1); fixed, the softmax itself.
     */
    @Test
    void savedAttentionInTrainingModeIsAfterDropout() {
        Tensor x = Tensor.randn(new SeededRandom(23), 1.0, 5, 2, 4);
        for (Fidelity fidelity : Fidelity.values()) {
            Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, 0.5, true, fidelity, new SeededRandom(24));
            mha.forward(x, x, x, null);
            double worst = 0;
            for (double s : mha.attn().sum(1, false).toArray()) {
                worst = Math.max(worst, Math.abs(s - 1));
            }
            if (fidelity == Fidelity.AS_PUBLISHED) {
                assertTrue(worst > VISIBLE_EFFECT, "published: rows of the saved attention do not sum to 1");
            } else {
                assertTrue(worst <= FLOAT64_REORDERED, "fixed: saved before dropout, rows sum to 1");
            }
        }
    }

    @Test
    void attnIsSoftmaxOverTheKeyAxis() {
        Seed000MultiHeadAttention mha = new Seed000MultiHeadAttention(2, 4, Fidelity.AS_PUBLISHED,
                new SeededRandom(21));
        mha.eval();
        Tensor x = Tensor.randn(new SeededRandom(22), 1.0, 3, 2, 4);
        mha.forward(x, x, x, null);
        // nn.Softmax(dim=1) on [T, S, B, H]: every (i, b, h) sums to 1 over j.
        Tensor sums = mha.attn().sum(1, false);                                         // [T, B, H]
        for (double s : sums.toArray()) {
            assertEquals(1.0, s, FLOAT64_REORDERED);
        }
    }

    /**
     * S000-MHA-DOC-SHAPE: the comment says a 2-D input {@code [batch_size, d_model]} comes out as
     * {@code [batch_size, heads, d_model]}; it comes out as {@code [batch_size, heads, d_k]}, here
     * {@code [5, 2, 3]} for d_model 6, and each head holds its d_k rows of the linear map.
     */
    @Test
    void prepareOnTwoDimensionalInputGivesHeadsByDk() {
        Seed000MultiHeadAttention.PrepareForMultiHeadAttention prepare =
                new Seed000MultiHeadAttention.PrepareForMultiHeadAttention(6, 2, 3, true, new SeededRandom(25));
        Tensor x = Tensor.randn(new SeededRandom(26), 1.0, 5, 6);
        Tensor y = prepare.forward(x);
        assertArrayEquals(new int[] {5, 2, 3}, y.shape());
        Map<String, Tensor> w = prepare.stateDict();
        double[] flat = LoopReference.linear(x.toArray(), 5, w.get("linear.weight"), w.get("linear.bias"));
        // y[b, h, d] is output feature h·d_k + d of the linear map.
        assertTrue(LoopReference.maxRelativeDiff(y.toArray(), flat) <= FLOAT64_REORDERED);
    }
}
