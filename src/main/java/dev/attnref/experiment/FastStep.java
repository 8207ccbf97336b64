package dev.attnref.experiment;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;

import java.util.function.Consumer;

/**
 * One call of the product's float32 kernels ({@link FastAttention}) on the core of a {@link CoreShape},
 * with seeded uniform inputs in [−1, 1) allocated and filled once, so a timed call does only the
 * kernel's work. Scale 1/√Dk. This is how E02, E03 and E04 time the project's fast path; it adds no
 * arithmetic of its own.
 *
 * <table>
 *   <caption>Layout → fast entry point</caption>
 *   <tr><th>layout</th><th>decode (T = 1, every key visible)</th><th>causal prefill (T = S)</th></tr>
 *   <tr><td>GROUPED</td><td>{@link FastAttention#decode}, dims (1, H, G, 1, S, Dk, Dv), row-major cache</td>
 *       <td>{@link FastAttention#prefill}, dims (1, H, G, S, S, Dk, Dv)</td></tr>
 *   <tr><td>LATENT</td><td>{@link FastAttention#mlaDecode}: q̂ split into q_latent [H, C] and q_rope [H, P],
 *       cache rows [c_kv | k_R]</td><td>{@link FastAttention#prefill} as MQA with Dk = C + P, Dv = C: keys the
 *       rows [c_kv | k_R], values a copy of c_kv (the fast prefill takes values as their own array)</td></tr>
 *   <tr><td>KEY_REUSE</td><td>{@link FastAttention#mfaKeyReuseDecode} with cos/sin tables [S, C/2] of
 *       {@code Rope(C, 10000, INTERLEAVED)}, as the kernel reads them</td><td>none: {@code dev.attnref.fast}
 *       has no MFA-KR prefill (a prefill would rotate every k̄ once, then run MFA's)</td></tr>
 * </table>
 */
final class FastStep {
    private FastStep() {
    }

    /**
     * One decode step over S = {@code length} cached tokens, query at the last position; the inputs are
     * shared by every {@link FastAttention} it is run with.
     */
    static Consumer<FastAttention> decode(CoreShape shape, int length, long seed) {
        SeededRandom random = new SeededRandom(seed);
        int h = shape.numHeads();
        float scale = (float) (1 / Math.sqrt(shape.keyWidth()));
        float[] out = new float[h * shape.valueWidth()];
        return switch (shape.layout()) {
            case GROUPED -> {
                AttentionDims dims = new AttentionDims(1, h, shape.numKvHeads(), 1, length, shape.keyWidth(),
                        shape.valueWidth());
                float[] q = random.floats(dims.queryCount(), -1, 1);
                float[] k = random.floats(dims.keyCount(), -1, 1);            // [1, G, S, Dk]
                float[] v = random.floats(dims.valueCount(), -1, 1);          // [1, G, S, Dv]
                FastAttentionOptions options = FastAttentionOptions.none().withScale(scale);
                yield fast -> fast.decode(dims, q, k, v, options, out);
            }
            case LATENT -> {
                int c = shape.valueWidth();
                int p = shape.keyWidth() - c;
                float[] qLatent = random.floats(h * c, -1, 1);                     // [H, C]
                float[] qRope = random.floats(h * p, -1, 1);                       // [H, P]
                float[] cache = random.floats(length * shape.keyWidth(), -1, 1);   // [S, C + P]
                yield fast -> fast.mlaDecode(1, h, c, p, length, qLatent, qRope, cache, scale, out);
            }
            case KEY_REUSE -> {
                int c = shape.keyWidth();
                float[] q = random.floats(h * c, -1, 1);                           // [H, C]
                float[] keys = random.floats(length * c, -1, 1);                   // k̄ [S, C]
                float[][] table = ropeTable(c, length);
                yield fast -> fast.mfaKeyReuseDecode(1, h, c, length, q, keys, table[0], table[1],
                        RopePairing.INTERLEAVED, scale, out);
            }
        };
    }

    /** One causal prefill of S = {@code length} tokens (query t sees keys 0 … t). */
    static Consumer<FastAttention> prefill(CoreShape shape, int length, long seed) {
        SeededRandom random = new SeededRandom(seed);
        int h = shape.numHeads();
        float scale = (float) (1 / Math.sqrt(shape.keyWidth()));
        AttentionDims dims = switch (shape.layout()) {
            case GROUPED -> new AttentionDims(1, h, shape.numKvHeads(), length, length, shape.keyWidth(), shape.valueWidth());
            case LATENT -> new AttentionDims(1, h, 1, length, length, shape.keyWidth(), shape.valueWidth());
            case KEY_REUSE -> throw new IllegalArgumentException("shape " + shape.describe()
                    + ": dev.attnref.fast has no MFA-KR prefill; time MFA (kind mfa) instead");
        };
        float[] q = random.floats(dims.queryCount(), -1, 1);
        float[] k = random.floats(dims.keyCount(), -1, 1);
        float[] v = shape.layout() == CoreShape.Layout.LATENT ? latentValues(k, length, shape)
                : random.floats(dims.valueCount(), -1, 1);
        float[] out = new float[dims.outputCount()];
        FastAttentionOptions options = FastAttentionOptions.causal(CausalAlignment.TOP_LEFT, dims).withScale(scale);
        return fast -> fast.prefill(dims, q, k, v, options, out);
    }

    /** c_kv [S, C]: the first C columns of each cached row [c_kv | k_R]. */
    private static float[] latentValues(float[] rows, int length, CoreShape shape) {
        int c = shape.valueWidth();
        float[] v = new float[length * c];
        for (int s = 0; s < length; s++) {
            System.arraycopy(rows, s * shape.keyWidth(), v, s * c, c);
        }
        return v;
    }

    /** cos and sin of the angle of pair i at position s, [S, C/2] each, as {@link Rope} defines it. */
    private static float[][] ropeTable(int width, int length) {
        Rope rope = new Rope(width, 10000.0, RopePairing.INTERLEAVED);
        float[] cos = new float[length * width / 2];
        float[] sin = new float[length * width / 2];
        for (int s = 0; s < length; s++) {
            for (int i = 0; i < width / 2; i++) {
                double angle = rope.angle(s, i);
                cos[s * width / 2 + i] = (float) Math.cos(angle);
                sin[s * width / 2 + i] = (float) Math.sin(angle);
            }
        }
        return new float[][] {cos, sin};
    }
}
