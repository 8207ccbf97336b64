package dev.attnref.experiment;

import dev.attnref.core.SeededRandom;
import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;
import dev.attnref.oracle.AttentionProblem;
import dev.attnref.oracle.OracleAttention;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The measurements of E04 in one JVM, printed as CSV rows on standard output, so that E04 can run
 * them under another JDK as a subprocess, one subprocess per part.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp … dev.attnref.experiment.ProbeMain
 *        part probeMiB probeRepeats cacheLength heads kvHeads headDim rounds minSeconds maxWarmupSeconds threads…
 * </pre>
 *
 * <table>
 *   <caption>Parts and rows ({@code row,measure,variant,threads,value,unit,min,max,repeats,busy,canary_ms})</caption>
 *   <tr><th>part</th><th>measure</th><th>variants</th><th>value</th></tr>
 *   <tr><td>peaks</td><td>fma_fp32, fma_fp64</td><td>vector, scalar</td><td>GFLOP/s, best of probeRepeats [slowest–best]</td></tr>
 *   <tr><td>peaks</td><td>read_bandwidth</td><td>vector, scalar</td><td>GB/s, best of probeRepeats [slowest–best]</td></tr>
 *   <tr><td>VECTOR, SCALAR</td><td>decode_gqa</td><td>the product's fast kernels ({@link FastStep}): Vector API or
 *       scalar twin</td><td rowspan="2">ms per step: median, min and max of ≥ 5 rounds ({@link Timing})</td></tr>
 *   <tr><td>ORACLE</td><td>decode_gqa</td><td>{@code OracleAttention} (float64 reference, allocates per call;
 *       1 thread only)</td></tr>
 * </table>
 * Each decode variant runs in a JVM of its own: run in one JVM, interleaved with the scalar twin and the
 * oracle, the Vector API kernel was 100–700× slower than alone in 3 of 4 one-thread quick runs (JDK 17
 * and 25: 2.5–14.7 ms against 0.02–0.03 ms) although the JIT had gone quiet: a compiled state no user of
 * one kernel set would see. Lines
 * {@code log,…} report the warm-up. One-thread figures are timed by the calling thread's CPU time (the
 * work runs inline), two-thread figures by wall time: on shared cores only the former is immune to
 * other processes.
 */
public final class ProbeMain {
    private static final String ORACLE = "OracleAttention (float64 reference)";

    private ProbeMain() {
    }

    public static void main(String[] args) {
        if (args.length < 11) {
            System.err.println("usage: ProbeMain peaks|VECTOR|SCALAR|ORACLE probeMiB probeRepeats cacheLength heads "
                    + "kvHeads headDim rounds minSeconds maxWarmupSeconds threads...");
            System.exit(2);
        }
        String part = args[0];
        long probeBytes = Long.parseLong(args[1]) << 20;
        int repeats = Integer.parseInt(args[2]);
        int length = Integer.parseInt(args[3]);
        CoreShape shape = CoreShape.gqa(Integer.parseInt(args[4]), Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        for (int a = 10; a < args.length; a++) {
            int threads = Integer.parseInt(args[a]);
            Timing.Settings timing = new Timing.Settings(Integer.parseInt(args[7]), Double.parseDouble(args[8]),
                    Double.parseDouble(args[9]), 4L, threads == 1, threads);
            switch (part) {
                case "peaks" -> peaks(threads, probeBytes, repeats);
                case "ORACLE" -> {
                    if (threads == 1) {
                        decode(ORACLE, oracleDecode(shape, length), threads, timing);
                    }
                }
                default -> {
                    Kernels kernels = Kernels.valueOf(part);
                    try (FastAttention fast = new FastAttention(threads, kernels)) {
                        Consumer<FastAttention> step = FastStep.decode(shape, length, 4L);
                        decode(DecodeExperiment.label(kernels), () -> step.accept(fast), threads, timing);
                    }
                }
            }
        }
    }

    private static void peaks(int threads, long probeBytes, int repeats) {
        for (boolean vector : new boolean[] {true, false}) {
            String v = vector ? "vector" : "scalar";
            peak("fma_fp32", v, threads, () -> CpuProbe.fmaRates(threads, true, vector, repeats), 1e9, "GFLOP/s");
            peak("fma_fp64", v, threads, () -> CpuProbe.fmaRates(threads, false, vector, repeats), 1e9, "GFLOP/s");
            peak("read_bandwidth", v, threads, () -> CpuProbe.readRates(threads, probeBytes, vector, repeats), 1e9, "GB/s");
        }
    }

    /** One GQA decode variant, warmed up and timed in rounds. */
    private static void decode(String label, Runnable call, int threads, Timing.Settings timing) {
        Timing.Stats t = Timing.interleaved(List.of(call), timing,
                line -> System.out.println("log," + label + ", " + threads + " threads: " + line)).get(0);
        System.out.println(String.format(Locale.ROOT, "row,decode_gqa,%s,%d,%.6g,ms,%.6g,%.6g,%d,%s,%.6g", label,
                threads, t.median() * 1e3, t.min() * 1e3, t.max() * 1e3, t.repeats(), t.busy(), t.canary() * 1e3));
        System.out.flush();
    }

    /** One decode step through the reference API: T = 1 new query, key and value after a past of S − 1. */
    private static Runnable oracleDecode(CoreShape shape, int length) {
        int g = shape.numKvHeads();
        int d = shape.keyWidth();
        SeededRandom random = new SeededRandom(4L);
        double[] pastKey = random.uniforms(g * (length - 1) * d, -1, 1);
        double[] pastValue = random.uniforms(g * (length - 1) * d, -1, 1);
        double[] key = random.uniforms(g * d, -1, 1);
        double[] value = random.uniforms(g * d, -1, 1);
        double[] query = random.uniforms(shape.numHeads() * d, -1, 1);
        return () -> OracleAttention.attend(AttentionProblem.builder().batch(1).numHeads(shape.numHeads())
                .numKvHeads(g).qLen(1).newKvLen(1).headDim(d).valueHeadDim(d).query(query).key(key)
                .value(value).past(pastKey, pastValue, length - 1).build());
    }

    /**
     * A peak row: the best of the repeats' rates (an upper envelope), with the slowest and fastest as its spread,
     * and the machine's busy reasons over the probe ({@link Timing#machineReasons}), {@code host} judged on the median
     * of three canaries before and three after it (the row's {@code canary_ms}).
     */
    private static void peak(String measure, String variant, int threads, Supplier<double[]> probe, double per,
            String unit) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        HostCanary.warmUp();
        double[] canaries = new double[6];
        for (int i = 0; i < 3; i++) {
            canaries[i] = HostCanary.time(threads, threads == 1, bean);
        }
        Stamp.Load before = Stamp.Load.now();
        double[] rates = probe.get();
        Stamp.Load after = Stamp.Load.now();
        for (int i = 3; i < 6; i++) {
            canaries[i] = HostCanary.time(threads, threads == 1, bean);
        }
        double canary = Timing.Stats.of(canaries, 0, "no").median();
        List<String> busy = Timing.machineReasons(before, after, HostCanary.run(threads).slowdown(canary));
        double low = java.util.Arrays.stream(rates).min().orElseThrow() / per;
        double best = java.util.Arrays.stream(rates).max().orElseThrow() / per;
        System.out.println(String.format(Locale.ROOT, "row,%s,%s,%d,%.6g,%s,%.6g,%.6g,%d,%s,%.6g", measure, variant,
                threads, best, unit, low, best, rates.length, busy.isEmpty() ? "no" : String.join("+", busy),
                canary * 1e3));
        System.out.flush();
    }
}
