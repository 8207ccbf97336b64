package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Gen;
import dev.attnref.property.Property;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Batched decode over ragged caches, the serving shape (one query token per row, row b sees its first
 * len_b keys, 0 ≤ len_b ≤ S drawn per row): the accuracy law of {@link FastAttentionAccuracyTest}
 * (error against the float64 oracle ≤ K·max(plain float32 loop's error, one float32 ulp of max |v|),
 * {@link Tolerances}) for GQA-family decode over row-major keys, a Kᵀ cache and a bf16 cache (on the
 * values it holds), and for absorbed-MLA decode, on up to 9 rows.
 */
class RaggedDecodeTest {
    /** FastCase's head layouts and widths with B ∈ [1, 9], T = 1, S ∈ [1, 1100] (up to three decode chunks). */
    static Gen<AttnShape> raggedShapes() {
        Gen<AttnShape> base = FastCase.shapes();
        return r -> {
            AttnShape s = base.generate(r);
            return new AttnShape(r.intBetween(1, 9), s.numHeads(), s.numKvHeads(), 1, r.intBetween(1, 1100), s.headDim(),
                    s.valueDim(), 1, AttnShape.Kind.CROSS);
        };
    }

    @Test
    void raggedGqaDecodeIsWithinKTimesThePlainFloatError() {
        Property.of("raggedGqaDecodeIsWithinKTimesThePlainFloatError", raggedShapes())
                .tries(20)
                .classify("B ≥ 5", s -> s.batch() >= 5)
                .classify("S > decode chunk", s -> s.kvLen() > FastAttention.DECODE_CHUNK)
                .require("B ≥ 5", "S > decode chunk")
                .check(RaggedDecodeTest::gqaWithinKTimesPlain);
    }

    static void gqaWithinKTimesPlain(AttnShape shape, SeededRandom data) {
        long seed = data.nextLong();
        FastCase c = FastCase.draw(shape, new SeededRandom(seed), FastCase.Masking.KEY_LENGTHS);
        FastCase held = FastCase.draw(shape, new SeededRandom(seed), FastCase.Masking.KEY_LENGTHS,
                x -> FastCase.rounded(HalfPrecisionCache.Format.BF16, x));
        HalfPrecisionCache cache = HalfPrecisionCache.of(HalfPrecisionCache.Format.BF16, c.dims, c.k, c.v);
        double[] reference = c.reference();
        double[] onHeld = held.reference();
        double bound = bound(c.plain(), reference, c.v);
        double boundOnHeld = bound(held.plain(), onHeld, held.v);
        for (FastAttention fast : BOTH) {
            check(c, fast.kernels() + " decode", c.decode(fast), reference, bound);
            check(c, fast.kernels() + " decode over Kᵀ cache", c.decodeOverTransposedKeys(fast), reference, bound);
            float[] out = new float[c.dims.outputCount()];
            fast.decode(c.dims, c.q, cache, c.options, out);
            check(c, fast.kernels() + " decode over bf16 cache", out, onHeld, boundOnHeld);
        }
    }

    @Test
    void raggedAbsorbedMlaDecodeIsWithinKTimesThePlainFloatError() {
        Property.of("raggedAbsorbedMlaDecodeIsWithinKTimesThePlainFloatError", raggedShapes())
                .tries(20)
                .classify("B ≥ 5", s -> s.batch() >= 5)
                .require("B ≥ 5")
                .check(RaggedDecodeTest::mlaWithinKTimesPlain);
    }

    /** H heads, latent C = D, rotary P = Dv mod 9 + 1, over a [B, S, C + P] cache; the oracle on the MQA view. */
    static void mlaWithinKTimesPlain(AttnShape shape, SeededRandom data) {
        int batch = shape.batch();
        int heads = shape.numHeads();
        int latent = shape.headDim();
        int rope = shape.valueDim() % 9 + 1;
        int row = latent + rope;
        int kvLen = shape.kvLen();
        float scale = (float) (1.0 / Math.sqrt(row));
        float[] qLatent = data.floats(batch * heads * latent, -2, 2);
        float[] qRope = data.floats(batch * heads * rope, -2, 2);
        float[] cache = data.floats(batch * kvLen * row, -1, 1);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = data.intBetween(0, kvLen);
        }
        // MQA view: q = [q_latent | q_rope], k = cache rows, v = their first C columns
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
        double[] reference = OracleAttention.attend(AttentionProblem.builder().batch(batch).numHeads(heads).numKvHeads(1)
                .qLen(1).newKvLen(kvLen).headDim(row).valueHeadDim(latent).query(FastCase.widen(q))
                .key(FastCase.widen(cache)).value(FastCase.widen(values)).scale(scale).keyLengths(lengths).build()).output();
        float[] plain = new float[reference.length];
        new PlainFloatAttention().attend(view, q, cache, values,
                FastAttentionOptions.none().withScale(scale).withKeyLengths(lengths), plain);
        double bound = bound(plain, reference, values);
        String what = "B=" + batch + " H=" + heads + " C=" + latent + " P=" + rope + " S=" + kvLen + " lengths="
                + Arrays.toString(lengths);
        for (FastAttention fast : BOTH) {
            float[] out = new float[reference.length];
            fast.mlaDecode(batch, heads, latent, rope, kvLen, lengths, qLatent, qRope, cache, scale, out);
            double error = FastCase.maxAbsError(out, reference);
            assertTrue(error <= bound, () -> fast.kernels() + " ragged MLA decode " + what + ": max |fast − float64| = "
                    + error + " exceeds " + bound);
        }
    }

    /** K·max(plain error, one float32 ulp of max |v|). */
    private static double bound(float[] plain, double[] reference, float[] v) {
        double maxV = 0;
        for (float value : v) {
            maxV = Math.max(maxV, Math.abs(value));
        }
        return Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(FastCase.maxAbsError(plain, reference), Tolerances.FLOAT32_ULP * maxV);
    }

    private static void check(FastCase c, String path, float[] actual, double[] reference, double bound) {
        double error = FastCase.maxAbsError(actual, reference);
        assertTrue(error <= bound, () -> path + " of " + c + " lengths " + Arrays.toString(c.options.keyLengths())
                + ": max |fast − float64| = " + error + " exceeds K·max(plain error, floor) = " + bound);
    }
}
