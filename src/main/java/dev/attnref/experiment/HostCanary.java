package dev.attnref.experiment;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * The machine's own speed beside every timed point: a fixed piece of work timed once per round on the point's
 * clock. A VM's host can slow its vCPUs by 1.3–1.5× for a minute or so (other tenants on the same physical cores)
 * while the guest's load average, steal time and CPU counters record nothing, and a thread's CPU time grows with
 * it; the canary's time grows too. {@link Timing} flags a point {@code host} when its canary's median is more than
 * {@link Timing#HOST_LIMIT} above this run's {@link #reference()}, and the timing tables keep the median
 * ({@code canary_ms}) so that two runs can be compared for the machine's speed as well as for their points.
 *
 * <pre>
 *   work       4 independent FMA chains over an L1-resident array of 512 doubles, 16,000 passes
 *              (2 M FMAs: about 2.5 ms on the EPYC this project is measured on, latency-bound, no memory traffic)
 *   reference  the fastest canary median of this JVM: the calibration's (median of 5 after a warm-up) or any
 *              point's since; a probe JVM started by E04 takes its parent's ({@value #REFERENCE_PROPERTY})
 * </pre>
 */
final class HostCanary {
    /** System property carrying a parent run's reference, in seconds, into a probe JVM. */
    static final String REFERENCE_PROPERTY = "attnref.canaryReference";
    private static final double[] CHAIN = filled(512, 0.999);
    private static final int PASSES = 16_000;
    private static double reference = Double.parseDouble(System.getProperty(REFERENCE_PROPERTY, "Infinity"));
    private static volatile double sink;

    private HostCanary() {
    }

    /** One canary, seconds on the given clock. */
    static double time(boolean threadCpu, ThreadMXBean threads) {
        long start = threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        sink = work();
        return ((threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - start) / 1e9;
    }

    /** Seconds: the fastest canary median of this run, calibrating first if nothing has been timed yet. */
    static synchronized double reference(boolean threadCpu, ThreadMXBean threads) {
        if (reference == Double.POSITIVE_INFINITY) {
            for (int i = 0; i < 20; i++) {
                time(threadCpu, threads);
            }
            double[] samples = new double[5];
            Arrays.setAll(samples, i -> time(threadCpu, threads));
            offer(Timing.Stats.of(samples, 0, "no").median());
        }
        return reference;
    }

    /** A point's canary median becomes the reference if it is the fastest yet. */
    static synchronized void offer(double median) {
        reference = Math.min(reference, median);
    }

    /** The reference as a JVM option for a probe process (calibrated now on the thread's CPU clock if not yet). */
    static String referenceOption() {
        return "-D" + REFERENCE_PROPERTY + "=" + reference(true, ManagementFactory.getThreadMXBean());
    }

    /** x ← fma(c, x, ε) along four independent chains: throughput of the FMA unit at its latency, nothing else. */
    private static double work() {
        double a = 1;
        double b = 1;
        double c = 1;
        double d = 1;
        for (int pass = 0; pass < PASSES; pass++) {
            for (int i = 0; i < CHAIN.length; i += 4) {
                a = Math.fma(CHAIN[i], a, 1e-9);
                b = Math.fma(CHAIN[i + 1], b, 1e-9);
                c = Math.fma(CHAIN[i + 2], c, 1e-9);
                d = Math.fma(CHAIN[i + 3], d, 1e-9);
            }
        }
        return a + b + c + d;
    }

    private static double[] filled(int n, double value) {
        double[] x = new double[n];
        Arrays.fill(x, value);
        return x;
    }
}
