package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.attnref.fast.AttentionDims;
import dev.attnref.peer.TorchPeer;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The low-precision cases (cases-v2-precision.json): their inputs are exactly bf16 or fp16 values, their
 * baseline errors are those of a plain implementation in that precision, and a real one, PyTorch 2.10's
 * {@code scaled_dot_product_attention} run in bf16 and fp16 in-process, errs by the same order and passes
 * the rule (error ≤ k × baseline + floor); ports with a real bug, computed in the same precision, fail it.
 */
class PrecisionCasesTest {
    /** Cases and their definitions by id, generated once. */
    private static final Map<String, GoldenCase> CASES = new LinkedHashMap<>();
    private static final Map<String, GoldenGenerator.Definition> DEFINITIONS = new LinkedHashMap<>();

    @BeforeAll
    static void generate() throws IOException {
        try (InputStream in = GoldenCases.class.getResourceAsStream("cases-v2-precision.json")) {
            for (GoldenGenerator.Definition d : GoldenCases.definitions(Json.MAPPER.readTree(in))) {
                DEFINITIONS.put(d.id(), d);
                CASES.put(d.id(), GoldenGenerator.generate(d));
            }
        }
    }

    private static Precision precision(GoldenCase c) {
        return c.lowPrecision().precision();
    }

    @Test
    void everyFloatInputHoldsExactlyValuesOfTheCasePrecision() {
        assertEquals(9, CASES.size());
        for (GoldenCase c : CASES.values()) {
            Precision p = precision(c);
            for (Map.Entry<String, StoredTensor> e : c.inputs().all().entrySet()) {
                StoredTensor t = e.getValue();
                if (t.dtype() == DType.I64 || t.dtype() == DType.BOOL) {
                    continue;
                }
                assertEquals(p.dtype(), t.dtype(), c.id() + " " + e.getKey());
                for (double v : t.values()) {
                    assertEquals(p.round(v), v, c.id() + " " + e.getKey() + " holds " + v);
                }
            }
        }
    }

    @Test
    void theBaselineIsThePlainImplementationsMaxAbsErrorAndOfTheOrderOfTheUnitRoundoff() {
        for (GoldenCase c : CASES.values()) {
            Precision p = precision(c);
            Map<String, double[]> plain = c.prepared().lowPrecision(c.inputs(), p);
            double unitRoundoff = p == Precision.BF16 ? 0x1.0p-8 : 0x1.0p-11;
            for (Map.Entry<String, Double> e : c.lowPrecision().baselineErrors().entrySet()) {
                double[] expected = c.expected().get(e.getKey()).values();
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    if (Double.isFinite(expected[i])) {
                        worst = Math.max(worst, Math.abs(plain.get(e.getKey())[i] - expected[i]));
                    }
                }
                assertEquals(worst, e.getValue(), 0.0, c.id() + " " + e.getKey());
                boolean copy = e.getKey().startsWith("present_");
                // A copy of stored inputs is exact; every computed tensor errs by a few roundings of values ≲ 4.
                assertTrue(copy ? worst == 0 : worst > unitRoundoff / 64 && worst < 8 * unitRoundoff,
                        c.id() + " " + e.getKey() + " baseline " + worst);
            }
        }
    }

    /**
     * PyTorch's own bf16/fp16 SDPA against the float64 expected output: its error passes the rule, and its ratio
     * to the baseline (printed, and quoted in reference-data/README.md) lies within a factor of 4 either way.
     */
    @Test
    void pyTorchInTheCasePrecisionErrsByTheSameOrderAndPassesTheRule() {
        TorchPeer torch = new TorchPeer(1);
        for (GoldenCase c : CASES.values()) {
            Precision p = precision(c);
            float[] out = torch.attendInHalfPrecision(dims(c), floats(c, "query"), keysOrValues(c, "key"),
                    keysOrValues(c, "value"), torchMask(c),
                    p == Precision.BF16 ? TorchPeer.Precision.BFLOAT16 : TorchPeer.Precision.FLOAT16);
            double[] expected = c.expected().get("output").values();
            double error = 0;
            for (int i = 0; i < expected.length; i++) {
                error = Math.max(error, Math.abs(out[i] - expected[i]));
            }
            double baseline = c.lowPrecision().baselineErrors().get("output");
            Tolerance rule = c.tolerance("output", p);
            System.out.printf(Locale.ROOT, "%-34s %s  torch error %.3e  baseline %.3e  ratio %.2f  bound %.3e%n",
                    c.id(), p.cliName(), error, baseline, error / baseline, rule.atol());
            assertTrue(error <= rule.atol(), c.id() + ": PyTorch's " + p.cliName() + " error " + error + " exceeds the bound "
                    + rule.atol());
            assertTrue(error / baseline > 0.25 && error / baseline < 4, c.id() + ": PyTorch's error " + error
                    + " vs baseline " + baseline);
        }
    }

    /** Ports with a real bug, computed in the case's precision by the same plain implementation, fail the rule. */
    @Test
    void theRuleFlagsBuggyPortsInTheSamePrecision() {
        assertFlagged("attention-bf16-gqa", c -> c.put("scale", 1.0 / 64), "output");          // 1/D for 1/√D
        assertFlagged("attention-fp16-gqa", c -> c.put("scale", 1.0 / 64), "output");
        assertFlagged("attention-bf16-decode", c -> c.set("causal", Json.object().put("alignment", "top_left")), "output");
        assertFlagged("attention-fp16-mha-causal", c -> c.putNull("causal"), "output");        // the mask forgotten
        assertFlagged("attention-bf16-gqa-masks", c -> c.put("mask_fill", -1e-9), "output");   // a fill that leaks
        assertFlagged("attention-fp16-decode", c -> c.put("key_lengths", false), "output");    // padding ignored
    }

    private interface Mutation {
        void apply(ObjectNode config);
    }

    private static void assertFlagged(String id, Mutation mutation, String tensor) {
        GoldenCase c = CASES.get(id);
        Precision p = precision(c);
        assertTrue(GoldenVerifier.verify(c, port(c, DEFINITIONS.get(id).config()), p).passed(), id + ": the plain port");
        ObjectNode config = DEFINITIONS.get(id).config().deepCopy();
        mutation.apply(config);
        GoldenVerifier.CaseReport r = GoldenVerifier.verify(c, port(c, config), p);
        GoldenVerifier.TensorReport t = tensor(r, tensor);
        assertFalse(t.passed(), id + " " + config + ": " + t);
        assertTrue(t.maxAbsError() > 4 * t.tolerance().atol(), id + ": the bug errs by several bounds, " + t);
    }

    /** The outputs of the plain implementation in the case's precision for {@code config}, stored in that precision. */
    static Safetensors.Contents port(GoldenCase c, ObjectNode config) {
        Precision p = precision(c);
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        Variants.get(c.variant()).prepare(config).lowPrecision(c.inputs(), p).forEach((name, values) ->
                out.put(name, StoredTensor.ofFloats(p.dtype(), c.expected().get(name).shape(), values)));
        return new Safetensors.Contents(out, Map.of());
    }

    @Test
    void aBf16CandidateIsJudgedByTheRuleOnlyWhenItsPrecisionIsNamed() {
        GoldenCase c = CASES.get("attention-bf16-gqa-masks");
        Safetensors.Contents plain = port(c, DEFINITIONS.get(c.id()).config());
        GoldenVerifier.CaseReport byRule = GoldenVerifier.verify(c, plain, Precision.BF16);
        assertTrue(byRule.passed(), byRule.toString());
        for (GoldenVerifier.TensorReport t : byRule.tensors()) {
            double baseline = c.lowPrecision().baselineErrors().get(t.name());
            assertEquals(baseline, t.maxAbsError(), 0.0, t.name() + ": the plain port errs by the baseline itself");
            assertEquals(2 * baseline + Tolerance.lowPrecisionFloor(c.expected().get(t.name()).values(), Precision.BF16),
                    t.tolerance().atol(), 0.0);
        }
        GoldenVerifier.TensorReport byDtype = GoldenVerifier.verify(c, plain).tensors().get(0);
        assertTrue(byDtype.problem().contains("--precision bf16 or fp16"), byDtype.problem());
        assertFalse(GoldenVerifier.verify(c, plain, Precision.FP32).passed(), "bf16 outputs are far outside the fp32 tolerance");
        GoldenVerifier.CaseReport wrongPrecision = GoldenVerifier.verify(c, plain, Precision.FP16);
        assertTrue(wrongPrecision.unreadable() && wrongPrecision.problem().contains("has no fp16 baseline"),
                wrongPrecision.problem());
    }

    /**
     * The seeds' fp16 mask fills (bugs S002-FP16-FILL, S003-FP16-FILL, S003-BMM-FP16-FILL): −1e9 and −1e20 exceed
     * fp16's largest finite value, 65504. PyTorch's {@code masked_fill} raises (probe half_precision_fill); a port
     * that casts the fill gets −∞ (round to nearest overflows). On case attention-fp16-fully-hidden-row the seeds'
     * program (that fill, a softmax with no guard) then matches the reference within the rule on every query that
     * keeps a visible key, and gives NaN for query 0, which hides every key, where the reference gives zeros: the
     * rule flags that row and nothing else. fp16's most negative finite value (−65504) as the fill makes that row
     * uniform (1/S), as the float32 program's −1e9 does: flagged too.
     */
    @Test
    void theSeedsFp16MaskFillMattersOnlyOnAFullyHiddenRow() {
        GoldenCase c = CASES.get("attention-fp16-fully-hidden-row");           // H = 2, T = 4, S = 5, Dv = 16
        assertEquals(Double.NEGATIVE_INFINITY, Precision.FP16.round(-1e9));
        assertEquals(Double.NEGATIVE_INFINITY, Precision.FP16.round(-1e20));
        ObjectNode seed = DEFINITIONS.get(c.id()).config().deepCopy().put("mask_fill", -1e9).put("fully_masked_rows", "nan");

        GoldenVerifier.CaseReport cast = GoldenVerifier.verify(c, port(c, seed), Precision.FP16);
        assertFailsOnlyOnQueryZero(tensor(cast, "output"), 2 * 16);
        assertFailsOnlyOnQueryZero(tensor(cast, "probabilities"), 2 * 5);
        assertTrue(tensor(cast, "logits").passed(), "hidden logits are −∞ on both sides");

        GoldenVerifier.CaseReport finfoMin = GoldenVerifier.verify(c, port(c, seed.deepCopy().put("mask_fill", -65504.0)),
                Precision.FP16);
        assertFailsOnlyOnQueryZero(tensor(finfoMin, "output"), 2 * 16);
        assertFailsOnlyOnQueryZero(tensor(finfoMin, "probabilities"), 2 * 5);

        Map<String, StoredTensor> float32 = new LinkedHashMap<>();
        Variants.get(c.variant()).prepare(seed).lowPrecision(c.inputs(), Precision.FP32).forEach((name, values) ->
                float32.put(name, StoredTensor.ofFloats(DType.F32, c.expected().get(name).shape(), values)));
        GoldenVerifier.CaseReport uniform = GoldenVerifier.verify(c, new Safetensors.Contents(float32, Map.of()), Precision.FP32);
        assertFailsOnlyOnQueryZero(tensor(uniform, "output"), 2 * 16);
    }

    private static GoldenVerifier.TensorReport tensor(GoldenVerifier.CaseReport r, String name) {
        return r.tensors().stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    }

    /** Exactly the elements of query 0 in each head fail ([B, H, T, ·] with T = 4: the first is [0, 0, 0, 0]). */
    private static void assertFailsOnlyOnQueryZero(GoldenVerifier.TensorReport t, int elements) {
        assertEquals(elements, t.failures(), t.toString());
        assertTrue(t.firstFailure().startsWith("element 0 [0, 0, 0, 0]"), t.firstFailure());
    }

    // ------------------------------------------------------------------------------------ PyTorch's inputs

    private static AttentionDims dims(GoldenCase c) {
        int[] q = c.inputs().shape("query");                                                 // [B, H, T, D]
        int[] v = c.inputs().shape("value");                                                 // [B, G, S_new, Dv]
        int past = c.inputs().has("past_key") ? c.inputs().shape("past_key")[2] : 0;
        return new AttentionDims(q[0], q[1], v[1], q[2], past + v[2], q[3], v[3]);
    }

    private static float[] floats(GoldenCase c, String name) {
        double[] v = c.inputs().values(name);
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];                                                             // exact: bf16/fp16 ⊂ float32
        }
        return f;
    }

    /** k or v with the cache in front: concat_s(past, new), [B, G, S, ·]. */
    private static float[] keysOrValues(GoldenCase c, String name) {
        float[] fresh = floats(c, name);
        if (!c.inputs().has("past_" + name)) {
            return fresh;
        }
        float[] past = floats(c, "past_" + name);
        int[] shape = c.inputs().shape(name);                                               // [B, G, S_new, W]
        int rows = shape[0] * shape[1];
        int pastRow = past.length / rows;
        int freshRow = fresh.length / rows;
        float[] out = new float[past.length + fresh.length];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(past, r * pastRow, out, r * (pastRow + freshRow), pastRow);
            System.arraycopy(fresh, r * freshRow, out, r * (pastRow + freshRow) + pastRow, freshRow);
        }
        return out;
    }

    /**
     * The case's masks as one additive [B, H, T, S] mask: −∞ where the expected logit is −∞ (hidden by any mask, as
     * every case here fills with −∞), else the additive mask's entry broadcast from the right (0 without one).
     */
    private static TorchPeer.Mask torchMask(GoldenCase c) {
        AttentionDims d = dims(c);
        double[] logits = c.expected().get("logits").values();
        StoredTensor additive = c.inputs().all().get("additive_mask");
        double[] mask = new double[logits.length];
        int[] full = {d.batch(), d.numHeads(), d.qLen(), d.kvLen()};
        for (int i = 0; i < mask.length; i++) {
            mask[i] = logits[i] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                    : additive == null ? 0 : additive.values()[broadcastIndex(additive.shape(), full, i)];
        }
        return TorchPeer.Mask.additive(mask, d.batch(), d.numHeads(), d.qLen(), d.kvLen());
    }

    /** The flat index into a tensor of {@code shape} that broadcasts (from the right) to element {@code flat} of {@code full}. */
    private static int broadcastIndex(int[] shape, int[] full, int flat) {
        int index = 0;
        int stride = 1;
        for (int axis = full.length - 1, own = shape.length - 1; axis >= 0; axis--, own--) {
            int coordinate = flat % full[axis];
            flat /= full[axis];
            if (own >= 0) {
                index += (shape[own] == 1 ? 0 : coordinate) * stride;
                stride *= shape[own];
            }
        }
        return index;
    }
}
