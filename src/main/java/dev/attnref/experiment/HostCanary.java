package dev.attnref.experiment;

import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;

import java.lang.management.ThreadMXBean;
import java.util.function.Consumer;

/**
 * The machine's own speed beside every timed point: a fixed piece of work timed once per round on the point's
 * clock. This VM's host slows it for a minute or so at a time (other tenants on the same physical cores), by
 * 1.2–1.8× for the attention kernels, while the guest's load average, steal time and CPU counters record nothing
 * and a thread's CPU time grows with the slowdown. Simple loops barely see it (a diagnostic build on 2026-12-07,
 * one slow JVM against five fast ones: a register-only FMA loop +8%, dot products out of L2 +7%, a 16 MiB read
 * stream +21%, while the E03 cores ran +53%); a small prefill of the product's own kernels slows like them
 * (+43%), so that is the canary. {@link Timing} flags a point {@code host} when its canary's median exceeds
 * {@link Timing#HOST_LIMIT} times the fastest canary median of the run's points so far ({@link #slowdown}), and the
 * timing tables keep the median
 * ({@code canary_ms}) so that two runs can be compared for the machine's speed as well as for their points.
 *
 * <pre>
 *   work       two causal prefills, GQA H 4, G 1, D 128, S 256, one thread, the default kernels (Vector API
 *              where the module is present; about 1.2 ms)
 *   warm-up    300 calls on first use
 *   reference  the fastest canary median of the points timed so far in this JVM (each timed like the points'
 *              own, between their calls: a canary timed alone on warm caches ran ~8% faster and flagged
 *              points that were not slow); E04's probe JVMs each judge their own points
 * </pre>
 */
final class HostCanary {
    private static final FastAttention ENGINE = new FastAttention(1, Kernels.defaultKernels());
    private static final Consumer<FastAttention> PREFILL = FastStep.prefill(CoreShape.gqa(4, 1, 128), 256, 5L);
    /** This JVM's run. */
    static final HostCanary RUN = new HostCanary();
    private static boolean warm;
    private double reference = Double.POSITIVE_INFINITY;

    /** One canary, seconds on the given clock. */
    static double time(boolean threadCpu, ThreadMXBean threads) {
        long start = threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        PREFILL.accept(ENGINE);
        PREFILL.accept(ENGINE);
        return ((threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - start) / 1e9;
    }

    /** Runs the canary's kernels 300 times (about 0.2 s) on first use: until then they run interpreted or half-compiled. */
    static synchronized void warmUp() {
        if (!warm) {
            for (int i = 0; i < 300; i++) {
                PREFILL.accept(ENGINE);
            }
            warm = true;
        }
    }

    /**
     * A point's canary median over this run's reference, after making the median the reference if it is the
     * fastest yet (so the first point of a run is never slow by this measure).
     */
    synchronized double slowdown(double median) {
        reference = Math.min(reference, median);
        return median / reference;
    }
}
