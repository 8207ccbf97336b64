package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static dev.attnref.fast.Engines.VECTOR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Gen;
import dev.attnref.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Decode of wide groups ({@link HeadLaneDecode}: R ≥ one block of heads per key head, heads in the vector
 * lanes) under the accuracy law of {@link FastAttentionAccuracyTest}: error against the float64 oracle
 * ≤ K·max(plain float32 loop's error, one float32 ulp of max |v|) ({@link Tolerances}). The scalar kernels
 * (row layout) run the same cases as a second check.
 */
class HeadLaneDecodeTest {
    private static final FastCase.Masking[] MASKINGS = {FastCase.Masking.NONE, FastCase.Masking.KEY_LENGTHS,
        FastCase.Masking.CAUSAL_FROM_START};

    /**
     * T = 1, G ∈ [1, 2] key heads of R ∈ [BLOCK, BLOCK + 20] query heads (one full block, often a part-filled
     * second), odd D and Dv (1 … 65: key and value-column tails), S ∈ [1, 1100] (up to three decode chunks).
     */
    static Gen<AttnShape> wideShapes() {
        Gen<AttnShape> base = FastCase.shapes();
        return r -> {
            AttnShape s = base.generate(r);
            int groups = r.intBetween(1, 2);
            int groupSize = HeadLaneDecode.BLOCK + r.intBetween(0, 20);
            return new AttnShape(r.intBetween(1, 3), groups * groupSize, groups, 1, r.intBetween(1, 1100), s.headDim(),
                    s.valueDim(), 1, AttnShape.Kind.CROSS);
        };
    }

    @Test
    void wideGroupDecodeIsWithinKTimesThePlainFloatError() {
        Property.of("wideGroupDecodeIsWithinKTimesThePlainFloatError", wideShapes())
                .tries(12)
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .classify("G = 2", s -> s.numKvHeads() == 2)
                .require("S > decode chunk", "G = 2")
                .check(HeadLaneDecodeTest::withinKTimesPlain);
    }

    static void withinKTimesPlain(AttnShape shape, SeededRandom data) {
        FastCase c = FastCase.draw(shape, data, MASKINGS[data.nextInt(MASKINGS.length)]);
        double[] reference = c.reference();
        double bound = bound(c.plain(), reference, c.v);
        for (FastAttention fast : BOTH) {
            float[] out = c.decode(fast);
            double error = FastCase.maxAbsError(out, reference);
            assertTrue(error <= bound, () -> fast.kernels() + " decode of " + c + " lengths "
                    + Arrays.toString(c.options.keyLengths()) + ": max |fast − float64| = " + error
                    + " exceeds K·max(plain error, floor) = " + bound);
        }
    }

    @Test
    void absorbedMlaDecodeOverWideGroupsIsMqaDecode() {
        // H = BLOCK + 6 heads (a part-filled second block), C = 37 (column tail), P = 6, S = 700 (two chunks),
        // ragged rows, one of them empty.
        int batch = 3;
        int heads = HeadLaneDecode.BLOCK + 6;
        int latent = 37;
        int rope = 6;
        int kvLen = 700;
        int row = latent + rope;
        int[] lengths = {700, 0, 515};
        float scale = (float) (1.0 / Math.sqrt(24));
        SeededRandom data = new SeededRandom(31);
        float[] qLatent = data.floats(batch * heads * latent, -2, 2);
        float[] qRope = data.floats(batch * heads * rope, -2, 2);
        float[] cache = data.floats(batch * kvLen * row, -1, 1);
        AttentionDims view = new AttentionDims(batch, heads, 1, 1, kvLen, row, latent);
        float[] q = new float[batch * heads * row];
        for (int i = 0; i < batch * heads; i++) {
            System.arraycopy(qLatent, i * latent, q, i * row, latent);
            System.arraycopy(qRope, i * rope, q, i * row + latent, rope);
        }
        float[] values = new float[batch * kvLen * latent];
        for (int i = 0; i < batch * kvLen; i++) {
            System.arraycopy(cache, i * row, values, i * latent, latent);
        }
        FastAttentionOptions options = FastAttentionOptions.none().withScale(scale).withKeyLengths(lengths);
        float[] mqa = new float[view.outputCount()];
        VECTOR.decode(view, q, cache, values, options, mqa);
        float[] mla = new float[view.outputCount()];
        VECTOR.mlaDecode(batch, heads, latent, rope, kvLen, lengths, qLatent, qRope, cache, scale, mla);
        assertArrayEquals(mqa, mla, "MLA decode is MQA decode over the latent cache, bit for bit");
        float[] empty = Arrays.copyOfRange(mla, heads * latent, 2 * heads * latent);
        assertArrayEquals(new float[heads * latent], empty, "a row with no visible key gives zeros");
    }

    /** K·max(plain error, one float32 ulp of max |v|). */
    private static double bound(float[] plain, double[] reference, float[] v) {
        double maxV = 0;
        for (float value : v) {
            maxV = Math.max(maxV, Math.abs(value));
        }
        return Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(FastCase.maxAbsError(plain, reference), Tolerances.FLOAT32_ULP * maxV);
    }
}
