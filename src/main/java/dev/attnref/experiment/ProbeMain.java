package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;

import java.util.Locale;

/**
 * The measurements of E04 in one JVM, printed as CSV rows on standard output, so that E04 can run
 * them under another JDK as a subprocess.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp … dev.attnref.experiment.ProbeMain
 *        probeMiB probeRepeats cacheLength heads kvHeads headDim warmupSeconds minSeconds threads…
 * </pre>
 *
 * <table>
 *   <caption>Rows ({@code row,measure,variant,threads,value,unit})</caption>
 *   <tr><th>measure</th><th>variants</th><th>unit</th></tr>
 *   <tr><td>fma_fp32, fma_fp64</td><td>vector, scalar</td><td>GFLOP/s</td></tr>
 *   <tr><td>read_bandwidth</td><td>vector, scalar</td><td>GB/s</td></tr>
 *   <tr><td>decode_gqa</td><td>float64 loops, float32 loops, float32 Vector API, the project's fast kernels
 *       ({@link FastCore}), OracleAttention (float64 reference, 1 thread)</td><td>ms per step</td></tr>
 * </table>
 * One-thread figures are timed by the calling thread's CPU time (the work runs inline), two-thread
 * figures by wall time: on shared cores only the former is immune to other processes.
 */
public final class ProbeMain {
    private ProbeMain() {
    }

    public static void main(String[] args) {
        if (args.length < 9) {
            System.err.println("usage: ProbeMain probeMiB probeRepeats cacheLength heads kvHeads headDim warmupSeconds "
                    + "minSeconds threads...");
            System.exit(2);
        }
        long probeBytes = Long.parseLong(args[0]) << 20;
        int repeats = Integer.parseInt(args[1]);
        int length = Integer.parseInt(args[2]);
        int heads = Integer.parseInt(args[3]);
        int kvHeads = Integer.parseInt(args[4]);
        int headDim = Integer.parseInt(args[5]);
        double warmup = Double.parseDouble(args[6]);
        double minSeconds = Double.parseDouble(args[7]);
        for (int a = 8; a < args.length; a++) {
            int threads = Integer.parseInt(args[a]);
            for (boolean vector : new boolean[] {true, false}) {
                String v = vector ? "vector" : "scalar";
                row("fma_fp32", v, threads, CpuProbe.fmaPeak(threads, true, vector, repeats) / 1e9, "GFLOP/s");
                row("fma_fp64", v, threads, CpuProbe.fmaPeak(threads, false, vector, repeats) / 1e9, "GFLOP/s");
                row("read_bandwidth", v, threads, CpuProbe.readBandwidth(threads, probeBytes, vector, repeats) / 1e9,
                        "GB/s");
            }
            CoreShape shape = CoreShape.gqa(heads, kvHeads, headDim);
            double scale = 1 / Math.sqrt(headDim);
            for (CoreKernels.Engine engine : CoreKernels.Engine.values()) {
                CoreKernels.warmUp(engine, threads, warmup);
                CoreCache cache = CoreCache.random(shape, length, 1, engine.float64(), 4L);
                double[] out = new double[heads * headDim];
                try (CoreKernels kernels = new CoreKernels(engine, threads)) {
                    Timing.Result t = Timing.measure(() -> kernels.decode(cache, 0, length, scale, out), 2, warmup, 3,
                            minSeconds, threads == 1);
                    row("decode_gqa", engine.label(), threads, t.medianSeconds() * 1e3, "ms");
                }
            }
            try (dev.attnref.fast.FastAttention fast = new dev.attnref.fast.FastAttention(threads)) {
                FastCore step = FastCore.prepare(fast, CoreCache.random(shape, length, 1, false, 4L), scale);
                Timing.Result t = Timing.measure(step::run, 2, warmup, 3, minSeconds, threads == 1);
                row("decode_gqa", DecodeExperiment.FAST_LABEL, threads, t.medianSeconds() * 1e3, "ms");
            }
            if (threads == 1) {
                row("decode_gqa", "OracleAttention (float64 reference)", 1, oracleDecode(heads, kvHeads, headDim, length,
                        warmup, minSeconds) * 1e3, "ms");
            }
        }
    }

    /** One decode step through the reference API: T = 1 new query, key and value after a past of S − 1. */
    private static double oracleDecode(int heads, int kvHeads, int headDim, int length, double warmup, double minSeconds) {
        SeededRandom random = new SeededRandom(4L);
        double[] pastKey = random.uniforms(kvHeads * (length - 1) * headDim, -1, 1);
        double[] pastValue = random.uniforms(kvHeads * (length - 1) * headDim, -1, 1);
        double[] key = random.uniforms(kvHeads * headDim, -1, 1);
        double[] value = random.uniforms(kvHeads * headDim, -1, 1);
        double[] query = random.uniforms(heads * headDim, -1, 1);
        Runnable call = () -> OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(heads)
                .numKvHeads(kvHeads).qLen(1).newKvLen(1).headDim(headDim).valueHeadDim(headDim).query(query).key(key)
                .value(value).past(pastKey, pastValue, length - 1).build());
        return Timing.measure(call, 1, warmup, 3, minSeconds, true).medianSeconds();
    }

    private static void row(String measure, String variant, int threads, double value, String unit) {
        System.out.println(String.format(Locale.ROOT, "row,%s,%s,%d,%.6g,%s", measure, variant, threads, value, unit));
        System.out.flush();
    }
}
