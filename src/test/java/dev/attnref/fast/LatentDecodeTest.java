package dev.attnref.fast;

import static dev.attnref.fast.Engines.BOTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;
import org.junit.jupiter.api.Test;

/**
 * Absorbed-MLA, MFA and MFA-KR decode (docs/MATH.md, "MLA" and "MFA and MFA-KR") against float64
 * references, under the accuracy law of {@link FastAttentionAccuracyTest} (error ≤ K · max(plain
 * float32 loop's error, one ulp of the values), K and the ulp from {@link Tolerances})).
 */
class LatentDecodeTest {
    @Test
    void absorbedMlaDecodeMatchesFloat64LatentAttention() {
        // Odd sizes: C = 37 (vector + tail), P = 6, S = 700 (two decode chunks, last tile partial).
        int batch = 2;
        int numHeads = 6;
        int latent = 37;
        int rope = 6;
        int kvLen = 700;
        int row = latent + rope;
        float scale = (float) (1.0 / Math.sqrt(24));
        SeededRandom data = new SeededRandom(21);
        float[] qLatent = data.floats(batch * numHeads * latent, -2, 2);
        float[] qRope = data.floats(batch * numHeads * rope, -2, 2);
        float[] cache = data.floats(batch * kvLen * row, -1, 1);

        // float64: logit = scale·(q_latent·c_kv + q_rope·k_rope), out = Σ_s softmax(logit)_s c_kv,s
        double[] reference = new double[batch * numHeads * latent];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < numHeads; h++) {
                double[] logit = new double[kvLen];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s < kvLen; s++) {
                    double dot = 0;
                    for (int c = 0; c < latent; c++) {
                        dot += (double) qLatent[(b * numHeads + h) * latent + c] * cache[(b * kvLen + s) * row + c];
                    }
                    for (int r = 0; r < rope; r++) {
                        dot += (double) qRope[(b * numHeads + h) * rope + r] * cache[(b * kvLen + s) * row + latent + r];
                    }
                    logit[s] = (double) scale * dot;
                    max = Math.max(max, logit[s]);
                }
                double sum = 0;
                for (int s = 0; s < kvLen; s++) {
                    logit[s] = Math.exp(logit[s] - max);
                    sum += logit[s];
                }
                for (int c = 0; c < latent; c++) {
                    double acc = 0;
                    for (int s = 0; s < kvLen; s++) {
                        acc += logit[s] / sum * cache[(b * kvLen + s) * row + c];
                    }
                    reference[(b * numHeads + h) * latent + c] = acc;
                }
            }
        }

        // The plain float32 loop on the MQA view: q = [q_latent | q_rope], k = cache rows, v = c_kv.
        AttentionDims view = new AttentionDims(batch, numHeads, 1, 1, kvLen, row, latent);
        float[] q = new float[batch * numHeads * row];
        for (int i = 0; i < batch * numHeads; i++) {
            System.arraycopy(qLatent, i * latent, q, i * row, latent);
            System.arraycopy(qRope, i * rope, q, i * row + latent, rope);
        }
        float[] values = new float[batch * kvLen * latent];
        for (int i = 0; i < batch * kvLen; i++) {
            System.arraycopy(cache, i * row, values, i * latent, latent);
        }
        float[] plain = new float[reference.length];
        FastAttentionOptions options = FastAttentionOptions.none().withScale(scale);
        new PlainFloatAttention().attend(view, q, cache, values, options, plain);
        double bound = Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(FastCase.maxAbsError(plain, reference), Tolerances.FLOAT32_ULP);

        for (FastAttention fast : BOTH) {
            float[] out = new float[reference.length];
            fast.mlaDecode(batch, numHeads, latent, rope, kvLen, qLatent, qRope, cache, scale, out);
            double error = FastCase.maxAbsError(out, reference);
            assertTrue(error <= bound, fast.kernels() + " MLA decode error " + error + " exceeds " + bound);
            // The same arithmetic as decode on the MQA view (same tiles, same chunks): equal bit for bit.
            float[] mqa = new float[reference.length];
            fast.decode(view, q, cache, values, options, mqa);
            assertArrayEquals(mqa, out, fast.kernels() + ": MLA decode is MQA decode over the latent cache");
        }
    }

    @Test
    void mfaAndKeyReuseDecodeMatchTheOracle() {
        int batch = 1;
        int numHeads = 9;
        int width = 34;
        int kvLen = 600;
        float scale = (float) (1.0 / Math.sqrt(width));
        SeededRandom data = new SeededRandom(22);
        float[] q = data.floats(batch * numHeads * width, -2, 2);
        float[] keys = data.floats(batch * kvLen * width, -1, 1);
        float[] values = data.floats(batch * kvLen * width, -1, 1);

        // MFA: H heads, one shared key/value head, one query token: the oracle with G = 1, T = 1.
        AttentionDims dims = new AttentionDims(batch, numHeads, 1, 1, kvLen, width, width);
        checkAgainstOracle("MFA", dims, q, keys, values, scale,
                fast -> {
                    float[] out = new float[dims.outputCount()];
                    fast.mfaDecode(batch, numHeads, width, kvLen, q, keys, values, scale, out);
                    return out;
                });

        // MFA-KR: logits against RoPE(k̄_s) at position s, weighted sum over k̄. The reference rotates
        // in float64 with core Rope's angles; the kernel gets the same angles as float tables.
        for (RopePairing pairing : RopePairing.values()) {
            Rope rope = Rope.standard(width, pairing);
            float[] cos = new float[kvLen * width / 2];
            float[] sin = new float[kvLen * width / 2];
            for (int s = 0; s < kvLen; s++) {
                for (int j = 0; j < width / 2; j++) {
                    cos[s * width / 2 + j] = (float) Math.cos(rope.angle(s, j));
                    sin[s * width / 2 + j] = (float) Math.sin(rope.angle(s, j));
                }
            }
            float[] rotated = new float[keys.length];
            for (int s = 0; s < kvLen; s++) {
                for (int j = 0; j < width / 2; j++) {
                    int a = pairing == RopePairing.INTERLEAVED ? 2 * j : j;
                    int c = pairing == RopePairing.INTERLEAVED ? 2 * j + 1 : j + width / 2;
                    double x = keys[s * width + a];
                    double y = keys[s * width + c];
                    rotated[s * width + a] = (float) (x * cos[s * width / 2 + j] - y * sin[s * width / 2 + j]);
                    rotated[s * width + c] = (float) (y * cos[s * width / 2 + j] + x * sin[s * width / 2 + j]);
                }
            }
            checkAgainstOracle("MFA-KR " + pairing, dims, q, rotated, keys, scale,
                    fast -> {
                        float[] out = new float[dims.outputCount()];
                        fast.mfaKeyReuseDecode(batch, numHeads, width, kvLen, q, keys, cos, sin, pairing, scale, out);
                        return out;
                    });
        }
    }

    private static void checkAgainstOracle(String what, AttentionDims dims, float[] q, float[] k, float[] v, float scale,
            java.util.function.Function<FastAttention, float[]> call) {
        double[] reference = OracleAttention.attend(AttentionProblem.builder().batch(dims.batch())
                .numHeads(dims.numHeads()).numKvHeads(1).qLen(1).newKvLen(dims.kvLen()).headDim(dims.headDim())
                .valueHeadDim(dims.valueHeadDim()).query(FastCase.widen(q)).key(FastCase.widen(k))
                .value(FastCase.widen(v)).scale(scale).build()).output();
        float[] plain = new float[dims.outputCount()];
        new PlainFloatAttention().attend(dims, q, k, v, FastAttentionOptions.none().withScale(scale), plain);
        double bound = Tolerances.PLAIN_ERROR_MULTIPLE * Math.max(FastCase.maxAbsError(plain, reference), Tolerances.FLOAT32_ULP);
        for (FastAttention fast : BOTH) {
            double error = FastCase.maxAbsError(call.apply(fast), reference);
            assertTrue(error <= bound, what + " " + fast.kernels() + " decode error " + error + " exceeds " + bound);
        }
    }
}
