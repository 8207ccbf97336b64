package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.TransposedKeys;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code attnref race}: the fast float32 kernels against ONNX Runtime in one process, on the same
 * inputs. Question: how fast is {@link FastAttention} against ORT's {@code GroupQueryAttention} and
 * {@code Attention} (opset 23) on this machine, as a share of the machine's own ceilings?
 *
 * <h2>Method</h2>
 * <ol>
 *   <li>Measure the ceilings in this process ({@link CpuProbe}): FMA peak and read bandwidth on
 *       1 and 2 threads, once at the start (logged), and again inside every configuration's rounds as
 *       two more contenders, so that a share is taken against a ceiling measured under the same
 *       load: an FMA loop doing about the configuration's FLOPs (at least 2 GFLOP, at most 20), and, for decode, a read loop over
 *       the very K/V arrays the kernels read.</li>
 *   <li>Per configuration and thread count: build the inputs once (seeded, q, k, v uniform in [−1, 1]),
 *       one contender per implementation, each with its buffers allocated and touched; warm up every
 *       contender, then time {@code runs} rounds, each round running every contender once, starting
 *       with a different contender each round (alternating, so drift hits all alike).</li>
 *   <li>Report per contender the median, min–max and interquartile range of the wall time, GFLOP/s
 *       (useful FLOPs: 2·(D + Dv) per visible (query, key) pair and head) and its share of the FMA
 *       peak; for decode also GB/s of K/V read (the cache bytes once) and its share of the read
 *       bandwidth; the fast kernel's speed-up (peer median / fast median); and the max |difference|
 *       of each peer's output from the fast kernel's against {@link #TOLERANCE}.</li>
 * </ol>
 */
public final class AttentionRace {
    /** Agreement bound, absolute: outputs are convex combinations of values in [−1, 1]; float32
     *  attention errs by ~10⁻⁶ here, while a wrong mask, group or scale moves outputs by ≥ 10⁻³. */
    public static final double TOLERANCE = 1e-4;
    /** Name suffix of the decode contender that reads a {@link TransposedKeys} cache. */
    static final String TRANSPOSED_CACHE = ", Kᵀ cache";
    /** Size of the start-of-run read-bandwidth probe: far beyond the caches. */
    static final int READ_PROBE_MIB = 512;

    /** What a configuration runs. */
    public enum Kind { PREFILL, DECODE, MLA_DECODE }

    /** One raced shape. For MLA, D = C + P and Dv = C (H heads over one latent head). */
    public record Config(String id, Kind kind, AttentionDims dims) {
        /** Useful FLOPs: 2·(D + Dv) per visible (query, key) pair per head. */
        double flops() {
            double pairs = kind == Kind.PREFILL ? (double) dims.kvLen() * (dims.kvLen() + 1) / 2.0 : dims.kvLen();
            return 2.0 * dims.batch() * dims.numHeads() * pairs * (dims.headDim() + dims.valueHeadDim());
        }

        /** Bytes of K/V read once (decode); for MLA the latent cache rows of C + P floats. */
        double cacheBytes() {
            if (kind == Kind.MLA_DECODE) {
                return 4.0 * dims.batch() * dims.kvLen() * dims.headDim();
            }
            return 4.0 * dims.batch() * dims.numKvHeads() * dims.kvLen() * (dims.headDim() + dims.valueHeadDim());
        }
    }

    /** Run settings. */
    public record Settings(boolean quick, List<Integer> threads, int warmups, int runs, long seed) {
    }

    /** Wall-time statistics in milliseconds. */
    public record Stats(double median, double min, double max, double q1, double q3) {
        static Stats of(double[] millis) {
            double[] x = millis.clone();
            Arrays.sort(x);
            return new Stats(quantile(x, 0.5), x[0], x[x.length - 1], quantile(x, 0.25), quantile(x, 0.75));
        }

        private static double quantile(double[] sorted, double p) {
            double position = p * (sorted.length - 1);
            int lo = (int) Math.floor(position);
            int hi = (int) Math.ceil(position);
            return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
        }
    }

    /** One contender's result on one configuration and thread count. */
    public record Measurement(Config config, int threads, String contender, Stats stats, double gflops,
            double shareOfFmaPeak, double gbPerSecond, double shareOfReadBandwidth, double fastSpeedup,
            double maxAbsDiffFromFast, double fmaPeakNow, double readBandwidthNow) {
    }

    /** The ceilings and every measurement of one race. */
    public record Report(double[] fmaPeak, double[] readBandwidth, List<Measurement> measurements) {
    }

    /** The configurations of a race. */
    public static List<Config> configs(boolean quick) {
        List<Config> configs = new ArrayList<>();
        int[] prefillLengths = quick ? new int[] {1024} : new int[] {512, 1024, 2048, 4096};
        for (int s : prefillLengths) {
            configs.add(new Config("prefill-gqa-S" + s, Kind.PREFILL, new AttentionDims(1, 32, 8, s, s, 128, 128)));
        }
        if (!quick) {
            configs.add(new Config("prefill-mha-S1024", Kind.PREFILL, new AttentionDims(1, 32, 32, 1024, 1024, 128, 128)));
            configs.add(new Config("prefill-mqa-S1024", Kind.PREFILL, new AttentionDims(1, 32, 1, 1024, 1024, 128, 128)));
        }
        int[] cacheLengths = quick ? new int[] {16384} : new int[] {1024, 4096, 16384, 32768};
        for (int s : cacheLengths) {
            configs.add(new Config("decode-gqa-S" + s, Kind.DECODE, new AttentionDims(1, 32, 8, 1, s, 128, 128)));
        }
        configs.add(new Config("decode-mla-S4096", Kind.MLA_DECODE, new AttentionDims(1, 128, 1, 1, 4096, 576, 512)));
        return configs;
    }

    private AttentionRace() {
    }

    /** Runs every configuration for every thread count; progress and a table go to {@code log}. */
    public static Report run(Settings settings, List<Config> configs, PrintWriter log) throws Exception {
        int maxThreads = settings.threads().stream().mapToInt(Integer::intValue).max().orElse(1);
        warmUpKernels(settings.seed());
        double[] fmaPeak = new double[maxThreads + 1];
        double[] readBandwidth = new double[maxThreads + 1];
        List<Measurement> measurements = new ArrayList<>();
        for (int threads : settings.threads()) {
            int repeats = settings.quick() ? 3 : 5;
            fmaPeak[threads] = CpuProbe.fmaPeak(threads, true, true, repeats) / 1e9;
            readBandwidth[threads] = CpuProbe.readBandwidth(threads, (long) READ_PROBE_MIB << 20, true, repeats) / 1e9;
            log.printf(Locale.ROOT, "machine at start, %d thread(s): FMA peak %.1f GFLOP/s, read bandwidth %.1f GB/s%n",
                    threads, fmaPeak[threads], readBandwidth[threads]);
            log.flush();
        }
        for (Config config : configs) {
            Inputs inputs = Inputs.draw(config, settings.seed());
            for (int threads : settings.threads()) {
                List<Contender> contenders = Contender.forConfig(config, threads, inputs);
                Ceilings ceilings = new Ceilings(config, threads, inputs);
                try {
                    measurements.addAll(race(config, threads, contenders, ceilings, settings, log));
                } finally {
                    for (Contender contender : contenders) {
                        contender.close();
                    }
                }
            }
        }
        return new Report(fmaPeak, readBandwidth, measurements);
    }

    /**
     * Many small calls of every fast path before anything else runs, so that C2 compiles the kernels
     * with the Vector API intrinsics inlined. On JDK 17 a kernel first compiled after long interpreted
     * or OSR runs can end up with boxed vectors, ~8× slower for the rest of the process.
     */
    static void warmUpKernels(long seed) {
        AttentionDims prefill = new AttentionDims(1, 8, 2, 130, 130, 128, 128);
        AttentionDims decode = new AttentionDims(1, 8, 2, 1, 1100, 128, 128);
        Inputs p = Inputs.draw(new Config("warm-up", Kind.PREFILL, prefill), seed);
        Inputs d = Inputs.draw(new Config("warm-up", Kind.DECODE, decode), seed);
        int heads = 16;
        float[] qLatent = new float[heads * 512];
        float[] qRope = new float[heads * 64];
        float[] cache = new float[600 * 576];
        float[] prefillOut = new float[prefill.outputCount()];
        float[] decodeOut = new float[decode.outputCount()];
        float[] mlaOut = new float[heads * 512];
        try (FastAttention fast = new FastAttention(1)) {
            for (int i = 0; i < 300; i++) {
                fast.prefill(prefill, p.q(), p.k(), p.v(), FastAttentionOptions.causalFrom(0), prefillOut);
                fast.decode(decode, d.q(), d.k(), d.v(), FastAttentionOptions.none(), decodeOut);
                fast.mlaDecode(1, heads, 512, 64, 600, qLatent, qRope, cache, 0.07f, mlaOut);
            }
        }
    }

    /** The live ceilings of one configuration: an FMA loop of about its FLOPs, a read of its K/V. */
    private static final class Ceilings {
        final int threads;
        final long fmaIterations;
        final float[][] cache;
        double fmaFlops;
        double readBytes;

        Ceilings(Config config, int threads, Inputs inputs) {
            this.threads = threads;
            this.fmaIterations = CpuProbe.iterationsFor(Math.max(2e9, Math.min(config.flops(), 2e10)), threads);
            this.cache = config.kind() == Kind.PREFILL ? null
                    : inputs.v() == null ? new float[][] {inputs.k()} : new float[][] {inputs.k(), inputs.v()};
        }

        int count() {
            return cache == null ? 1 : 2;
        }

        void run(int which) throws Exception {
            if (which == 0) {
                fmaFlops = CpuProbe.fmaWork(threads, fmaIterations);
            } else {
                readBytes = CpuProbe.readWork(threads, cache);
            }
        }
    }

    private static List<Measurement> race(Config config, int threads, List<Contender> contenders, Ceilings ceilings,
            Settings settings, PrintWriter log) throws Exception {
        int n = contenders.size();
        int total = n + ceilings.count();
        for (int w = 0; w < settings.warmups(); w++) {
            for (int c = 0; c < total; c++) {
                runOne(contenders, ceilings, c);
            }
        }
        double[][] millis = new double[total][settings.runs()];
        for (int r = 0; r < settings.runs(); r++) {
            for (int i = 0; i < total; i++) {
                int c = (i + r) % total;   // a different contender leads each round
                long start = System.nanoTime();
                runOne(contenders, ceilings, c);
                millis[c][r] = (System.nanoTime() - start) / 1e6;
            }
        }
        double fmaPeak = ceilings.fmaFlops / (Stats.of(millis[n]).median() / 1e3) / 1e9;
        double readBandwidth = ceilings.count() > 1
                ? ceilings.readBytes / (Stats.of(millis[n + 1]).median() / 1e3) / 1e9 : Double.NaN;
        log.printf(Locale.ROOT, "%-20s %dT ceilings in the same rounds: FMA loop %.1f GFLOP/s%s%n", config.id(), threads,
                fmaPeak, Double.isNaN(readBandwidth) ? ""
                        : String.format(Locale.ROOT, ", read loop over the same K/V %.1f GB/s", readBandwidth));
        float[] fastOut = contenders.get(0).output();
        Stats fastStats = Stats.of(millis[0]);
        List<Measurement> results = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            Stats stats = Stats.of(millis[c]);
            double seconds = stats.median() / 1e3;
            double gflops = config.flops() / seconds / 1e9;
            boolean decode = config.kind() != Kind.PREFILL;
            double gbps = decode ? config.cacheBytes() / seconds / 1e9 : Double.NaN;
            double diff = c == 0 ? 0.0 : maxAbsDiff(fastOut, contenders.get(c).output());
            Measurement m = new Measurement(config, threads, contenders.get(c).name(), stats, gflops, gflops / fmaPeak,
                    gbps, decode ? gbps / readBandwidth : Double.NaN, stats.median() / fastStats.median(), diff,
                    fmaPeak, readBandwidth);
            results.add(m);
            log.printf(Locale.ROOT, "%-20s %dT %-26s median %9.3f ms [%8.3f–%8.3f, IQR %8.3f–%8.3f]  %7.1f GFLOP/s"
                    + " (%5.1f%% FMA peak)%s  fast ×%.2f%s%n",
                    config.id(), threads, m.contender(), stats.median(), stats.min(), stats.max(), stats.q1(), stats.q3(),
                    gflops, 100 * m.shareOfFmaPeak(),
                    decode ? String.format(Locale.ROOT, "  %6.1f GB/s (%5.1f%% read bw)", gbps, 100 * m.shareOfReadBandwidth()) : "",
                    m.fastSpeedup(),
                    c == 0 ? "" : String.format(Locale.ROOT, "  max|Δ| %.2e %s", diff, diff <= TOLERANCE ? "ok" : "EXCEEDS " + TOLERANCE));
            log.flush();
        }
        return results;
    }

    private static void runOne(List<Contender> contenders, Ceilings ceilings, int c) throws Exception {
        if (c < contenders.size()) {
            contenders.get(c).run();
        } else {
            ceilings.run(c - contenders.size());
        }
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs(a[i] - b[i]);
            max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
        }
        return max;
    }

    /** Seeded inputs of one configuration, shared by every contender. */
    record Inputs(float[] q, float[] k, float[] v) {
        static Inputs draw(Config config, long seed) {
            AttentionDims dims = config.dims();
            SeededRandom random = new SeededRandom(seed);
            if (config.kind() == Kind.MLA_DECODE) {
                // q = [q_latent | q_rope] per head, cache rows [c_kv | k_rope]; v is not used by the
                // fast kernel (it reads c_kv from the cache) but ORT needs it as its own tensor.
                float[] q = uniform(random, dims.queryCount());
                float[] cache = uniform(random, dims.keyCount());
                return new Inputs(q, cache, null);
            }
            return new Inputs(uniform(random, dims.queryCount()), uniform(random, dims.keyCount()),
                    uniform(random, dims.valueCount()));
        }

        private static float[] uniform(SeededRandom random, int n) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = (float) random.uniform(-1, 1);
            }
            return x;
        }
    }

    /** One implementation ready to run on one configuration. */
    interface Contender extends AutoCloseable {
        String name();

        void run() throws Exception;

        float[] output();

        @Override
        void close() throws Exception;

        static List<Contender> forConfig(Config config, int threads, Inputs inputs) throws Exception {
            List<Contender> list = new ArrayList<>();
            AttentionDims dims = config.dims();
            switch (config.kind()) {
                case PREFILL -> {
                    list.add(fast(threads, out -> out.fast().prefill(dims, inputs.q(), inputs.k(), inputs.v(),
                            FastAttentionOptions.causalFrom(0), out.out()), dims.outputCount()));
                    list.add(ort(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, false, dims, threads, inputs.q(), inputs.k(), inputs.v()));
                    list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, false, dims, threads, inputs.q(), inputs.k(), inputs.v()));
                }
                case DECODE -> {
                    list.add(fast(threads, out -> out.fast().decode(dims, inputs.q(), inputs.k(), inputs.v(),
                            FastAttentionOptions.none(), out.out()), dims.outputCount()));
                    // The same keys kept in the cache layout the kernels read fastest, packed once (not timed).
                    TransposedKeys keys = TransposedKeys.of(dims, inputs.k());
                    list.add(fast(threads, TRANSPOSED_CACHE, out -> out.fast().decode(dims, inputs.q(), keys, inputs.v(),
                            FastAttentionOptions.none(), out.out()), dims.outputCount()));
                    list.add(ort(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, dims, threads, inputs.q(), inputs.k(), inputs.v()));
                    list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, true, dims, threads, inputs.q(), inputs.k(), inputs.v()));
                }
                case MLA_DECODE -> {
                    int heads = dims.numHeads();
                    int row = dims.headDim();
                    int latent = dims.valueHeadDim();
                    int rope = row - latent;
                    int kvLen = dims.kvLen();
                    float[] qLatent = new float[heads * latent];
                    float[] qRope = new float[heads * rope];
                    for (int h = 0; h < heads; h++) {
                        System.arraycopy(inputs.q(), h * row, qLatent, h * latent, latent);
                        System.arraycopy(inputs.q(), h * row + latent, qRope, h * rope, rope);
                    }
                    float scale = (float) (1.0 / Math.sqrt(192));
                    list.add(fast(threads, out -> out.fast().mlaDecode(1, heads, latent, rope, kvLen, qLatent, qRope,
                            inputs.k(), scale, out.out()), dims.outputCount()));
                    float[] values = new float[kvLen * latent];
                    for (int s = 0; s < kvLen; s++) {
                        System.arraycopy(inputs.k(), s * row, values, s * latent, latent);
                    }
                    // ORT's default scale is 1/√D = 1/√576; put the MLA scale 1/√192 into q instead.
                    float[] scaledQ = inputs.q().clone();
                    float factor = (float) (Math.sqrt(row) / Math.sqrt(192));
                    for (int i = 0; i < scaledQ.length; i++) {
                        scaledQ[i] *= factor;
                    }
                    list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, true, dims, threads, scaledQ, inputs.k(), values));
                }
                default -> throw new IllegalStateException("unknown kind " + config.kind());
            }
            return list;
        }

        private static Contender ort(OnnxRuntimePeer.Op op, boolean decode, AttentionDims dims, int threads, float[] q,
                float[] k, float[] v) throws Exception {
            OnnxRuntimePeer peer = new OnnxRuntimePeer(op, decode, dims, threads, q, k, v);
            return new Contender() {
                @Override
                public String name() {
                    return op.label();
                }

                @Override
                public void run() throws Exception {
                    peer.run();
                }

                @Override
                public float[] output() {
                    return peer.output();
                }

                @Override
                public void close() throws Exception {
                    peer.close();
                }
            };
        }

        private static Contender fast(int threads, FastCall call, int outputs) {
            return fast(threads, "", call, outputs);
        }

        private static Contender fast(int threads, String variant, FastCall call, int outputs) {
            FastAttention fast = new FastAttention(threads);
            FastRun state = new FastRun(fast, new float[outputs]);
            return new Contender() {
                @Override
                public String name() {
                    return "fast (" + fast.kernels().name().toLowerCase(Locale.ROOT) + variant + ")";
                }

                @Override
                public void run() {
                    call.run(state);
                }

                @Override
                public float[] output() {
                    return state.out();
                }

                @Override
                public void close() {
                    fast.close();
                }
            };
        }
    }

    /** The fast kernel and its output buffer. */
    record FastRun(FastAttention fast, float[] out) {
    }

    /** A call of the fast kernel on prepared inputs. */
    interface FastCall {
        void run(FastRun run);
    }
}
