package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static dev.attnref.fast.Engines.SCALAR;
import static dev.attnref.fast.Engines.VECTOR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.property.AttentionShapes;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * The accuracy law of docs/MATH.md, "Numerics": on random odd-sized cases, every fast path
 * (prefill, decode, decode over a {@link TransposedKeys} cache; Vector API kernels and their scalar
 * twins) differs from the float64 oracle by
 * at most K = {@link Tolerances#PLAIN_ERROR_MULTIPLE} times what the plain float32 loop
 * ({@link PlainFloatAttention}) differs on the same case, with a floor of one float32 ulp of the
 * largest |v| ({@link Tolerances#FLOAT32_ULP}); the reasons for both are there.
 */
class FastAttentionAccuracyTest {
    @Test
    void everyFastPathIsWithinKTimesThePlainFloatError() {
        Property.of("everyFastPathIsWithinKTimesThePlainFloatError", FastCase.shapes())
                .tries(30)
                .coverage(AttentionShapes.regimes())
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .classify("D = 65 (vector + tail)", s -> s.headDim() == 65)
                .require("S > decode chunk", "D = 65 (vector + tail)")
                .check(FastAttentionAccuracyTest::withinKTimesPlain);
    }

    static void withinKTimesPlain(AttnShape shape, SeededRandom data) {
        FastCase c = FastCase.draw(shape, data);
        double[] reference = c.reference();
        double plainError = FastCase.maxAbsError(c.plain(), reference);
        double floor = Tolerances.FLOAT32_ULP * maxAbs(c.v);
        double bound = Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(plainError, floor);
        check(c, "vector prefill", c.prefill(VECTOR), reference, plainError, bound);
        check(c, "vector decode", c.decode(VECTOR), reference, plainError, bound);
        check(c, "scalar prefill", c.prefill(SCALAR), reference, plainError, bound);
        check(c, "scalar decode", c.decode(SCALAR), reference, plainError, bound);
        check(c, "vector decode over Kᵀ cache", c.decodeOverTransposedKeys(VECTOR), reference, plainError, bound);
        check(c, "scalar decode over Kᵀ cache", c.decodeOverTransposedKeys(SCALAR), reference, plainError, bound);
    }

    private static void check(FastCase c, String path, float[] actual, double[] reference, double plainError, double bound) {
        double error = FastCase.maxAbsError(actual, reference);
        assertTrue(error <= bound, () -> path + " of " + c + ": max |fast − float64| = " + error
                + " exceeds K·max(plain error " + plainError + ", floor) = " + bound);
    }

    @Test
    void rowsWithNoVisibleKeyAreZero() {
        // Batch row 1 has key length 0, so every output of b = 1 must be exactly 0; b = 0 sees all keys.
        AttnShape shape = new AttnShape(2, 4, 2, 5, 130, 7, 9, 1, AttnShape.Kind.CROSS);
        FastCase c = FastCase.draw(shape, new SeededRandom(11), FastCase.Masking.NONE);
        FastAttentionOptions options = c.options.withKeyLengths(new int[] {130, 0});
        int half = c.dims.outputCount() / 2;
        for (FastAttention fast : BOTH) {
            float[] prefill = new float[c.dims.outputCount()];
            float[] decode = new float[c.dims.outputCount()];
            fast.prefill(c.dims, c.q, c.k, c.v, options, prefill);
            fast.decode(c.dims, c.q, c.k, c.v, options, decode);
            for (int i = half; i < prefill.length; i++) {
                assertEquals(0f, prefill[i], fast.kernels() + " prefill output " + i);
                assertEquals(0f, decode[i], fast.kernels() + " decode output " + i);
            }
            assertTrue(prefill[0] != 0f, "b = 0 sees keys, so its output is not the zero row");
        }
    }

    @Test
    void twoKeysHandComputed() {
        // D = 1, scale 1, q = 1, k = (0, ln 3): logits (0, ln 3), p = (1/4, 3/4);
        // v = (4, 8): out = 4/4 + 3·8/4 = 1 + 6 = 7.
        AttentionDims dims = new AttentionDims(1, 1, 1, 1, 2, 1, 1);
        float[] q = {1f};
        float[] k = {0f, (float) Math.log(3)};
        float[] v = {4f, 8f};
        FastAttentionOptions options = FastAttentionOptions.none().withScale(1f);
        for (FastAttention fast : BOTH) {
            float[] out = new float[1];
            fast.prefill(dims, q, k, v, options, out);
            assertEquals(7f, out[0], Tolerances.HAND_COMPUTED, fast.kernels() + " prefill");
            fast.decode(dims, q, k, v, options, out);
            assertEquals(7f, out[0], Tolerances.HAND_COMPUTED, fast.kernels() + " decode");
        }
    }

    @Test
    void groupsAreContiguousNotTiled() {
        // H = 4, G = 2: heads 0, 1 read kv head 0 and heads 2, 3 read kv head 1 (g(h) = ⌊h / R⌋).
        // With one key per kv head, softmax is 1, so out[h] = v[g(h)]: v = (10, 20) → out = (10, 10, 20, 20).
        // Tiling (g = h mod G) would give (10, 20, 10, 20).
        AttentionDims dims = new AttentionDims(1, 4, 2, 1, 1, 1, 1);
        float[] q = {1f, 2f, 3f, 4f};
        float[] k = {1f, -1f};
        float[] v = {10f, 20f};
        for (FastAttention fast : BOTH) {
            float[] out = new float[4];
            fast.prefill(dims, q, k, v, FastAttentionOptions.none(), out);
            assertEquals(java.util.List.of(10f, 10f, 20f, 20f), java.util.List.of(out[0], out[1], out[2], out[3]),
                    fast.kernels() + " prefill");
        }
    }

    private static double maxAbs(float[] x) {
        double max = 0;
        for (float value : x) {
            max = Math.max(max, Math.abs(value));
        }
        return max;
    }
}
