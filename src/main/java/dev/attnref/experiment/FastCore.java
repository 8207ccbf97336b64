package dev.attnref.experiment;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;

/**
 * One decode step of a {@link CoreShape} on the project's fast float32 kernels
 * ({@link FastAttention}), prepared once so that a timed call does only the kernel's work.
 *
 * <table>
 *   <caption>Layout → fast entry point</caption>
 *   <tr><th>layout</th><th>call</th><th>extra input</th></tr>
 *   <tr><td>GROUPED</td><td>{@link FastAttention#decode} with dims (1, H, G, 1, S, Dk, Dv)</td><td>—</td></tr>
 *   <tr><td>LATENT</td><td>{@link FastAttention#mlaDecode}: query split into q_latent [H, C] and q_rope [H, P]</td><td>—</td></tr>
 *   <tr><td>KEY_REUSE</td><td>{@link FastAttention#mfaKeyReuseDecode}</td><td>cos/sin tables [S, C/2] of
 *       {@code Rope(C, 10000, INTERLEAVED)}, as the kernel reads them (S·C more floats per step)</td></tr>
 * </table>
 * The cache must hold exactly S tokens (the fast kernels take exactly sized arrays). Checked by
 * {@code FastCoreTest} (same outputs as {@link CoreKernels}).
 */
public final class FastCore {
    private final Runnable call;
    private final float[] out;

    private FastCore(Runnable call, float[] out) {
        this.call = call;
        this.out = out;
    }

    /** Prepares one decode step over every token of a float32 {@code cache} (capacity = S), query position 0. */
    public static FastCore prepare(FastAttention fast, CoreCache cache, double scale) {
        Checks.notNull("fast", fast);
        if (cache.float64()) {
            throw new IllegalArgumentException("the fast kernels take a float32 cache; got float64");
        }
        CoreShape shape = cache.shape();
        int h = shape.numHeads();
        int s = cache.capacity();
        float[] q = java.util.Arrays.copyOf(cache.queries32, h * shape.keyWidth());   // query position 0: [H, Dk]
        float[] out = new float[h * shape.valueWidth()];
        float fscale = (float) scale;
        Runnable call = switch (shape.layout()) {
            case GROUPED -> {
                AttentionDims dims = new AttentionDims(1, h, shape.numKvHeads(), 1, s, shape.keyWidth(), shape.valueWidth());
                FastAttentionOptions options = FastAttentionOptions.none().withScale(fscale);
                yield () -> fast.decode(dims, q, cache.keys32, cache.values32, options, out);
            }
            case LATENT -> {
                int c = shape.valueWidth();
                int p = shape.keyWidth() - c;
                float[] qLatent = new float[h * c];
                float[] qRope = new float[h * p];
                for (int i = 0; i < h; i++) {
                    System.arraycopy(q, i * shape.keyWidth(), qLatent, i * c, c);
                    System.arraycopy(q, i * shape.keyWidth() + c, qRope, i * p, p);
                }
                yield () -> fast.mlaDecode(1, h, c, p, s, qLatent, qRope, cache.keys32, fscale, out);
            }
            case KEY_REUSE -> {
                int c = shape.keyWidth();
                Rope rope = new Rope(c, 10000.0, RopePairing.INTERLEAVED);
                float[] cos = new float[s * c / 2];
                float[] sin = new float[s * c / 2];
                for (int pos = 0; pos < s; pos++) {
                    for (int i = 0; i < c / 2; i++) {
                        double angle = rope.angle(pos, i);
                        cos[pos * c / 2 + i] = (float) Math.cos(angle);
                        sin[pos * c / 2 + i] = (float) Math.sin(angle);
                    }
                }
                yield () -> fast.mfaKeyReuseDecode(1, h, c, s, q, cache.keys32, cos, sin, RopePairing.INTERLEAVED,
                        fscale, out);
            }
        };
        return new FastCore(call, out);
    }

    /** Runs small steps of every layout for about {@code seconds}, so the JIT has compiled the fast kernels. */
    public static void warmUp(FastAttention fast, double seconds) {
        java.util.List<FastCore> steps = new java.util.ArrayList<>();
        for (CoreShape shape : java.util.List.of(CoreShape.gqa(8, 2, 64), CoreShape.mlaAbsorbed(4, 64, 16),
                CoreShape.mfaKeyReuse(4, 64))) {
            steps.add(prepare(fast, CoreCache.random(shape, 1024, 1, false, 1L), 0.125));
        }
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1e9 < seconds) {
            steps.forEach(FastCore::run);
        }
    }

    /** Runs the step. */
    public void run() {
        call.run();
    }

    /** The last step's output [H, Dv], widened to double. */
    public double[] output() {
        double[] o = new double[out.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = out[i];
        }
        return o;
    }
}
