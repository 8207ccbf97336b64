package dev.attnref.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * This machine's ceilings, measured in the same process as the race they scale (PERFORMANCE.md:
 * figures drift between runs, so only same-run ratios mean anything).
 *
 * <ul>
 *   <li>{@link #fmaPeak}: float32 FMA throughput, a Vector API loop of 12 independent accumulator
 *       chains per thread (enough to cover FMA latency × issue width), 2·lanes FLOP per FMA.</li>
 *   <li>{@link #readBandwidth}: a vectorised sum over a {@value #READ_BYTES_MIB} MiB float array
 *       (far beyond the caches), four accumulators, the array split into one contiguous part per thread.
 *       Touched once before timing, since first touch costs ~3 ms per MiB here.</li>
 * </ul>
 * Each figure is the best of several repetitions: a ceiling, not a typical value.
 */
public final class MachineProbe implements AutoCloseable {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int READ_BYTES_MIB = 512;

    private final ExecutorService executor;
    private float[] readArray;

    public MachineProbe(int maxThreads) {
        executor = Executors.newFixedThreadPool(maxThreads, runnable -> {
            Thread thread = new Thread(runnable, "attnref-probe");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Best float32 FMA rate in GFLOP/s over {@code repeats} tries of ~{@code millis} ms on {@code threads} threads. */
    public double fmaPeak(int threads, int repeats, int millis) throws Exception {
        // Many short calls first, so that C2 compiles the loop as a whole method with the Vector API
        // intrinsics inlined (one long interpreted call would leave it to a poorer OSR compilation).
        for (int i = 0; i < 2000; i++) {
            fmaLoop(2_000);
        }
        long iterations = 100_000;
        // Calibrate to ~millis per try.
        while (true) {
            long start = System.nanoTime();
            parallel(threads, iterationsFinal(iterations));
            double ms = (System.nanoTime() - start) / 1e6;
            if (ms > millis / 4.0) {
                iterations = (long) (iterations * millis / ms);
                break;
            }
            iterations *= 4;
        }
        double best = 0;
        for (int r = 0; r < repeats; r++) {
            long start = System.nanoTime();
            parallel(threads, iterationsFinal(iterations));
            double seconds = (System.nanoTime() - start) / 1e9;
            double flops = (double) threads * iterations * 12 * 2 * SPECIES.length();
            best = Math.max(best, flops / seconds / 1e9);
        }
        return best;
    }

    private static Callable<Float> iterationsFinal(long iterations) {
        return () -> fmaLoop(iterations);
    }

    private static float fmaLoop(long iterations) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** Best read rate in GB/s (10⁹ bytes/s) over {@code repeats} passes on {@code threads} threads. */
    public double readBandwidth(int threads, int repeats) throws Exception {
        if (readArray == null) {
            readArray = new float[READ_BYTES_MIB * 1024 * 1024 / 4];
            for (int i = 0; i < readArray.length; i += 1024) {
                readArray[i] = 1f;
            }
        }
        float[] data = readArray;
        for (int i = 0; i < 200; i++) {
            sum(data, 0, 16 * 1024);
        }
        int part = data.length / threads / SPECIES.length() / 4 * SPECIES.length() * 4;
        double best = 0;
        for (int r = 0; r < repeats; r++) {
            List<Callable<Float>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t * part;
                tasks.add(() -> sum(data, from, from + part));
            }
            long start = System.nanoTime();
            parallel(tasks);
            double seconds = (System.nanoTime() - start) / 1e9;
            best = Math.max(best, (double) threads * part * 4 / seconds / 1e9);
        }
        return best;
    }

    private static float sum(float[] data, int from, int to) {
        int lanes = SPECIES.length();
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        for (int i = from; i < to; i += 4 * lanes) {
            s0 = s0.add(FloatVector.fromArray(SPECIES, data, i));
            s1 = s1.add(FloatVector.fromArray(SPECIES, data, i + lanes));
            s2 = s2.add(FloatVector.fromArray(SPECIES, data, i + 2 * lanes));
            s3 = s3.add(FloatVector.fromArray(SPECIES, data, i + 3 * lanes));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    }

    private void parallel(int threads, Callable<Float> task) throws Exception {
        List<Callable<Float>> tasks = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            tasks.add(task);
        }
        parallel(tasks);
    }

    private float parallel(List<Callable<Float>> tasks) throws Exception {
        float sink = 0;
        for (Future<Float> future : executor.invokeAll(tasks)) {
            sink += future.get();
        }
        return sink;
    }

    /**
     * The FMA loop on {@code threads} threads, {@code iterations} each; returns the FLOPs done
     * (2·lanes per FMA). The race runs it in its rounds, beside the kernels, as the live ceiling.
     */
    public double fmaWork(int threads, long iterations) throws Exception {
        parallel(threads, iterationsFinal(iterations));
        return (double) threads * iterations * 12 * 2 * SPECIES.length();
    }

    /** FMA-loop iterations per thread that do about {@code flops} FLOPs on {@code threads} threads. */
    public static long iterationsFor(double flops, int threads) {
        return Math.max(1, (long) (flops / threads / (12.0 * 2 * SPECIES.length())));
    }

    /**
     * Reads every float of {@code arrays} once, each array split into one contiguous part per thread
     * (the read loop of {@link #readBandwidth} over given data); returns the bytes read.
     */
    public double readWork(int threads, float[]... arrays) throws Exception {
        List<Callable<Float>> tasks = new ArrayList<>();
        double bytes = 0;
        int block = 4 * SPECIES.length();
        for (float[] data : arrays) {
            int part = data.length / threads / block * block;
            for (int t = 0; t < threads; t++) {
                int from = t * part;
                int to = t == threads - 1 ? data.length / block * block : from + part;
                tasks.add(() -> sum(data, from, to));
            }
            bytes += 4.0 * (data.length / block * block);
        }
        parallel(tasks);
        return bytes;
    }

    /** Frees the {@value #READ_BYTES_MIB} MiB array of {@link #readBandwidth}. */
    public void dropReadArray() {
        readArray = null;
    }

    /** Lets the probe's large array go. */
    @Override
    public void close() {
        readArray = null;
        executor.shutdownNow();
    }
}
