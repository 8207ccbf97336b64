package dev.attnref.experiment;

import dev.attnref.core.Checks;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The attention core of every variant ({@link CoreShape}) over a {@link CoreCache}: the S-dependent
 * work that E02 (decode) and E03 (prefill) time. Three engines compute the same thing:
 * {@link Engine#F64_LOOPS} (float64 scalar loops, the precision of the reference),
 * {@link Engine#F32_LOOPS} (float32 scalar loops) and {@link Engine#F32_VECTOR} (float32 with the
 * Vector API: dot products and axpy on {@code FloatVector.SPECIES_PREFERRED}).
 *
 * <h2>Equation (per query head h, group g = ⌊h / R⌋, keys 0 … L−1)</h2>
 * <pre>
 *   key_s   = k[g, s]                 GROUPED
 *           = row_s                   LATENT (whole row [c_kv | k_R])
 *           = RoPE(k̄_s, s)            KEY_REUSE (interleaved pairs, θ = 10000, rotated when read)
 *   val_s   = v[g, s] | row_s[0, Dv) | k̄_s
 *   o_h     = Σ_s softmax_s(scale · q_h·key_s) · val_s                        [H, Dv]
 * </pre>
 *
 * <h2>Algorithm (same for every engine)</h2>
 * Keys are visited in blocks of {@value #BLOCK} with an online softmax: per head a running maximum
 * m, a running sum l and an accumulator a[Dv]; a block's scores are computed for the R heads of a
 * group first (each key row is read once per block for all R heads), then
 * {@code m' = max(m, max_block)}, {@code l, a ← (l, a)·exp(m − m')}, and {@code a += exp(score − m')·val_s}.
 * With {@code threads > 1} a decode splits the keys into contiguous ranges, one per thread, and merges
 * the partial (m, l, a) at the end; a prefill gives query t to thread {@code t mod threads}. So
 * results depend on the thread count through summation order (float64: ~1e-15 relative).
 * The float32 engines store the cache, queries, products and accumulators in float32; the softmax
 * bookkeeping (m, l) runs in float64; the scalar engines take exp in float64 ({@link Math#exp}), the
 * Vector API engine in float32 lanes ({@code VectorOperators.EXP}).
 *
 * <p>Checked by {@code CoreKernelsTest} (each layout and engine against {@code OracleAttention}).
 */
public final class CoreKernels implements AutoCloseable {
    static final int BLOCK = 64;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final double ROPE_THETA = 10000.0;

    /** Which implementation computes the core. */
    public enum Engine {
        F64_LOOPS("float64 loops"),
        F32_LOOPS("float32 loops"),
        F32_VECTOR("float32 Vector API");

        private final String label;

        Engine(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        public boolean float64() {
            return this == F64_LOOPS;
        }
    }

    private final Engine engine;
    private final int threads;
    private final ExecutorService pool;

    /** A kernel runner; {@code threads > 1} keeps a pool until {@link #close()}. */
    public CoreKernels(Engine engine, int threads) {
        this.engine = Checks.notNull("engine", engine);
        this.threads = Checks.positive("threads", threads);
        this.pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
    }

    public Engine engine() {
        return engine;
    }

    public int threads() {
        return threads;
    }

    /**
     * One decode step: query position {@code queryIndex} of the cache against keys {@code 0 … length−1}.
     *
     * @param out [H, Dv], overwritten
     */
    public void decode(CoreCache cache, int queryIndex, int length, double scale, double[] out) {
        check(cache, length, out, 1);
        if (queryIndex < 0 || queryIndex >= cache.queryCount()) {
            throw new IllegalArgumentException("queryIndex (" + queryIndex + ") must be in [0, " + cache.queryCount() + ")");
        }
        int parts = Math.min(threads, Math.max(1, length / BLOCK));
        List<State> states = new ArrayList<>();
        if (parts == 1) {
            State state = new State(cache.shape());
            run(cache, queryIndex, 0, length, scale, state);
            states.add(state);
        } else {
            List<Future<State>> futures = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                int from = (int) ((long) length * p / parts);
                int to = (int) ((long) length * (p + 1) / parts);
                futures.add(pool.submit(() -> {
                    State state = new State(cache.shape());
                    run(cache, queryIndex, from, to, scale, state);
                    return state;
                }));
            }
            for (Future<State> f : futures) {
                states.add(join(f));
            }
        }
        merge(cache.shape(), states, out, 0);
    }

    /**
     * Causal prefill: query t (0 ≤ t &lt; T) against keys {@code 0 … t}; needs T query positions in the cache.
     *
     * @param out [T, H, Dv], overwritten
     */
    public void prefill(CoreCache cache, int length, double scale, double[] out) {
        check(cache, length, out, length);
        if (cache.queryCount() < length) {
            throw new IllegalArgumentException("cache holds " + cache.queryCount() + " query positions; prefill of "
                    + length + " needs one per token");
        }
        int rows = cache.shape().numHeads() * cache.shape().valueWidth();
        if (pool == null) {
            State state = new State(cache.shape());
            for (int t = 0; t < length; t++) {
                state.reset();
                run(cache, t, 0, t + 1, scale, state);
                merge(cache.shape(), List.of(state), out, t * rows);
            }
            return;
        }
        List<Future<State>> futures = new ArrayList<>();
        for (int p = 0; p < threads; p++) {
            int first = p;
            futures.add(pool.submit(() -> {
                State state = new State(cache.shape());
                for (int t = first; t < length; t += threads) {
                    state.reset();
                    run(cache, t, 0, t + 1, scale, state);
                    merge(cache.shape(), List.of(state), out, t * rows);
                }
                return state;
            }));
        }
        for (Future<State> f : futures) {
            join(f);
        }
    }

    /**
     * Runs small decodes of every layout for about {@code seconds}, so the JIT has compiled the kernels
     * (Vector API code runs orders of magnitude slower before C2 compiles it) before anything is timed.
     */
    public static void warmUp(Engine engine, int threads, double seconds) {
        List<CoreShape> shapes = List.of(CoreShape.gqa(8, 2, 64), CoreShape.mlaAbsorbed(4, 64, 16),
                CoreShape.mfaKeyReuse(4, 64));
        List<CoreCache> caches = new ArrayList<>();
        for (CoreShape shape : shapes) {
            caches.add(CoreCache.random(shape, 512, 1, engine.float64(), 1L));
        }
        long start = System.nanoTime();
        try (CoreKernels kernels = new CoreKernels(engine, threads)) {
            while ((System.nanoTime() - start) / 1e9 < seconds) {
                for (CoreCache cache : caches) {
                    double[] out = new double[cache.shape().numHeads() * cache.shape().valueWidth()];
                    kernels.decode(cache, 0, 512, 0.125, out);
                }
            }
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    private void check(CoreCache cache, int length, double[] out, int queries) {
        Checks.notNull("cache", cache);
        if (cache.float64() != engine.float64()) {
            throw new IllegalArgumentException("cache is " + (cache.float64() ? "float64" : "float32") + "; engine "
                    + engine.label() + " expects " + (engine.float64() ? "float64" : "float32"));
        }
        if (length < 1 || length > cache.capacity()) {
            throw new IllegalArgumentException("length (" + length + ") must be in [1, " + cache.capacity() + "]");
        }
        Checks.length("out", out, queries * cache.shape().numHeads() * cache.shape().valueWidth());
    }

    private static State join(Future<State> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("kernel interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("kernel failed: " + e.getCause(), e.getCause());
        }
    }

    /** Per-thread online-softmax state for all H heads: m[H], l[H], a[H·Dv], scratch. */
    private static final class State {
        final double[] max;
        final double[] sum;
        final double[] acc64;
        final float[] acc32;
        final double[] scores;      // [R, BLOCK]
        final float[] exp32;        // [BLOCK] float32 exponent lanes (F32_VECTOR)
        final double[] rotated64;   // [BLOCK, Dk] KEY_REUSE only
        final float[] rotated32;
        final double[] cos;         // [Dk/2] at the current key position
        final double[] sin;
        final double[] omega;       // [Dk/2] ω_i = θ^(−2i/Dk)
        final double[] stepCos;     // [Dk/2] cos ω_i, sin ω_i
        final double[] stepSin;

        State(CoreShape shape) {
            int h = shape.numHeads();
            max = new double[h];
            sum = new double[h];
            acc64 = new double[h * shape.valueWidth()];
            acc32 = new float[h * shape.valueWidth()];
            scores = new double[shape.groupSize() * BLOCK];
            exp32 = new float[BLOCK];
            boolean rope = shape.layout() == CoreShape.Layout.KEY_REUSE;
            rotated64 = rope ? new double[BLOCK * shape.keyWidth()] : null;
            rotated32 = rope ? new float[BLOCK * shape.keyWidth()] : null;
            cos = rope ? new double[shape.keyWidth() / 2] : null;
            sin = rope ? new double[shape.keyWidth() / 2] : null;
            omega = rope ? new double[shape.keyWidth() / 2] : null;
            stepCos = rope ? new double[shape.keyWidth() / 2] : null;
            stepSin = rope ? new double[shape.keyWidth() / 2] : null;
            for (int i = 0; rope && i < omega.length; i++) {
                omega[i] = Math.pow(ROPE_THETA, -2.0 * i / shape.keyWidth());
                stepCos[i] = Math.cos(omega[i]);
                stepSin[i] = Math.sin(omega[i]);
            }
            reset();
        }

        void reset() {
            java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(sum, 0);
            java.util.Arrays.fill(acc64, 0);
            java.util.Arrays.fill(acc32, 0);
        }

        double acc(int i) {
            return acc64[i] + acc32[i];
        }
    }

    /** o_h = a_h / l_h after rescaling every part to the common maximum. */
    private static void merge(CoreShape shape, List<State> states, double[] out, int outOffset) {
        int dv = shape.valueWidth();
        for (int h = 0; h < shape.numHeads(); h++) {
            double m = Double.NEGATIVE_INFINITY;
            for (State s : states) {
                m = Math.max(m, s.max[h]);
            }
            double l = 0;
            for (State s : states) {
                l += s.max[h] == Double.NEGATIVE_INFINITY ? 0 : s.sum[h] * Math.exp(s.max[h] - m);
            }
            for (int d = 0; d < dv; d++) {
                double a = 0;
                for (State s : states) {
                    a += s.max[h] == Double.NEGATIVE_INFINITY ? 0 : s.acc(h * dv + d) * Math.exp(s.max[h] - m);
                }
                out[outOffset + h * dv + d] = a / l;
            }
        }
    }

    private void run(CoreCache cache, int t, int from, int to, double scale, State state) {
        CoreShape shape = cache.shape();
        int r = shape.groupSize();
        for (int g = 0; g < shape.numKvHeads(); g++) {
            for (int b0 = from; b0 < to; b0 += BLOCK) {
                int n = Math.min(BLOCK, to - b0);
                if (shape.layout() == CoreShape.Layout.KEY_REUSE) {
                    rotateBlock(cache, b0, n, state);
                }
                // scores[i, j] = scale · q_{gR+i} · key_{b0+j}        "rd,jd->rj"
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < r; i++) {
                        state.scores[i * BLOCK + j] = scale * dot(cache, t, g * r + i, g, b0 + j, j, state);
                    }
                }
                // m' = max(m, max_j score); (l, a) ← (l, a)·exp(m − m'); p_j = exp(score_j − m')
                for (int i = 0; i < r; i++) {
                    int h = g * r + i;
                    double blockMax = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        blockMax = Math.max(blockMax, state.scores[i * BLOCK + j]);
                    }
                    double newMax = Math.max(state.max[h], blockMax);
                    if (state.max[h] != Double.NEGATIVE_INFINITY && newMax > state.max[h]) {
                        rescale(state, h, shape.valueWidth(), Math.exp(state.max[h] - newMax));
                    }
                    state.max[h] = newMax;
                    if (engine == Engine.F32_VECTOR) {
                        state.sum[h] += expBlockVector(state, i * BLOCK, n, newMax);
                    } else {
                        for (int j = 0; j < n; j++) {
                            double p = Math.exp(state.scores[i * BLOCK + j] - newMax);
                            state.scores[i * BLOCK + j] = p;
                            state.sum[h] += p;
                        }
                    }
                }
                // a_h += Σ_j p_j · val_{b0+j}                           "rj,jd->rd"
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < r; i++) {
                        axpy(cache, state.scores[i * BLOCK + j], g, b0 + j, (g * r + i) * shape.valueWidth(), state);
                    }
                }
            }
        }
    }

    /** p_j = exp(score_j − m) in float32 lanes (VectorOperators.EXP), written back to the scores; returns Σ p_j. */
    private static double expBlockVector(State state, int offset, int n, double max) {
        float[] buffer = state.exp32;
        for (int j = 0; j < n; j++) {
            buffer[j] = (float) (state.scores[offset + j] - max);
        }
        double sum = 0;
        int j = 0;
        for (; j + F.length() <= n; j += F.length()) {
            FloatVector p = FloatVector.fromArray(F, buffer, j).lanewise(VectorOperators.EXP);
            p.intoArray(buffer, j);
            sum += p.reduceLanes(VectorOperators.ADD);
        }
        for (; j < n; j++) {
            buffer[j] = (float) Math.exp(buffer[j]);
            sum += buffer[j];
        }
        for (int k = 0; k < n; k++) {
            state.scores[offset + k] = buffer[k];
        }
        return sum;
    }

    private static void rescale(State state, int h, int dv, double factor) {
        state.sum[h] *= factor;
        for (int d = 0; d < dv; d++) {
            state.acc64[h * dv + d] *= factor;
            state.acc32[h * dv + d] *= (float) factor;
        }
    }

    /** KEY_REUSE: rotated[j] = RoPE(k̄_{b0+j}, b0+j); cos/sin of the block start exact, then stepped in float64. */
    private void rotateBlock(CoreCache cache, int b0, int n, State state) {
        int width = cache.shape().keyWidth();
        int pairs = width / 2;
        for (int i = 0; i < pairs; i++) {
            state.cos[i] = Math.cos(b0 * state.omega[i]);
            state.sin[i] = Math.sin(b0 * state.omega[i]);
        }
        for (int j = 0; j < n; j++) {
            int src = cache.keyOffset(0, b0 + j);
            int dst = j * width;
            for (int i = 0; i < pairs; i++) {
                double c = state.cos[i];
                double s = state.sin[i];
                if (engine.float64()) {
                    double x = cache.keys64[src + 2 * i];
                    double y = cache.keys64[src + 2 * i + 1];
                    state.rotated64[dst + 2 * i] = x * c - y * s;
                    state.rotated64[dst + 2 * i + 1] = y * c + x * s;
                } else {
                    float x = cache.keys32[src + 2 * i];
                    float y = cache.keys32[src + 2 * i + 1];
                    state.rotated32[dst + 2 * i] = x * (float) c - y * (float) s;
                    state.rotated32[dst + 2 * i + 1] = y * (float) c + x * (float) s;
                }
                // (c, s) at position b0+j+1 = (c, s) rotated by ω_i
                state.cos[i] = c * state.stepCos[i] - s * state.stepSin[i];
                state.sin[i] = s * state.stepCos[i] + c * state.stepSin[i];
            }
        }
    }

    private double dot(CoreCache cache, int t, int h, int g, int s, int j, State state) {
        int width = cache.shape().keyWidth();
        int q = cache.queryOffset(t, h);
        boolean rope = cache.shape().layout() == CoreShape.Layout.KEY_REUSE;
        int k = rope ? j * width : cache.keyOffset(g, s);
        return switch (engine) {
            case F64_LOOPS -> dot64(cache.queries64, q, rope ? state.rotated64 : cache.keys64, k, width);
            case F32_LOOPS -> dot32(cache.queries32, q, rope ? state.rotated32 : cache.keys32, k, width);
            case F32_VECTOR -> dotVector(cache.queries32, q, rope ? state.rotated32 : cache.keys32, k, width);
        };
    }

    /** Σ_d a[ao+d]·b[bo+d] in float64. */
    private static double dot64(double[] a, int ao, double[] b, int bo, int n) {
        double sum = 0;
        for (int d = 0; d < n; d++) {
            sum += a[ao + d] * b[bo + d];
        }
        return sum;
    }

    /** Σ_d a[ao+d]·b[bo+d] in float32, one lane. */
    private static float dot32(float[] a, int ao, float[] b, int bo, int n) {
        float sum = 0;
        for (int d = 0; d < n; d++) {
            sum += a[ao + d] * b[bo + d];
        }
        return sum;
    }

    /** Σ_d a[ao+d]·b[bo+d] in float32 lanes (FMA), reduced once. */
    private static float dotVector(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int d = 0;
        for (; d + F.length() <= n; d += F.length()) {
            acc = FloatVector.fromArray(F, a, ao + d).fma(FloatVector.fromArray(F, b, bo + d), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; d < n; d++) {
            sum += a[ao + d] * b[bo + d];
        }
        return sum;
    }

    private void axpy(CoreCache cache, double p, int g, int s, int accOffset, State state) {
        int dv = cache.shape().valueWidth();
        int v = cache.valueOffset(g, s);
        switch (engine) {
            case F64_LOOPS -> axpy64(p, cache.values64, v, state.acc64, accOffset, dv);
            case F32_LOOPS -> axpy32((float) p, cache.values32, v, state.acc32, accOffset, dv);
            case F32_VECTOR -> axpyVector((float) p, cache.values32, v, state.acc32, accOffset, dv);
        }
    }

    /** acc[ao+d] += p·v[vo+d], float64. */
    private static void axpy64(double p, double[] v, int vo, double[] acc, int ao, int n) {
        for (int d = 0; d < n; d++) {
            acc[ao + d] += p * v[vo + d];
        }
    }

    /** acc[ao+d] += p·v[vo+d], float32, one lane. */
    private static void axpy32(float p, float[] v, int vo, float[] acc, int ao, int n) {
        for (int d = 0; d < n; d++) {
            acc[ao + d] += p * v[vo + d];
        }
    }

    /** acc[ao+d] += p·v[vo+d], float32 lanes (FMA). */
    private static void axpyVector(float p, float[] v, int vo, float[] acc, int ao, int n) {
        FloatVector pv = FloatVector.broadcast(F, p);
        int d = 0;
        for (; d + F.length() <= n; d += F.length()) {
            FloatVector.fromArray(F, v, vo + d).fma(pv, FloatVector.fromArray(F, acc, ao + d)).intoArray(acc, ao + d);
        }
        for (; d < n; d++) {
            acc[ao + d] += p * v[vo + d];
        }
    }
}
