package dev.attnref.fast;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.property.AttnShape;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Same inputs, same output bit for bit, whatever the thread count (docs/MATH.md, "Numerics"):
 * the work split depends on the shape only and every output element is computed by one thread in a
 * fixed order. Checked for 1, 2 and 3 threads on shapes with several work items, several tiles and
 * several decode chunks, over float32, Kᵀ, bf16 and fp16 caches.
 */
class FastAttentionDeterminismTest {
    private static final int[] THREADS = {1, 2, 3};

    @Test
    void causalGqaPrefillIsIdenticalForOneTwoAndThreeThreads() {
        FastCase c = FastCase.draw(new AttnShape(2, 8, 2, 70, 200, 65, 33, 1, AttnShape.Kind.CROSS), new SeededRandom(1),
                FastCase.Masking.CAUSAL_BOTTOM_RIGHT);
        assertSameForEveryThreadCount("prefill " + c, c.dims.outputCount(),
                (fast, out) -> fast.prefill(c.dims, c.q, c.k, c.v, c.options, out));
    }

    @Test
    void maskedDecodeIsIdenticalForOneTwoAndThreeThreads() {
        FastCase c = FastCase.draw(new AttnShape(2, 6, 2, 2, 1500, 16, 16, 1, AttnShape.Kind.CROSS), new SeededRandom(2),
                FastCase.Masking.ADDITIVE);
        assertSameForEveryThreadCount("decode " + c, c.dims.outputCount(),
                (fast, out) -> fast.decode(c.dims, c.q, c.k, c.v, c.options, out));
        TransposedKeys keys = TransposedKeys.of(c.dims, c.k);
        assertSameForEveryThreadCount("decode over Kᵀ cache " + c, c.dims.outputCount(),
                (fast, out) -> fast.decode(c.dims, c.q, keys, c.v, c.options, out));
    }

    @Test
    void decodeOver16BitCachesIsIdenticalForOneTwoAndThreeThreads() {
        // Several decode chunks (S = 1500), Dv = 40 (two int-pair blocks, the second half padding), causal.
        FastCase c = FastCase.draw(new AttnShape(2, 8, 2, 3, 1500, 16, 40, 1, AttnShape.Kind.CROSS), new SeededRandom(4),
                FastCase.Masking.CAUSAL_BOTTOM_RIGHT);
        for (HalfPrecisionCache.Format format : HalfPrecisionCache.Format.values()) {
            HalfPrecisionCache cache = HalfPrecisionCache.of(format, c.dims, c.k, c.v);
            assertSameForEveryThreadCount("decode over a " + format + " cache " + c, c.dims.outputCount(),
                    (fast, out) -> fast.decode(c.dims, c.q, cache, c.options, out));
        }
    }

    @Test
    void latentDecodesAreIdenticalForOneTwoAndThreeThreads() {
        SeededRandom data = new SeededRandom(3);
        int batch = 2;
        int numHeads = 5;
        int latent = 40;
        int rope = 8;
        int kvLen = 1100;
        float[] qLatent = data.floats(batch * numHeads * latent, -1, 1);
        float[] qRope = data.floats(batch * numHeads * rope, -1, 1);
        float[] cache = data.floats(batch * kvLen * (latent + rope), -1, 1);
        assertSameForEveryThreadCount("MLA decode", batch * numHeads * latent,
                (fast, out) -> fast.mlaDecode(batch, numHeads, latent, rope, kvLen, qLatent, qRope, cache, 0.125f, out));
        float[] cos = data.floats(kvLen * latent / 2, -1, 1);
        float[] sin = data.floats(kvLen * latent / 2, -1, 1);
        float[] keys = data.floats(batch * kvLen * latent, -1, 1);
        assertSameForEveryThreadCount("MFA-KR decode", batch * numHeads * latent,
                (fast, out) -> fast.mfaKeyReuseDecode(batch, numHeads, latent, kvLen, qLatent, keys, cos, sin,
                        RopePairing.SPLIT_HALVES, 0.125f, out));
    }

    @Test
    void wideGroupDecodeIsIdenticalForOneTwoAndThreeThreads() {
        // HeadLaneDecode: R = BLOCK + 3 heads per key head, G = 2, ragged rows, three decode chunks.
        FastCase c = FastCase.draw(new AttnShape(2, 2 * (HeadLaneDecode.BLOCK + 3), 2, 1, 1100, 20, 9, 1,
                AttnShape.Kind.CROSS), new SeededRandom(5), FastCase.Masking.KEY_LENGTHS);
        assertSameForEveryThreadCount("wide-group decode " + c, c.dims.outputCount(),
                (fast, out) -> fast.decode(c.dims, c.q, c.k, c.v, c.options, out));
    }

    /** {@code call} gives bit-identical outputs with 1, 2 and 3 threads, for both kernel sets. */
    static void assertSameForEveryThreadCount(String what, int outputs, BiConsumer<FastAttention, float[]> call) {
        for (Kernels kernels : Kernels.values()) {
            float[] first = null;
            for (int threads : THREADS) {
                try (FastAttention fast = new FastAttention(threads, kernels)) {
                    float[] out = new float[outputs];
                    call.accept(fast, out);
                    if (first == null) {
                        first = out;
                    } else {
                        assertArrayEquals(first, out, what + ": " + kernels + " with " + threads + " threads differs from 1 thread");
                    }
                }
            }
        }
    }
}
