package dev.attnref.experiment;

import dev.attnref.core.Checks;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Measures this machine for the roofline: FMA peak (fp32, fp64) with a Vector API loop, read
 * bandwidth with a read loop, and memory from the OS.
 *
 * <pre>
 *   FMA peak   = threads · iterations · ACCUMULATORS · lanes · 2 / seconds     (an FMA is 2 FLOPs)
 *   bandwidth  = bytes summed / seconds                                     (each thread reads its own slice)
 * </pre>
 *
 * <ul>
 *   <li>The FMA loop keeps {@value #ACCUMULATORS} independent accumulators, more than FMA latency ×
 *       FMA pipes on current cores (4 × 2 on this Zen 5; 8 measured about 10% below 12 here); the result is summed and returned so the JIT cannot drop it.</li>
 *   <li>The read buffer is allocated and written once before timing (first touch of a page is slow on
 *       virtual machines), then summed {@code repeats} times; the best time counts.</li>
 *   <li>Each figure is the best of its repeats: peaks are upper envelopes.</li>
 *   <li>{@code vector = false} runs the same loops on scalars ({@link Math#fma}), for E04's Vector API on/off.</li>
 *   <li>With one thread the loop runs on the calling thread and is timed by that thread's CPU time
 *       ({@code ThreadMXBean}), so other processes on the shared cores do not lower the figure; with more
 *       threads wall time is the only honest clock.</li>
 *   <li>{@link #fmaWork} and {@link #readWork} run the same loops untimed, for a caller that times them
 *       beside its own kernels (the race's live ceilings); more than one thread run on one pool of daemon
 *       threads kept for the process, so that no thread start falls inside a timed call.</li>
 * </ul>
 */
public final class CpuProbe {
    static final int ACCUMULATORS = 12;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    private CpuProbe() {
    }

    /** One probe's results. */
    public record Measurement(int threads, double fmaF32, double fmaF64, double readBandwidth, double memoryBytes,
                              int floatLanes) {
        public String describe() {
            return String.format(Locale.ROOT, "%d threads, fp32 FMA %.1f GFLOP/s, fp64 FMA %.1f GFLOP/s (%d-bit vectors), "
                            + "read %.1f GB/s, RAM %.1f GB", threads, fmaF32 / 1e9, fmaF64 / 1e9, floatLanes * 32,
                    readBandwidth / 1e9, memoryBytes / 1e9);
        }
    }

    /** Measures FMA peaks and read bandwidth with {@code threads} threads. */
    public static Measurement measure(int threads, long readBytes, int repeats) {
        return new Measurement(threads, fmaPeak(threads, true, true, repeats), fmaPeak(threads, false, true, repeats),
                readBandwidth(threads, readBytes, true, repeats), memoryBytes(), F.length());
    }

    /** Total physical memory the OS reports, in bytes. */
    public static double memoryBytes() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** Best FMA throughput in FLOP/s: fp32 or fp64, Vector API or scalar {@link Math#fma}. */
    public static double fmaPeak(int threads, boolean fp32, boolean vector, int repeats) {
        return java.util.Arrays.stream(fmaRates(threads, fp32, vector, repeats)).max().orElseThrow();
    }

    /** FMA throughput in FLOP/s of each of {@code repeats} timed rounds (after one warm-up round). */
    public static double[] fmaRates(int threads, boolean fp32, boolean vector, int repeats) {
        Checks.positive("threads", threads);
        Checks.positive("repeats", repeats);
        long iterations = vector ? 4_000_000L : 1_000_000L;
        int lanes = !vector ? 1 : fp32 ? F.length() : D.length();
        // many short calls first, so C2 compiles the loop (with Vector API intrinsics) before timing
        double warm = 0;
        for (int i = 0; i < 2_000; i++) {
            warm += fp32 ? (vector ? fmaLoopF32(2_000) : fmaScalarF32(2_000))
                    : (vector ? fmaLoopF64(2_000) : fmaScalarF64(2_000));
        }
        if (Double.isNaN(warm)) {
            throw new IllegalStateException("FMA probe warm-up produced NaN");
        }
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats + 1; r++) {           // the first round warms the JIT up
            long start = now(threads);
            double sink = runParallel(threads, () -> fp32
                    ? (vector ? fmaLoopF32(iterations) : fmaScalarF32(iterations))
                    : (vector ? fmaLoopF64(iterations) : fmaScalarF64(iterations)));
            double seconds = (now(threads) - start) / 1e9;
            if (Double.isNaN(sink)) {
                throw new IllegalStateException("FMA probe produced NaN");
            }
            if (r > 0) {
                rates[r - 1] = fmaFlops(threads, iterations, lanes) / seconds;
            }
        }
        return rates;
    }

    /** Iterations of the fp32 Vector API FMA loop per thread that do about {@code flops} FLOPs on {@code threads} threads. */
    public static long iterationsFor(double flops, int threads) {
        Checks.positive("threads", threads);
        return Math.max(1, (long) (flops / fmaFlops(threads, 1, F.length())));
    }

    /** The fp32 Vector API FMA loop, {@code iterations} on each of {@code threads} threads, untimed; returns the FLOPs done. */
    public static double fmaWork(int threads, long iterations) {
        Checks.positive("threads", threads);
        double sink = runParallel(threads, () -> fmaLoopF32(iterations));
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("FMA probe produced NaN");
        }
        return fmaFlops(threads, iterations, F.length());
    }

    /** FLOPs of the FMA loop: threads · iterations · ACCUMULATORS FMAs of {@code lanes} lanes, 2 FLOPs each. */
    private static double fmaFlops(int threads, long iterations, int lanes) {
        return threads * (double) iterations * ACCUMULATORS * lanes * 2;
    }

    /**
     * Reads every float of {@code arrays} once with the vector read loop, untimed, each array split into
     * one contiguous slice per thread; returns the bytes read.
     */
    public static double readWork(int threads, float[]... arrays) {
        Checks.positive("threads", threads);
        double sink = runParallelIndexed(threads, t -> {
            double sum = 0;
            for (float[] data : arrays) {
                sum += sumVector(data, (int) ((long) data.length * t / threads), (int) ((long) data.length * (t + 1) / threads));
            }
            return sum;
        });
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("read probe produced NaN");
        }
        double bytes = 0;
        for (float[] data : arrays) {
            bytes += (double) data.length * Float.BYTES;
        }
        return bytes;
    }

    /** Best read bandwidth in byte/s over a buffer of {@code bytes}, split evenly between threads. */
    public static double readBandwidth(int threads, long bytes, boolean vector, int repeats) {
        return java.util.Arrays.stream(readRates(threads, bytes, vector, repeats)).max().orElseThrow();
    }

    /** Read bandwidth in byte/s of each of {@code repeats} timed passes (after one warm-up pass). */
    public static double[] readRates(int threads, long bytes, boolean vector, int repeats) {
        Checks.positive("threads", threads);
        int length = Math.toIntExact(bytes / Float.BYTES);
        float[] buffer = new float[length];
        for (int i = 0; i < length; i++) {
            buffer[i] = (i & 1023) * 1e-3f;
        }
        // Vector API code is slow until C2 compiles it: warm the loop up on a cache-resident slice first.
        double warm = 0;
        for (int i = 0; i < 20_000; i++) {
            warm += vector ? sumVector(buffer, 0, Math.min(length, 4096)) : sumScalar(buffer, 0, Math.min(length, 4096));
        }
        if (Double.isNaN(warm)) {
            throw new IllegalStateException("read probe warm-up produced NaN");
        }
        double[] rates = new double[repeats];
        for (int r = 0; r < repeats + 1; r++) {
            long start = now(threads);
            double sink = runParallelIndexed(threads, t -> {
                int from = (int) ((long) length * t / threads);
                int to = (int) ((long) length * (t + 1) / threads);
                return vector ? sumVector(buffer, from, to) : sumScalar(buffer, from, to);
            });
            double seconds = (now(threads) - start) / 1e9;
            if (Double.isNaN(sink)) {
                throw new IllegalStateException("read probe produced NaN");
            }
            if (r > 0) {
                rates[r - 1] = (double) length * Float.BYTES / seconds;
            }
        }
        return rates;
    }

    private static double fmaLoopF32(long iterations) {
        FloatVector a = FloatVector.broadcast(F, 0.999999f);
        FloatVector b = FloatVector.broadcast(F, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(F, 1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        FloatVector c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).reduceLanes(VectorOperators.ADD);
    }

    private static double fmaLoopF64(long iterations) {
        DoubleVector a = DoubleVector.broadcast(D, 0.999999);
        DoubleVector b = DoubleVector.broadcast(D, 1e-7);
        DoubleVector c0 = DoubleVector.broadcast(D, 1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        DoubleVector c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).reduceLanes(VectorOperators.ADD);
    }

    private static double fmaScalarF32(long iterations) {
        float a = 0.999999f;
        float b = 1e-7f;
        float c0 = 1f, c1 = 1f, c2 = 1f, c3 = 1f, c4 = 1f, c5 = 1f, c6 = 1f, c7 = 1f, c8 = 1f, c9 = 1f, c10 = 1f, c11 = 1f;
        for (long i = 0; i < iterations; i++) {
            c0 = Math.fma(c0, a, b);
            c1 = Math.fma(c1, a, b);
            c2 = Math.fma(c2, a, b);
            c3 = Math.fma(c3, a, b);
            c4 = Math.fma(c4, a, b);
            c5 = Math.fma(c5, a, b);
            c6 = Math.fma(c6, a, b);
            c7 = Math.fma(c7, a, b);
            c8 = Math.fma(c8, a, b);
            c9 = Math.fma(c9, a, b);
            c10 = Math.fma(c10, a, b);
            c11 = Math.fma(c11, a, b);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }

    private static double fmaScalarF64(long iterations) {
        double a = 0.999999;
        double b = 1e-7;
        double c0 = 1, c1 = 1, c2 = 1, c3 = 1, c4 = 1, c5 = 1, c6 = 1, c7 = 1, c8 = 1, c9 = 1, c10 = 1, c11 = 1;
        for (long i = 0; i < iterations; i++) {
            c0 = Math.fma(c0, a, b);
            c1 = Math.fma(c1, a, b);
            c2 = Math.fma(c2, a, b);
            c3 = Math.fma(c3, a, b);
            c4 = Math.fma(c4, a, b);
            c5 = Math.fma(c5, a, b);
            c6 = Math.fma(c6, a, b);
            c7 = Math.fma(c7, a, b);
            c8 = Math.fma(c8, a, b);
            c9 = Math.fma(c9, a, b);
            c10 = Math.fma(c10, a, b);
            c11 = Math.fma(c11, a, b);
        }
        return c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;
    }

    private static double sumVector(float[] buffer, int from, int to) {
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        int step = F.length();
        int i = from;
        for (; i + 4 * step <= to; i += 4 * step) {
            s0 = s0.add(FloatVector.fromArray(F, buffer, i));
            s1 = s1.add(FloatVector.fromArray(F, buffer, i + step));
            s2 = s2.add(FloatVector.fromArray(F, buffer, i + 2 * step));
            s3 = s3.add(FloatVector.fromArray(F, buffer, i + 3 * step));
        }
        double sum = s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            sum += buffer[i];
        }
        return sum;
    }

    private static double sumScalar(float[] buffer, int from, int to) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = from;
        for (; i + 4 <= to; i += 4) {
            s0 += buffer[i];
            s1 += buffer[i + 1];
            s2 += buffer[i + 2];
            s3 += buffer[i + 3];
        }
        double sum = s0 + s1 + s2 + s3;
        for (; i < to; i++) {
            sum += buffer[i];
        }
        return sum;
    }

    private static double runParallel(int threads, Callable<Double> task) {
        return runParallelIndexed(threads, t -> task.call());
    }

    /** A task of one thread index. */
    interface IndexedTask {
        double call(int threadIndex) throws Exception;
    }

    /** The clock of a probe: this thread's CPU time with one thread (run inline), else wall time. */
    private static long now(int threads) {
        return threads == 1 ? ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** The pool of {@link #runParallelIndexed}: daemon threads, made on first use and kept. */
    private static ExecutorService pool;

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), runnable -> {
                Thread thread = new Thread(runnable, "attnref-probe");
                thread.setDaemon(true);
                return thread;
            });
        }
        return pool;
    }

    /**
     * Runs {@code threads} copies of {@code task} at once (one: on this thread; more: on the probe's
     * pool, or on a pool of their own when there are more than cores) and returns the sum of their results.
     */
    static double runParallelIndexed(int threads, IndexedTask task) {
        if (threads == 1) {
            try {
                return task.call(0);
            } catch (Exception e) {
                throw new IllegalStateException("probe failed: " + e, e);
            }
        }
        boolean shared = threads <= Runtime.getRuntime().availableProcessors();
        ExecutorService executor = shared ? pool() : Executors.newFixedThreadPool(threads);
        try {
            List<Future<Double>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int index = t;
                futures.add(executor.submit(() -> task.call(index)));
            }
            double sum = 0;
            for (Future<Double> f : futures) {
                sum += f.get();
            }
            return sum;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("probe interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("probe failed: " + e.getCause(), e.getCause());
        } finally {
            if (!shared) {
                executor.shutdownNow();
            }
        }
    }
}
