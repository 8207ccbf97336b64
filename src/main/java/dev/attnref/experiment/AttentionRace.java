package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import dev.attnref.fast.AttentionDims;
import dev.attnref.fast.FastAttentionOptions;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.HalfPrecisionCache;
import dev.attnref.fast.TransposedKeys;
import dev.attnref.peer.TorchPeer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * {@code attnref race}: the fast kernels against ONNX Runtime and PyTorch 2.10 in one process, on the
 * same inputs. Question: how fast is {@link FastAttention} (float32, and decode over bf16 and fp16
 * caches) against ORT's {@code GroupQueryAttention} and {@code Attention} (opset 23) and PyTorch's
 * {@code scaled_dot_product_attention} ({@link TorchPeer}) on this machine, as a share of the
 * machine's own ceilings, and against the best peer at each point?
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
 *       bandwidth; the fast kernel's speed-up (peer median / fast median); the speed-up over the best
 *       peer reading the same precision ({@link Measurement}); and the max |difference| of each output
 *       from attnref's kernel on the same precision, against {@link #tolerance}.</li>
 *   <li>PyTorch runs on {@code set_num_threads(threads)} (process-wide, set before each call); which
 *       SDPA backend ran is identified per contender ({@link TorchPeer.Prepared#backend}). Its OpenMP
 *       threads spin after each call unless {@code OMP_WAIT_POLICY=PASSIVE} is in the environment (as
 *       ORT's spinning is turned off); the CSV's settings record it.</li>
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

    /**
     * What a configuration runs; the batched kinds are decode over ragged caches (a key length per row), the
     * chunk kinds T new tokens after a past of S − T, causal bottom-right.
     */
    public enum Kind { PREFILL, DECODE, MLA_DECODE, RAGGED_DECODE, RAGGED_MLA_DECODE, CHUNK_PREFILL, CHUNK_MLA_PREFILL }

    /** Cached tokens before the chunk of the chunked-prefill configurations. */
    static final int CHUNK_PAST = 4096;

    /** Longest cache of the ragged configurations; row lengths are drawn from [S/16, S]. */
    static final int RAGGED_MAX = 2048;

    /**
     * One raced shape. For MLA, D = C + P and Dv = C (H heads over one latent head). {@code keyLengths}:
     * per batch row, the keys it sees (ragged kinds), else null (every row sees all S).
     */
    public record Config(String id, Kind kind, AttentionDims dims, int[] keyLengths) {
        public Config(String id, Kind kind, AttentionDims dims) {
            this(id, kind, dims, null);
        }

        boolean latent() {
            return kind == Kind.MLA_DECODE || kind == Kind.RAGGED_MLA_DECODE || kind == Kind.CHUNK_MLA_PREFILL;
        }

        /** Causal kinds: query t sees keys s ≤ S − T + t. */
        boolean causal() {
            return kind == Kind.PREFILL || kind == Kind.CHUNK_PREFILL || kind == Kind.CHUNK_MLA_PREFILL;
        }

        /** Decode kinds stream the cache once per call: they get a read ceiling and GB/s. */
        boolean decode() {
            return !causal();
        }

        /** Σ over batch rows of the keys a row sees (B·S without key lengths). */
        double visibleKeys() {
            return keyLengths == null ? (double) dims.batch() * dims.kvLen() : Arrays.stream(keyLengths).sum();
        }

        /** Useful FLOPs: 2·(D + Dv) per visible (query, key) pair per head; causal: Σ_t (S − T + t + 1) = T(S − T) + T(T + 1)/2 pairs. */
        double flops() {
            double t = dims.qLen();
            double pairs = causal() ? dims.batch() * (t * (dims.kvLen() - t) + t * (t + 1) / 2.0) : visibleKeys();
            return 2.0 * dims.numHeads() * pairs * (dims.headDim() + dims.valueHeadDim());
        }

        /** Bytes of float32 K/V read once (decode: the visible rows); for MLA the latent cache rows of C + P floats. */
        double cacheBytes() {
            if (latent()) {
                return 4.0 * visibleKeys() * dims.headDim();
            }
            return 4.0 * dims.numKvHeads() * visibleKeys() * (dims.headDim() + dims.valueHeadDim());
        }
    }

    /** Run settings; {@code phases}: the configurations are {@link #phaseConfigs()}, raced by attnref's kernel alone. */
    public record Settings(boolean quick, List<Integer> threads, int warmups, int runs, long seed, boolean phases) {
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

    /**
     * One contender's result on one configuration and thread count. {@code bestPeer} is the fastest peer
     * (not attnref's kernel) reading the same precision at that point, {@code bestPeerSpeedup} its median
     * over this contender's (&gt; 1: this one is faster); empty and NaN when no peer reads that precision.
     */
    public record Measurement(Config config, int threads, String contender, String precision, String backend,
            Stats stats, double gflops, double shareOfFmaPeak, double gbPerSecond, double shareOfReadBandwidth,
            double fastSpeedup, String bestPeer, double bestPeerSpeedup, double maxAbsDiffFromFast, double tolerance,
            double fmaPeakNow, double readBandwidthNow) {
    }

    /** The ceilings and every measurement of one race. */
    public record Report(double[] fmaPeak, double[] readBandwidth, List<Measurement> measurements) {
    }

    /** The configurations of a race. */
    public static List<Config> configs(boolean quick) {
        List<Config> configs = new ArrayList<>();
        int[] prefillLengths = quick ? new int[] {1024} : new int[] {512, 1024, 2048, 4096, 8192};
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
        for (int t : quick ? new int[] {64} : new int[] {64, 512}) {
            configs.add(new Config("chunk-gqa-P" + CHUNK_PAST + "-T" + t, Kind.CHUNK_PREFILL,
                    new AttentionDims(1, 32, 8, t, CHUNK_PAST + t, 128, 128)));
        }
        if (!quick) {
            configs.add(new Config("chunk-mla-P" + CHUNK_PAST + "-T64", Kind.CHUNK_MLA_PREFILL,
                    new AttentionDims(1, 128, 1, 64, CHUNK_PAST + 64, 576, 512)));
        }
        for (int b : quick ? new int[] {8} : new int[] {1, 8, 32}) {
            int[] lengths = raggedLengths(b);
            configs.add(new Config("ragged-gqa-B" + b, Kind.RAGGED_DECODE,
                    new AttentionDims(b, 32, 8, 1, RAGGED_MAX, 128, 128), lengths));
            configs.add(new Config("ragged-mla-B" + b, Kind.RAGGED_MLA_DECODE,
                    new AttentionDims(b, 128, 1, 1, RAGGED_MAX, 576, 512), lengths));
        }
        return configs;
    }

    /** Width of a shrunk phase: the smallest multiple of the vector length (16 floats). */
    static final int PHASE_WIDTH = 16;

    /** Suffixes of a path's phase configurations, in the order {@link #phaseConfigs()} lists them. */
    static final List<String> PHASES = List.of("", "-logits", "-values", "-softmax");

    /**
     * {@code race --phases}: each path P at full widths and three shrunk copies that isolate a phase by
     * its cost (logits ∝ D, value sums ∝ Dv, softmax ∝ pairs): P-logits (D full, Dv = 16), P-values
     * (D = 16, Dv full), P-softmax (D = Dv = 16). Absorbed MLA's values are the first C columns of its
     * key rows (Dv = C ≤ D), so its P-values has D = Dv (no rope part) and also computes logits over C.
     */
    public static List<Config> phaseConfigs() {
        List<Config> configs = new ArrayList<>();
        for (Config path : phasePaths()) {
            AttentionDims d = path.dims();
            int valuesKeyWidth = path.latent() ? d.valueHeadDim() : PHASE_WIDTH;
            configs.add(path);
            configs.add(shrunk(path, PHASES.get(1), d.headDim(), PHASE_WIDTH));
            configs.add(shrunk(path, PHASES.get(2), valuesKeyWidth, d.valueHeadDim()));
            configs.add(shrunk(path, PHASES.get(3), PHASE_WIDTH, PHASE_WIDTH));
        }
        return configs;
    }

    /** The paths of the phase breakdown, at full widths (as in the race). */
    private static List<Config> phasePaths() {
        return List.of(
                new Config("prefill-gqa-S2048", Kind.PREFILL, new AttentionDims(1, 32, 8, 2048, 2048, 128, 128)),
                new Config("decode-gqa-S16384", Kind.DECODE, new AttentionDims(1, 32, 8, 1, 16384, 128, 128)),
                new Config("decode-mla-S4096", Kind.MLA_DECODE, new AttentionDims(1, 128, 1, 1, 4096, 576, 512)));
    }

    private static Config shrunk(Config path, String phase, int headDim, int valueHeadDim) {
        AttentionDims d = path.dims();
        return new Config(path.id() + phase, path.kind(), new AttentionDims(d.batch(), d.numHeads(), d.numKvHeads(),
                d.qLen(), d.kvLen(), headDim, valueHeadDim));
    }

    /**
     * One line per path and thread count whose four phase configurations were raced, from the medians:
     * logits ≈ t(P-logits) − t(P-softmax), values ≈ t(P-values) − t(P-softmax), softmax and overhead ≈
     * t(P-softmax), and the residual t(P) minus those three (what the phases do not add up to).
     */
    public static void printPhaseSplit(Report report, PrintWriter log) {
        for (Config path : phasePaths()) {
            for (int threads : report.measurements().stream().mapToInt(Measurement::threads).distinct().toArray()) {
                double[] t = PHASES.stream().mapToDouble(phase -> fastMedian(report, path.id() + phase, threads)).toArray();
                if (Arrays.stream(t).anyMatch(Double::isNaN)) {
                    continue;
                }
                double logits = t[1] - t[3];
                double values = t[2] - t[3];
                double residual = t[0] - logits - values - t[3];
                log.printf(Locale.ROOT, "phases %-18s %dT: full %.3f ms = logits %.3f (%.0f%%) + values %.3f (%.0f%%)"
                        + " + softmax and overhead %.3f (%.0f%%) + residual %.3f (%.0f%%)%n", path.id(), threads, t[0],
                        logits, 100 * logits / t[0], values, 100 * values / t[0], t[3], 100 * t[3] / t[0], residual,
                        100 * residual / t[0]);
            }
        }
        log.flush();
    }

    /** Median of attnref's kernel on configuration {@code id} at {@code threads}, or NaN if it was not raced. */
    private static double fastMedian(Report report, String id, int threads) {
        return report.measurements().stream()
                .filter(m -> m.config().id().equals(id) && m.threads() == threads && m.contender().startsWith("fast ("))
                .mapToDouble(m -> m.stats().median()).findFirst().orElse(Double.NaN);
    }

    /** Row lengths of a ragged batch of B rows: uniform in [S/16, S], S = {@value #RAGGED_MAX}, seeded by B. */
    static int[] raggedLengths(int batch) {
        SeededRandom random = new SeededRandom(20240601L + batch);
        int[] lengths = new int[batch];
        for (int b = 0; b < batch; b++) {
            lengths[b] = random.intBetween(RAGGED_MAX / 16, RAGGED_MAX);
        }
        return lengths;
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
                List<Contender> contenders = settings.phases() ? Contender.forPhase(config, threads, inputs)
                        : Contender.forConfig(config, threads, inputs);
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
        int heads = 128;   // DeepSeek-V3's: wide enough for the head-lane decode (FastAttention)
        float[] qLatent = new float[heads * 512];
        float[] qRope = new float[heads * 64];
        float[] cache = new float[600 * 576];
        float[] prefillOut = new float[prefill.outputCount()];
        float[] decodeOut = new float[decode.outputCount()];
        float[] mlaOut = new float[heads * 512];
        HalfPrecisionCache bf16 = HalfPrecisionCache.of(HalfPrecisionCache.Format.BF16, decode, d.k(), d.v());
        HalfPrecisionCache fp16 = HalfPrecisionCache.of(HalfPrecisionCache.Format.FP16, decode, d.k(), d.v());
        try (FastAttention fast = new FastAttention(1)) {
            for (int i = 0; i < 300; i++) {
                fast.prefill(prefill, p.q(), p.k(), p.v(), FastAttentionOptions.causalFrom(0), prefillOut);
                fast.decode(decode, d.q(), d.k(), d.v(), FastAttentionOptions.none(), decodeOut);
                fast.decode(decode, d.q(), bf16, FastAttentionOptions.none(), decodeOut);
                fast.decode(decode, d.q(), fp16, FastAttentionOptions.none(), decodeOut);
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
            this.cache = !config.decode() ? null
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
        Stats fastStats = Stats.of(millis[0]);
        List<Measurement> results = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            Contender contender = contenders.get(c);
            Stats stats = Stats.of(millis[c]);
            double seconds = stats.median() / 1e3;
            double gflops = config.flops() / seconds / 1e9;
            boolean decode = config.decode();
            double gbps = decode ? config.cacheBytes() * bytesPerValue(contender.precision()) / 4 / seconds / 1e9
                    : Double.NaN;
            // each output against attnref's first kernel reading the same precision
            Contender reference = contenders.stream()
                    .filter(o -> o.own() && o.precision().equals(contender.precision())).findFirst().orElseThrow();
            double diff = reference == contender ? 0.0 : maxAbsDiff(reference.output().get(), contender.output().get());
            int best = bestPeer(contenders, millis, contender.precision());
            Measurement m = new Measurement(config, threads, contender.name(), contender.precision(), contender.backend(),
                    stats, gflops, gflops / fmaPeak, gbps, decode ? gbps / readBandwidth : Double.NaN,
                    stats.median() / fastStats.median(), best < 0 ? "" : contenders.get(best).name(),
                    best < 0 ? Double.NaN : Stats.of(millis[best]).median() / stats.median(), diff,
                    tolerance(contender.precision()), fmaPeak, readBandwidth);
            results.add(m);
            log.printf(Locale.ROOT, "%-20s %dT %-38s median %9.3f ms [%8.3f–%8.3f, IQR %8.3f–%8.3f]  %7.1f GFLOP/s"
                    + " (%5.1f%% FMA peak)%s  fast ×%.2f%s%s%n",
                    config.id(), threads, m.contender(), stats.median(), stats.min(), stats.max(), stats.q1(), stats.q3(),
                    gflops, 100 * m.shareOfFmaPeak(),
                    decode ? String.format(Locale.ROOT, "  %6.1f GB/s (%5.1f%% read bw)", gbps, 100 * m.shareOfReadBandwidth()) : "",
                    m.fastSpeedup(),
                    best < 0 ? "" : String.format(Locale.ROOT, "  vs best peer ×%.2f", m.bestPeerSpeedup()),
                    reference == contender ? "" : String.format(Locale.ROOT, "  max|Δ| %.2e %s", diff,
                            diff <= m.tolerance() ? "ok" : "EXCEEDS " + m.tolerance()));
            log.flush();
        }
        return results;
    }

    /** Index of the peer (not attnref's) of {@code precision} with the smallest median, or −1 if there is none. */
    private static int bestPeer(List<Contender> contenders, double[][] millis, String precision) {
        int best = -1;
        for (int c = 0; c < contenders.size(); c++) {
            Contender other = contenders.get(c);
            if (!other.own() && other.precision().equals(precision)
                    && (best < 0 || Stats.of(millis[c]).median() < Stats.of(millis[best]).median())) {
                best = c;
            }
        }
        return best;
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
            if (config.latent()) {
                // q = [q_latent | q_rope] per head, cache rows [c_kv | k_rope]; v is not used by the
                // fast kernel (it reads c_kv from the cache) but ORT needs it as its own tensor.
                float[] q = random.floats(dims.queryCount(), -1, 1);
                float[] cache = random.floats(dims.keyCount(), -1, 1);
                return new Inputs(q, cache, null);
            }
            return new Inputs(random.floats(dims.queryCount(), -1, 1), random.floats(dims.keyCount(), -1, 1),
                    random.floats(dims.valueCount(), -1, 1));
        }
    }

    /** Element types a contender reads its q, k and v in (the CSV's {@code precision}). */
    static final String FLOAT32 = "float32";
    static final String BF16 = "bf16";
    static final String FP16 = "fp16";

    /**
     * Agreement bound of a contender reading {@code precision} against attnref's kernel on the same
     * rounded values: {@link #TOLERANCE} for float32; for 16-bit, PyTorch rounds its output and (flash
     * kernel) the probabilities before P·V to the format, each off by at most u·max|v| = u here (u its
     * unit roundoff), so 2u + {@link #TOLERANCE}: 7.9·10⁻³ for bf16, 1.1·10⁻³ for fp16.
     */
    static double tolerance(String precision) {
        return switch (precision) {
            case BF16 -> 2 * HalfPrecisionCache.Format.BF16.unitRoundoff() + TOLERANCE;
            case FP16 -> 2 * HalfPrecisionCache.Format.FP16.unitRoundoff() + TOLERANCE;
            default -> TOLERANCE;
        };
    }

    /** Bytes per cached value a contender of {@code precision} reads. */
    static int bytesPerValue(String precision) {
        return precision.equals(FLOAT32) ? 4 : 2;
    }

    /**
     * One implementation ready to run on one configuration: attnref's own ({@code own}) or a peer;
     * {@code backend} says which kernel ran where that is known; {@code resources} are closed after the
     * configuration.
     */
    record Contender(String name, String precision, String backend, boolean own, Action action,
            Supplier<float[]> output, AutoCloseable resources) implements AutoCloseable {
        void run() throws Exception {
            action.run();
        }

        @Override
        public void close() throws Exception {
            resources.close();
        }

        static List<Contender> forConfig(Config config, int threads, Inputs inputs) throws Exception {
            List<Contender> list = new ArrayList<>();
            try {
                switch (config.kind()) {
                    case PREFILL -> addPrefill(list, config.dims(), threads, inputs);
                    case DECODE -> addDecode(list, config.dims(), threads, inputs);
                    case MLA_DECODE -> addMlaDecode(list, config.dims(), threads, inputs);
                    case RAGGED_DECODE -> addRaggedDecode(list, config.dims(), config.keyLengths(), threads, inputs);
                    case RAGGED_MLA_DECODE -> addRaggedMlaDecode(list, config.dims(), config.keyLengths(), threads, inputs);
                    case CHUNK_PREFILL -> addChunkPrefill(list, config.dims(), threads, inputs);
                    case CHUNK_MLA_PREFILL -> addChunkMlaPrefill(list, config.dims(), threads, inputs);
                    default -> throw new IllegalStateException("unknown kind " + config.kind());
                }
            } catch (Exception | Error e) {
                for (Contender contender : list) {
                    contender.close();
                }
                throw e;
            }
            return list;
        }

        /** A phase configuration: attnref's kernel of its path alone (decode over the Kᵀ cache). */
        static List<Contender> forPhase(Config config, int threads, Inputs inputs) {
            AttentionDims dims = config.dims();
            return List.of(switch (config.kind()) {
                case PREFILL -> fastPrefill(dims, threads, inputs);
                case DECODE -> fastTransposedDecode(dims, threads, inputs);
                case MLA_DECODE -> fastMlaDecode(dims, threads, inputs);
                default -> throw new IllegalStateException("no phase breakdown for kind " + config.kind());
            });
        }

        /** Causal prefill, T = S: fast, ORT GQA and Attention-23, PyTorch SDPA with enable_gqa and with K/V repeated. */
        private static void addPrefill(List<Contender> list, AttentionDims dims, int threads, Inputs in) throws Exception {
            list.add(fastPrefill(dims, threads, in));
            list.add(ort(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, false, dims, threads, in.q(), in.k(), in.v()));
            list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, false, dims, threads, in.q(), in.k(), in.v()));
            addTorchSdpa(list, dims, threads, in, true, null, "");
        }

        /**
         * Decode, T = 1 over S keys: fast over row-major keys, a Kᵀ cache, a bf16 and an fp16 cache;
         * ORT GQA and Attention-23; PyTorch SDPA in float32 (enable_gqa, K/V repeated), bf16 and fp16.
         * The 16-bit contenders all read q, k, v rounded to their format (PyTorch rounds as
         * {@link HalfPrecisionCache.Format#round} does: to nearest, ties to even).
         */
        private static void addDecode(List<Contender> list, AttentionDims dims, int threads, Inputs in) throws Exception {
            int outputs = dims.outputCount();
            list.add(fast(threads, "", FLOAT32, (fast, out) -> fast.decode(dims, in.q(), in.k(), in.v(),
                    FastAttentionOptions.none(), out), outputs));
            list.add(fastTransposedDecode(dims, threads, in));
            for (HalfPrecisionCache.Format format : HalfPrecisionCache.Format.values()) {
                HalfPrecisionCache cache = HalfPrecisionCache.of(format, dims, in.k(), in.v());
                float[] q = rounded(format, in.q());
                list.add(fast(threads, ", " + label(format) + " cache", label(format), (fast, out) -> fast.decode(dims, q,
                        cache, FastAttentionOptions.none(), out), outputs));
            }
            list.add(ort(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, dims, threads, in.q(), in.k(), in.v()));
            list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, true, dims, threads, in.q(), in.k(), in.v()));
            addTorchSdpa(list, dims, threads, in, false, null, "");
            TorchPeer torch = new TorchPeer(threads);
            list.add(torch("PyTorch SDPA bf16 (enable_gqa)", BF16, torch.prepareSdpa(dims, in.q(), in.k(), in.v(), false,
                    null, false, TorchPeer.Precision.BFLOAT16)));
            list.add(torch("PyTorch SDPA fp16 (enable_gqa)", FP16, torch.prepareSdpa(dims, in.q(), in.k(), in.v(), false,
                    null, false, TorchPeer.Precision.FLOAT16)));
        }

        /**
         * PyTorch SDPA in float32 with enable_gqa and, when G &lt; H, with K/V repeated to H heads per call;
         * {@code mask} (or null) and its {@code label} (", causal mask") as in {@link TorchPeer#prepareSdpa}.
         */
        private static void addTorchSdpa(List<Contender> list, AttentionDims dims, int threads, Inputs in,
                boolean causal, TorchPeer.Mask mask, String label) {
            TorchPeer torch = new TorchPeer(threads);
            list.add(torch("PyTorch SDPA (enable_gqa" + label + ")", FLOAT32, torch.prepareSdpa(dims, in.q(), in.k(),
                    in.v(), causal, mask, false, TorchPeer.Precision.FLOAT32)));
            if (dims.numKvHeads() < dims.numHeads()) {
                list.add(torch("PyTorch SDPA (repeat_interleave K/V" + label + ")", FLOAT32, torch.prepareSdpa(dims, in.q(),
                        in.k(), in.v(), causal, mask, true, TorchPeer.Precision.FLOAT32)));
            }
        }

        /**
         * Chunked prefill, T new tokens after a past of P = S − T, query t seeing keys s ≤ P + t: fast over
         * row-major keys (Kᵀ packed per call) and over a Kᵀ cache (the chunk's keys appended to it, not timed);
         * ORT GroupQueryAttention with past_key/past_value; PyTorch SDPA with the bottom-right causal mask as a
         * boolean [T, S] (its is_causal is top-left). Not ORT Attention-23: its is_causal is top-left too and
         * the committed model has no mask input.
         */
        private static void addChunkPrefill(List<Contender> list, AttentionDims dims, int threads, Inputs in)
                throws Exception {
            int outputs = dims.outputCount();
            int past = dims.kvLen() - dims.qLen();
            FastAttentionOptions chunk = FastAttentionOptions.causalFrom(past);
            list.add(fast(threads, "", FLOAT32, (fast, out) -> fast.prefill(dims, in.q(), in.k(), in.v(), chunk, out),
                    outputs));
            TransposedKeys keys = TransposedKeys.of(dims, in.k());
            list.add(fast(threads, TRANSPOSED_CACHE, FLOAT32, (fast, out) -> fast.prefill(dims, in.q(), keys, in.v(),
                    chunk, out), outputs));
            list.add(ort(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, dims, threads, in.q(), in.k(), in.v()));
            // keep[t, s] = s ≤ P + t, broadcast over batch and heads
            boolean[] keep = new boolean[dims.qLen() * dims.kvLen()];
            for (int t = 0; t < dims.qLen(); t++) {
                Arrays.fill(keep, t * dims.kvLen(), t * dims.kvLen() + past + t + 1, true);
            }
            addTorchSdpa(list, dims, threads, in, false, TorchPeer.Mask.keep(keep, dims.qLen(), dims.kvLen()),
                    ", causal mask");
        }

        /**
         * Absorbed-MLA chunked prefill, T tokens after a past of S − T (q token-major [B, T, H, C + P]):
         * fast ({@link FastAttention#mlaPrefill}) and PyTorch's absorbed einsums with a bottom-right −∞ mask.
         */
        private static void addChunkMlaPrefill(List<Contender> list, AttentionDims dims, int threads, Inputs in) {
            Latent latent = Latent.split(dims, in.q());
            int batch = dims.batch();
            int chunk = dims.qLen();
            list.add(fast(threads, "", FLOAT32, (fast, out) -> fast.mlaPrefill(batch, latent.heads, latent.latent,
                    latent.rope, chunk, dims.kvLen(), latent.qLatent, latent.qRope, in.k(), MLA_SCALE, out),
                    dims.outputCount()));
            list.add(torch("PyTorch absorbed MLA (einsum, causal mask)", FLOAT32, new TorchPeer(threads)
                    .prepareAbsorbedMla(batch, latent.heads, latent.latent, latent.rope, chunk, dims.kvLen(), null,
                            latent.qLatent, latent.qRope, in.k(), MLA_SCALE)));
        }

        /**
         * Batched decode over ragged caches (row b sees its first keyLengths[b] keys): fast over row-major
         * keys, a Kᵀ cache and a bf16 cache; ORT GroupQueryAttention with seqlens_k; PyTorch SDPA with a
         * boolean padding mask [B, 1, 1, S], float32 and bf16. (ORT Attention-23 as modelled here has no mask.)
         */
        private static void addRaggedDecode(List<Contender> list, AttentionDims dims, int[] lengths, int threads,
                Inputs in) throws Exception {
            int outputs = dims.outputCount();
            FastAttentionOptions ragged = FastAttentionOptions.none().withKeyLengths(lengths);
            list.add(fast(threads, "", FLOAT32, (fast, out) -> fast.decode(dims, in.q(), in.k(), in.v(), ragged, out),
                    outputs));
            TransposedKeys keys = TransposedKeys.of(dims, in.k());
            list.add(fast(threads, TRANSPOSED_CACHE, FLOAT32, (fast, out) -> fast.decode(dims, in.q(), keys, in.v(),
                    ragged, out), outputs));
            HalfPrecisionCache cache = HalfPrecisionCache.of(HalfPrecisionCache.Format.BF16, dims, in.k(), in.v());
            float[] q = rounded(HalfPrecisionCache.Format.BF16, in.q());
            list.add(fast(threads, ", bf16 cache", BF16, (fast, out) -> fast.decode(dims, q, cache, ragged, out),
                    outputs));
            OnnxRuntimePeer peer = new OnnxRuntimePeer(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION, true, dims, threads,
                    in.q(), in.k(), in.v(), lengths);
            list.add(new Contender(OnnxRuntimePeer.Op.GROUP_QUERY_ATTENTION.label() + " (seqlens_k)", FLOAT32,
                    "ONNX Runtime CPU execution provider", false, peer::run, peer::output, peer));
            // keep[b, 0, 0, s] = s < len_b, broadcast over heads and the one query
            boolean[] keep = new boolean[dims.batch() * dims.kvLen()];
            for (int b = 0; b < dims.batch(); b++) {
                Arrays.fill(keep, b * dims.kvLen(), b * dims.kvLen() + lengths[b], true);
            }
            TorchPeer.Mask mask = TorchPeer.Mask.keep(keep, dims.batch(), 1, 1, dims.kvLen());
            TorchPeer torch = new TorchPeer(threads);
            list.add(torch("PyTorch SDPA (enable_gqa, padding mask)", FLOAT32, torch.prepareSdpa(dims, in.q(), in.k(),
                    in.v(), false, mask, false, TorchPeer.Precision.FLOAT32)));
            list.add(torch("PyTorch SDPA bf16 (enable_gqa, padding mask)", BF16, torch.prepareSdpa(dims, in.q(), in.k(),
                    in.v(), false, mask, false, TorchPeer.Precision.BFLOAT16)));
        }

        /** Batched absorbed-MLA decode over ragged latent caches: fast, and PyTorch's einsum form with a −∞ mask. */
        private static void addRaggedMlaDecode(List<Contender> list, AttentionDims dims, int[] lengths, int threads,
                Inputs in) {
            Latent latent = Latent.split(dims, in.q());
            int batch = dims.batch();
            list.add(fast(threads, "", FLOAT32, (fast, out) -> fast.mlaDecode(batch, latent.heads, latent.latent,
                    latent.rope, dims.kvLen(), lengths, latent.qLatent, latent.qRope, in.k(), MLA_SCALE, out),
                    dims.outputCount()));
            list.add(torch("PyTorch absorbed MLA (einsum, mask)", FLOAT32, new TorchPeer(threads).prepareAbsorbedMla(batch,
                    latent.heads, latent.latent, latent.rope, dims.kvLen(), lengths, latent.qLatent, latent.qRope, in.k(),
                    MLA_SCALE)));
        }

        /** Absorbed-MLA decode: fast, ORT Attention-23 on the MQA view, PyTorch's absorbed einsum form. */
        private static void addMlaDecode(List<Contender> list, AttentionDims dims, int threads, Inputs in)
                throws Exception {
            Latent latent = Latent.split(dims, in.q());
            int kvLen = dims.kvLen();
            int row = dims.headDim();
            list.add(fastMlaDecode(dims, threads, in));
            float[] values = new float[kvLen * latent.latent];
            for (int s = 0; s < kvLen; s++) {
                System.arraycopy(in.k(), s * row, values, s * latent.latent, latent.latent);
            }
            // ORT's default scale is 1/√D = 1/√576; put the MLA scale 1/√192 into q instead.
            float[] scaledQ = in.q().clone();
            float factor = (float) (Math.sqrt(row) / Math.sqrt(192));
            for (int i = 0; i < scaledQ.length; i++) {
                scaledQ[i] *= factor;
            }
            list.add(ort(OnnxRuntimePeer.Op.ATTENTION_23, true, dims, threads, scaledQ, in.k(), values));
            list.add(torch("PyTorch absorbed MLA (einsum)", FLOAT32, new TorchPeer(threads).prepareAbsorbedMla(1,
                    latent.heads, latent.latent, latent.rope, kvLen, null, latent.qLatent, latent.qRope, in.k(),
                    MLA_SCALE)));
        }

        private static Contender fastPrefill(AttentionDims dims, int threads, Inputs in) {
            return fast(threads, "", FLOAT32, (fast, out) -> fast.prefill(dims, in.q(), in.k(), in.v(),
                    FastAttentionOptions.causalFrom(0), out), dims.outputCount());
        }

        /** Decode over the same keys kept in the cache layout the kernels read fastest, packed once (not timed). */
        private static Contender fastTransposedDecode(AttentionDims dims, int threads, Inputs in) {
            TransposedKeys keys = TransposedKeys.of(dims, in.k());
            return fast(threads, TRANSPOSED_CACHE, FLOAT32, (fast, out) -> fast.decode(dims, in.q(), keys, in.v(),
                    FastAttentionOptions.none(), out), dims.outputCount());
        }

        private static Contender fastMlaDecode(AttentionDims dims, int threads, Inputs in) {
            Latent latent = Latent.split(dims, in.q());
            return fast(threads, "", FLOAT32, (fast, out) -> fast.mlaDecode(1, latent.heads, latent.latent,
                    latent.rope, dims.kvLen(), latent.qLatent, latent.qRope, in.k(), MLA_SCALE, out), dims.outputCount());
        }

        private static Contender ort(OnnxRuntimePeer.Op op, boolean decode, AttentionDims dims, int threads, float[] q,
                float[] k, float[] v) throws Exception {
            OnnxRuntimePeer peer = new OnnxRuntimePeer(op, decode, dims, threads, q, k, v);
            return new Contender(op.label(), FLOAT32, "ONNX Runtime CPU execution provider", false, peer::run,
                    peer::output, peer);
        }

        /** A prepared PyTorch call; its SDPA backend is identified once, here, before any round. */
        private static Contender torch(String name, String precision, TorchPeer.Prepared prepared) {
            return new Contender(name, precision, prepared.backend(), false, prepared::run, prepared::output, prepared);
        }

        private static Contender fast(int threads, String variant, String precision, FastCall call, int outputs) {
            FastAttention fast = new FastAttention(threads);
            float[] out = new float[outputs];
            String kernels = fast.kernels().name().toLowerCase(Locale.ROOT);
            return new Contender("fast (" + kernels + variant + ")", precision, "attnref " + kernels + " kernels", true,
                    () -> call.run(fast, out), () -> out, fast);
        }

        private static String label(HalfPrecisionCache.Format format) {
            return format == HalfPrecisionCache.Format.BF16 ? BF16 : FP16;
        }

        private static float[] rounded(HalfPrecisionCache.Format format, float[] x) {
            float[] y = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                y[i] = format.round(x[i]);
            }
            return y;
        }
    }

    /** DeepSeek-V3's MLA scale 1/√(qk_nope + qk_rope) = 1/√192. */
    static final float MLA_SCALE = (float) (1.0 / Math.sqrt(192));

    /**
     * The absorbed queries of an MLA configuration: q [B, T, H, C + P] split into q_latent [B, T, H, C] and
     * q_rope [B, T, H, P] (decode: T = 1).
     */
    record Latent(int heads, int latent, int rope, float[] qLatent, float[] qRope) {
        static Latent split(AttentionDims dims, float[] q) {
            int rows = dims.batch() * dims.qLen() * dims.numHeads();
            int row = dims.headDim();
            int latent = dims.valueHeadDim();
            int rope = row - latent;
            float[] qLatent = new float[rows * latent];
            float[] qRope = new float[rows * rope];
            for (int i = 0; i < rows; i++) {
                System.arraycopy(q, i * row, qLatent, i * latent, latent);
                System.arraycopy(q, i * row + latent, qRope, i * rope, rope);
            }
            return new Latent(dims.numHeads(), latent, rope, qLatent, qRope);
        }
    }

    /** What a contender runs. */
    interface Action {
        void run() throws Exception;
    }

    /** A call of the fast kernel on prepared inputs, writing {@code out}. */
    interface FastCall {
        void run(FastAttention fast, float[] out);
    }
}
