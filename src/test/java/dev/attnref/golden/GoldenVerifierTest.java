package dev.attnref.golden;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.Bfloat16;
import dev.attnref.core.Float16;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The verifier's verdicts: the reference's own outputs pass, a change beyond the tolerance fails and
 * is located, F32 candidates are judged at the float32 tolerance, non-finite values must match, int
 * outputs are exact, and a case whose published code raises passes only with the same error kind.
 */
class GoldenVerifierTest {
    private static GoldenCase read(String id) throws IOException {
        return GoldenCase.read(GoldenFilesTest.V1.resolve(id + ".json"));
    }

    private static Safetensors.Contents candidate(Map<String, StoredTensor> tensors) {
        return new Safetensors.Contents(tensors, Map.of());
    }

    private static Map<String, StoredTensor> expectedCopy(GoldenCase c) {
        return new LinkedHashMap<>(c.expected());
    }

    private static StoredTensor changed(StoredTensor t, int index, double value) {
        double[] v = t.values().clone();
        v[index] = value;
        return new StoredTensor(t.dtype(), t.shape(), v, null);
    }

    @Test
    void theExpectedOutputsPassWithZeroError() throws IOException {
        GoldenCase c = read("attention-gqa-h6-g2");
        GoldenVerifier.CaseReport r = GoldenVerifier.verify(c, candidate(expectedCopy(c)));
        assertTrue(r.passed(), r.toString());
        assertEquals(3, r.tensors().size());
        for (GoldenVerifier.TensorReport t : r.tensors()) {
            assertEquals(0.0, t.maxAbsError());
            assertEquals(0, t.maxUlp());
        }
    }

    @Test
    void aChangeBeyondTheFloat64ToleranceFailsAndIsLocated() throws IOException {
        GoldenCase c = read("attention-gqa-h6-g2");                              // output [2, 6, 3, 4]
        Map<String, StoredTensor> tensors = expectedCopy(c);
        StoredTensor out = tensors.get("output");
        double e = out.values()[77];
        // tolerance at e: 1e-12 + 1e-12·|e|; a change of 1e-10 exceeds it for |e| < 99.
        tensors.put("output", changed(out, 77, e + 1e-10));
        GoldenVerifier.CaseReport r = GoldenVerifier.verify(c, candidate(tensors));
        assertFalse(r.passed());
        GoldenVerifier.TensorReport t = r.tensors().get(0);
        assertEquals(1, t.failures());
        assertEquals(1e-10, t.maxAbsError(), Tolerances.HAND_COMPUTED);
        // flat 77 in [2, 6, 3, 4] = (1, 0, 1, 1): 77 = 1·72 + 0·12 + 1·4 + 1.
        assertTrue(t.firstFailure().startsWith("element 77 [1, 0, 1, 1]"), t.firstFailure());
        assertTrue(r.tensors().get(1).passed() && r.tensors().get(2).passed());
    }

    @Test
    void aChangeWithinTheToleranceStillPasses() throws IOException {
        GoldenCase c = read("attention-gqa-h6-g2");
        Map<String, StoredTensor> tensors = expectedCopy(c);
        StoredTensor out = tensors.get("output");
        tensors.put("output", changed(out, 5, out.values()[5] + 5e-13));
        assertTrue(GoldenVerifier.verify(c, candidate(tensors)).passed());
    }

    @Test
    void float32CandidatesAreJudgedAtTheFloat32Tolerance() throws IOException {
        GoldenCase c = read("mla-naive-query-compression");
        Map<String, StoredTensor> rounded = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : c.expected().entrySet()) {
            rounded.put(e.getKey(), StoredTensor.ofFloats(DType.F32, e.getValue().shape(), e.getValue().values()));
        }
        GoldenVerifier.CaseReport r = GoldenVerifier.verify(c, candidate(rounded));
        assertTrue(r.passed(), r.toString());
        for (GoldenVerifier.TensorReport t : r.tensors()) {
            assertEquals("F32", t.dtype());
            assertEquals(Tolerance.FLOAT32, t.tolerance());
            assertEquals(0, t.maxUlp(), t.name() + ": the expected value rounded to float32 is the candidate");
        }
        // The same rounded values as F64 are judged at 1e-12 and fail (rounding error ~1e-8).
        Map<String, StoredTensor> widened = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : rounded.entrySet()) {
            widened.put(e.getKey(), new StoredTensor(DType.F64, e.getValue().shape(), e.getValue().values(), null));
        }
        assertFalse(GoldenVerifier.verify(c, candidate(widened)).passed());
    }

    @Test
    void nonFiniteValuesMustMatchExactly() throws IOException {
        GoldenCase c = read("attention-fully-masked-nan");
        assertTrue(GoldenVerifier.verify(c, candidate(expectedCopy(c))).passed());
        Map<String, StoredTensor> tensors = expectedCopy(c);
        StoredTensor out = tensors.get("output");
        int nan = out.numel() - 1;                                                // the last row is NaN (key length 0)
        assertTrue(Double.isNaN(out.values()[nan]));
        tensors.put("output", changed(out, nan, 0.0));
        assertFalse(GoldenVerifier.verify(c, candidate(tensors)).passed());
        // logits hold −∞ above the causal diagonal; +∞ there must fail.
        GoldenCase causal = read("attention-causal-top-left");
        Map<String, StoredTensor> t2 = expectedCopy(causal);
        StoredTensor logits = t2.get("logits");                                  // [2, 2, 3, 5]: (0,0,0,1) is hidden
        assertEquals(Double.NEGATIVE_INFINITY, logits.values()[1]);
        t2.put("logits", changed(logits, 1, Double.POSITIVE_INFINITY));
        assertFalse(GoldenVerifier.verify(causal, candidate(t2)).passed());
    }

    @Test
    void generatedTokensAreComparedExactly() throws IOException {
        GoldenCase c = read("generation-greedy-rope-tied");
        Map<String, StoredTensor> tensors = expectedCopy(c);
        long[] tokens = tensors.get("tokens").integers().clone();
        tokens[2] = (tokens[2] + 1) % 19;
        tensors.put("tokens", StoredTensor.i64(new int[] {tokens.length}, tokens));
        GoldenVerifier.CaseReport r = GoldenVerifier.verify(c, candidate(tensors));
        assertFalse(r.passed());
        assertEquals(1, r.tensors().get(0).failures());
    }

    @Test
    void missingOrMisshapenTensorsFail() throws IOException {
        GoldenCase c = read("rope-interleaved");
        GoldenVerifier.CaseReport missing = GoldenVerifier.verify(c, candidate(Map.of()));
        assertEquals("missing from the candidate", missing.tensors().get(0).problem());
        StoredTensor out = c.expected().get("output");                          // [1, 2, 5, 6]
        StoredTensor flat = new StoredTensor(DType.F64, new int[] {out.numel()}, out.values(), null);
        GoldenVerifier.CaseReport misshapen = GoldenVerifier.verify(c, candidate(Map.of("output", flat)));
        assertFalse(misshapen.passed());
        assertTrue(misshapen.tensors().get(0).problem().startsWith("has shape [60]"));
    }

    @Test
    void aPublishedErrorPassesOnlyWithTheSameKind() throws IOException {
        GoldenCase c = read("mirror-seed000-gqa-as-published");
        assertTrue(GoldenVerifier.verify(c, new Safetensors.Contents(Map.of(), Map.of("error_kind", "TypeError"))).passed());
        GoldenVerifier.CaseReport wrong = GoldenVerifier.verify(c,
                new Safetensors.Contents(Map.of(), Map.of("error_kind", "NameError")));
        assertFalse(wrong.passed());
        assertTrue(wrong.problem().contains("raises TypeError; the candidate raised NameError"));
        assertFalse(GoldenVerifier.verify(c, candidate(Map.of())).passed());
        GoldenCase ok = read("mirror-seed000-gqa-fixed");
        assertFalse(GoldenVerifier.verify(ok, new Safetensors.Contents(expectedCopy(ok), Map.of("error_kind", "TypeError")))
                .passed());
    }

    @Test
    void ulpDistancesAreCountedInTheCandidatesType() {
        assertEquals(0, GoldenVerifier.ulps(1.0, 1.0));
        assertEquals(1, GoldenVerifier.ulps(1.0, Math.nextUp(1.0)));
        assertEquals(0, GoldenVerifier.ulps(0.0, -0.0));
        // −MIN_VALUE, ±0, +MIN_VALUE are consecutive: two steps apart.
        assertEquals(2, GoldenVerifier.ulps(-Double.MIN_VALUE, Double.MIN_VALUE));
        assertEquals(1, GoldenVerifier.ulps(1.0f, Math.nextUp(1.0f)));
        // 1 + 2⁻²³ is one float ulp above 1 but 2²⁹ double ulps.
        assertEquals(1 << 29, GoldenVerifier.ulps(1.0, 1.0 + 0x1p-23));
        assertEquals(Long.MAX_VALUE, GoldenVerifier.ulps(-Double.MAX_VALUE, Double.MAX_VALUE));
    }

    @Test
    void acrossZeroTheDistanceIsTheSumOfBothSidesDistancesToZero() {
        // A sign flip is a real distance, not a wrapped bit pattern: ulps(−a, b) = ulps(−a, 0) + ulps(0, b).
        double[] magnitudes = {Double.MIN_VALUE, 1e-300, 3e-8, 0.5, 1.0, 7.25, 1e300};
        for (double a : magnitudes) {
            for (double b : magnitudes) {
                assertEquals(saturatedSum(GoldenVerifier.ulps(-a, 0.0), GoldenVerifier.ulps(0.0, b)), GoldenVerifier.ulps(-a, b),
                        a + ", " + b);
                float fa = (float) Math.max(a, Float.MIN_VALUE);
                float fb = (float) Math.max(b, Float.MIN_VALUE);
                if (Float.isFinite(fa) && Float.isFinite(fb)) {
                    assertEquals(GoldenVerifier.ulps(-fa, 0f) + GoldenVerifier.ulps(0f, fb), GoldenVerifier.ulps(-fa, fb),
                            fa + "f, " + fb + "f");
                }
            }
        }
        assertEquals(2 * GoldenVerifier.ulps(0.0, 1.0), GoldenVerifier.ulps(-1.0, 1.0));
    }

    /** x + y, or Long.MAX_VALUE where the distance does not fit (as {@link GoldenVerifier#ulps(double, double)}). */
    private static long saturatedSum(long x, long y) {
        long sum = x + y;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    @Test
    void ulpDistancesBetweenSixteenBitFloatsCountTheValuesBetween() {
        // 1 (0x3F80) and 1 + 2^−6 (0x3F82) have one bf16 value between them; ±2^−133 straddle 0 and −0.
        assertEquals(2, GoldenVerifier.ulps16(Bfloat16.toBits(1f), Bfloat16.toBits(1 + 0x1.0p-6f)));
        assertEquals(2, GoldenVerifier.ulps16(Bfloat16.toBits(0x1.0p-133f), Bfloat16.toBits(-0x1.0p-133f)));
        assertEquals(0, GoldenVerifier.ulps16((short) 0x0000, (short) 0x8000));
        assertEquals(1, GoldenVerifier.ulps16(Float16.toBits(65504f), Float16.toBits(Float.POSITIVE_INFINITY)));
    }
}
