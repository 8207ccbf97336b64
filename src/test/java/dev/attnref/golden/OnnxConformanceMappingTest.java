package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ONNX → oracle mapping of {@link OnnxConformance} on what the 76 goldens do not cover (the
 * README's "Gaps to cover with your own tests"), each built from a real case: the 3D head split with
 * distinct keys and values, nonpad_kv_seqlen with 3D input, mode 0 with softcap, present outputs
 * without a past, a bool mask with a past, a rank-3 mask; plus the comparison rule and the cases
 * the mapping must refuse.
 */
class OnnxConformanceMappingTest {
    /** ONNX's node-test default (rtol 1e-3, atol 1e-7), which every real case file states: a fact of the data. */
    private static final OnnxAttentionCase.Tolerance ONNX_DEFAULT = new OnnxAttentionCase.Tolerance(1e-3, 1e-7);

    private static OnnxAttentionCase load(String name) {
        return OnnxAttentionCase.read(OnnxConformance.defaultCaseDirectory().resolve(name + ".json"));
    }

    private static OnnxAttentionCase with(OnnxAttentionCase c, OnnxAttentionCase.Attributes attributes,
            Map<String, StoredTensor> inputs, Map<String, StoredTensor> outputs) {
        return new OnnxAttentionCase(c.name() + " (edited)", c.opset(), attributes, inputs, outputs, c.tolerance());
    }

    private static OnnxAttentionCase.Attributes withHeads(OnnxAttentionCase.Attributes a, Integer q, Integer kv) {
        return new OnnxAttentionCase.Attributes(a.isCausal(), a.scale(), q, kv, a.softcap(), a.softmaxPrecision(),
                a.qkMatmulOutputMode());
    }

    private static OnnxAttentionCase.Attributes withMode(OnnxAttentionCase.Attributes a, double softcap, int mode) {
        return new OnnxAttentionCase.Attributes(a.isCausal(), a.scale(), a.qNumHeads(), a.kvNumHeads(), softcap,
                a.softmaxPrecision(), mode);
    }

    /** [B, H, S, W] → [B, S, H·W], the layout a 3D ONNX input has. */
    private static StoredTensor to3d(StoredTensor t) {
        int[] s = t.shape();
        return new StoredTensor(t.dtype(), new int[] {s[0], s[2], s[1] * s[3]},
                OnnxConformance.mergeHeads(t.values(), s[0], s[2], s[1], s[3]), null);
    }

    private static void assertPasses(OnnxConformance.CaseReport report) {
        assertEquals(null, report.error());
        for (OnnxConformance.OutputCheck check : report.checks()) {
            assertTrue(check.passed(), check.output() + ": " + check.firstFailure());
        }
        assertTrue(report.passed());
    }

    @Test
    void headSplitSwapsSequenceAndHeadAxes() {
        // [B=1, S=2, H·W = 2·1] = (a, b, c, d): position 0 holds heads (a, b), position 1 holds (c, d).
        // [B, H, S, W]: head 0 = (a, c), head 1 = (b, d).
        double[] x3 = {1, 2, 3, 4};
        assertArrayEquals(new double[] {1, 3, 2, 4}, OnnxConformance.splitHeads(x3, 1, 2, 2, 1), 0.0);
        assertArrayEquals(x3, OnnxConformance.mergeHeads(new double[] {1, 3, 2, 4}, 1, 2, 2, 1), 0.0);
    }

    @Test
    void threeDInputsWithDistinctKeysAndValuesReproduceTheFourDGolden() {
        // test_attention_3d_transpose_verification has constant K and V, so it cannot see a wrong split.
        // Here the 4D golden (random K, V, Dv ≠ D) is rewritten as 3D, expected Y included.
        OnnxAttentionCase c = load("test_attention_4d_diff_heads_sizes");
        Map<String, StoredTensor> inputs = new LinkedHashMap<>();
        for (String slot : new String[] {"Q", "K", "V"}) {
            inputs.put(slot, to3d(c.inputs().get(slot)));
        }
        OnnxAttentionCase threeD = with(c, withHeads(c.attributes(), 3, 3), inputs, Map.of("Y", to3d(c.outputs().get("Y"))));
        assertPasses(OnnxConformance.check(threeD));
        // Reading the 4D bytes as if they were 3D (a split without the transpose) does not.
        Map<String, StoredTensor> unsplit = new LinkedHashMap<>();
        for (String slot : new String[] {"Q", "K", "V"}) {
            StoredTensor t = c.inputs().get(slot);
            int[] s = t.shape();
            unsplit.put(slot, new StoredTensor(t.dtype(), new int[] {s[0], s[2], s[1] * s[3]}, t.values(), null));
        }
        assertFalse(OnnxConformance.check(with(c, withHeads(c.attributes(), 3, 3), unsplit,
                Map.of("Y", to3d(c.outputs().get("Y"))))).passed());
    }

    @Test
    void nonpadLengthsWorkWithThreeDInputs() {
        // GQA decode with per-batch nonpad lengths (8, 5), rewritten as 3D: Hq = 4, Hkv = 2.
        OnnxAttentionCase c = load("test_attention_4d_gqa_causal_nonpad_decode");
        Map<String, StoredTensor> inputs = new LinkedHashMap<>(c.inputs());
        for (String slot : new String[] {"Q", "K", "V"}) {
            inputs.put(slot, to3d(c.inputs().get(slot)));
        }
        assertPasses(OnnxConformance.check(with(c, withHeads(c.attributes(), 4, 2), inputs,
                Map.of("Y", to3d(c.outputs().get("Y"))))));
    }

    @Test
    void modeZeroReturnsScoresBeforeSoftcapAsTheSpecSays() {
        // The golden of 4d_with_qk_matmul_softcap is mode 1 (c = 2): qk = 2·tanh(S/2).
        OnnxAttentionCase c = load("test_attention_4d_with_qk_matmul_softcap");
        assertEquals(1, c.attributes().qkMatmulOutputMode());
        double softcap = c.attributes().softcap();
        double[] raw = OnnxConformance.compute(with(c, withMode(c.attributes(), softcap, 0), c.inputs(), c.outputs()))
                .get("qk_matmul_output").values();
        double[] rawWithoutSoftcap = OnnxConformance.compute(with(c, withMode(c.attributes(), 0, 0), c.inputs(), c.outputs()))
                .get("qk_matmul_output").values();
        assertArrayEquals(rawWithoutSoftcap, raw, 0.0, "mode 0 does not depend on softcap");
        // Capping the mode-0 scores by hand gives the mode-1 golden.
        double[] golden = c.outputs().get("qk_matmul_output").values();
        boolean someScoreIsCapped = false;
        for (int i = 0; i < raw.length; i++) {
            double capped = softcap * Math.tanh(raw[i] / softcap);
            assertTrue(ONNX_DEFAULT.allows((float) capped, golden[i]), "element " + i);
            someScoreIsCapped |= Math.abs(capped - raw[i]) > 1e-3;
        }
        assertTrue(someScoreIsCapped, "the case's scores are large enough for the cap to matter");
    }

    @Test
    void presentOutputsWithoutAPastAreTheNewKeysAndValues() {
        OnnxAttentionCase c = load("test_attention_4d_gqa");
        Map<String, StoredTensor> outputs = new LinkedHashMap<>(c.outputs());
        outputs.put("present_key", c.inputs().get("K"));
        outputs.put("present_value", c.inputs().get("V"));
        assertPasses(OnnxConformance.check(with(c, c.attributes(), c.inputs(), outputs)));
    }

    @Test
    void boolMaskWithAPastEqualsItsZeroAndMinusInfinityFloatMask() {
        // Keep a key where the golden's float mask is above 0.5: the same visibility as a bool mask.
        OnnxAttentionCase c = load("test_attention_4d_with_past_and_present");
        StoredTensor floatMask = c.inputs().get("attn_mask");
        double[] keep = new double[floatMask.values().length];
        double[] additive = new double[keep.length];
        int hidden = 0;
        for (int i = 0; i < keep.length; i++) {
            keep[i] = floatMask.values()[i] > 0.5 ? 1.0 : 0.0;
            additive[i] = keep[i] == 1.0 ? 0.0 : Double.NEGATIVE_INFINITY;
            hidden += keep[i] == 1.0 ? 0 : 1;
        }
        assertTrue(hidden > 0 && hidden < keep.length);
        Map<String, StoredTensor> boolInputs = new LinkedHashMap<>(c.inputs());
        boolInputs.put("attn_mask", new StoredTensor(DType.BOOL, floatMask.shape(), keep, null));
        Map<String, StoredTensor> floatInputs = new LinkedHashMap<>(c.inputs());
        floatInputs.put("attn_mask", new StoredTensor(floatMask.dtype(), floatMask.shape(), additive, null));
        double[] viaBool = OnnxConformance.compute(with(c, c.attributes(), boolInputs, c.outputs())).get("Y").values();
        double[] viaFloat = OnnxConformance.compute(with(c, c.attributes(), floatInputs, c.outputs())).get("Y").values();
        assertArrayEquals(viaFloat, viaBool, 0.0);
        assertNotEquals(c.outputs().get("Y").values()[0], viaBool[0], "the edited mask changes the result");
    }

    @Test
    void rankThreeMaskMeansHeadsQueriesKeys() {
        // 4d_attn_mask_4d has a [2, 3, 4, 6] mask; with batch row 0's [3, 4, 6] slice as a rank-3 mask,
        // every batch row must see that slice (right-aligned: [H, T, S]), exactly as [1, 3, 4, 6] does.
        OnnxAttentionCase c = load("test_attention_4d_attn_mask_4d");
        StoredTensor mask = c.inputs().get("attn_mask");
        double[] slice = Arrays.copyOf(mask.values(), 3 * 4 * 6);
        Map<String, StoredTensor> rank3 = new LinkedHashMap<>(c.inputs());
        rank3.put("attn_mask", new StoredTensor(mask.dtype(), new int[] {3, 4, 6}, slice, null));
        Map<String, StoredTensor> rank4 = new LinkedHashMap<>(c.inputs());
        rank4.put("attn_mask", new StoredTensor(mask.dtype(), new int[] {1, 3, 4, 6}, slice, null));
        assertArrayEquals(OnnxConformance.compute(with(c, c.attributes(), rank4, c.outputs())).get("Y").values(),
                OnnxConformance.compute(with(c, c.attributes(), rank3, c.outputs())).get("Y").values(), 0.0);
        // Batch row 0 keeps its golden: the slice is its own mask.
        double[] y = OnnxConformance.compute(with(c, c.attributes(), rank3, c.outputs())).get("Y").values();
        double[] golden = c.outputs().get("Y").values();
        for (int i = 0; i < 3 * 4 * 8; i++) {
            assertTrue(ONNX_DEFAULT.allows(y[i], golden[i]), "element " + i);
        }
    }

    @Test
    void comparisonMatchesMinusInfinityExactlyAndNamesTheFirstFailure() {
        StoredTensor expected = new StoredTensor(DType.F32, new int[] {3}, new double[] {1, Double.NEGATIVE_INFINITY, 0}, null);
        // |1.0005 − 1| = 5e-4 ≤ 1e-7 + 1e-3·1.
        OnnxConformance.OutputCheck ok = OnnxConformance.compare("Y",
                new StoredTensor(DType.F32, new int[] {3}, new double[] {1.0005, Double.NEGATIVE_INFINITY, 0}, null),
                expected, ONNX_DEFAULT);
        assertTrue(ok.passed());
        assertEquals(2, ok.exactElements());
        assertEquals(5e-4, ok.maxAbsError(), Tolerances.HAND_COMPUTED);
        // A large finite value where −∞ is expected fails, however negative.
        OnnxConformance.OutputCheck notInfinite = OnnxConformance.compare("qk",
                new StoredTensor(DType.F32, new int[] {3}, new double[] {1, -1e30, 0}, null), expected, ONNX_DEFAULT);
        assertFalse(notInfinite.passed());
        assertTrue(notInfinite.firstFailure().startsWith("flat index 1"), notInfinite.firstFailure());
        // 1.002 is outside 1e-7 + 1e-3·1.
        OnnxConformance.OutputCheck off = OnnxConformance.compare("Y",
                new StoredTensor(DType.F32, new int[] {3}, new double[] {1.002, Double.NEGATIVE_INFINITY, 0}, null),
                expected, ONNX_DEFAULT);
        assertFalse(off.passed());
        assertTrue(off.firstFailure().startsWith("flat index 0"), off.firstFailure());
        // A shape or dtype mismatch fails before any element is compared.
        assertFalse(OnnxConformance.compare("Y", new StoredTensor(DType.F16, new int[] {3}, new double[3], null),
                expected, ONNX_DEFAULT).passed());
    }

    @Test
    void casesOutsideTheContractAreRefusedWithTheirReason() {
        OnnxAttentionCase padded = load("test_attention_4d_diff_heads_mask4d_padded_kv");
        OnnxAttentionCase atOpset23 = new OnnxAttentionCase(padded.name(), 23, padded.attributes(), padded.inputs(),
                padded.outputs(), padded.tolerance());
        assertTrue(OnnxConformance.check(atOpset23).error().contains("padding a short mask is an opset-24 rule"));

        OnnxAttentionCase decode = load("test_attention_4d_gqa_causal_nonpad_decode");
        Map<String, StoredTensor> withPast = new LinkedHashMap<>(decode.inputs());
        withPast.put("past_key", decode.inputs().get("K"));
        withPast.put("past_value", decode.inputs().get("V"));
        assertTrue(OnnxConformance.check(with(decode, decode.attributes(), withPast, decode.outputs())).error()
                .contains("nonpad_kv_seqlen must not be combined with past_* or present_*"));

        OnnxAttentionCase fourD = load("test_attention_4d");
        assertTrue(OnnxConformance.check(with(fourD, withHeads(fourD.attributes(), 3, 3), fourD.inputs(), fourD.outputs()))
                .error().contains("q_num_heads / kv_num_heads are set but Q is 4D"));
        assertTrue(OnnxConformance.check(with(fourD, withMode(fourD.attributes(), -1, 0), fourD.inputs(), fourD.outputs()))
                .error().contains("softcap (-1.0) is negative"));
    }
}
