package dev.attnref.experiment;

import dev.attnref.fast.FastAttention;
import dev.attnref.fast.Kernels;

import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The machine's own speed beside every timed point: a fixed piece of work timed just before each of the point's
 * samples, on the point's clock. This VM's host slows it for a minute or so at a time (other tenants on the same
 * physical cores), by 1.2–1.8× for the attention kernels, while the guest's load average, steal time and CPU
 * counters record nothing and a thread's CPU time grows with the slowdown. Simple loops barely see it (a diagnostic
 * build on 2026-12-07, one slow JVM against five fast ones: a register-only FMA loop +8%, dot products out of L2
 * +7%, a 16 MiB read stream +21%, while the E03 cores ran +53%); a small prefill of the product's own kernels slows
 * like them (+43%), so that is the canary. {@link Timing} flags a point {@code host} when its canary's median
 * exceeds {@link Timing#HOST_LIMIT} times the fastest canary median of the run's points so far ({@link #slowdown}),
 * and the timing tables keep the median ({@code canary_ms}) so that two runs can be compared for the machine's
 * speed as well as for their points.
 *
 * <pre>
 *   work       two causal prefills, GQA H 4, G 1, D 128, S 256, the default kernels (Vector API where the
 *              module is present; about 1.2 ms), on each of the point's threads at once: a point on two
 *              threads is as slow as its slower vCPU, which a canary on one thread does not see
 *   warm-up    300 prefills on first use
 *   reference  per thread count, the fastest canary median of the points timed so far in this JVM (each timed
 *              like the points' own, between their calls: a canary timed alone on warm caches ran ~8% faster
 *              and flagged points that were not slow); each of E04's probe JVMs starts from the fastest
 *              canary of the same JDK's earlier probes of its kind (decode parts, or the first peaks probe)
 * </pre>
 */
final class HostCanary {
    private static final CoreShape SHAPE = CoreShape.gqa(4, 1, 128);
    /** The work, per thread of a canary: two prefills on an engine and buffers of its own, so threads share none. */
    private static final List<Runnable> CANARIES = new ArrayList<>();
    /**
     * System property with the references that the JVM which started this one hands on, {@code threads:ms} pairs
     * joined by commas, in milliseconds as the {@code canary_ms} columns (E04: its probe JVMs of one kind, one after
     * another).
     */
    static final String HANDED_REFERENCES = "attnref.canaryReferences";
    /** This JVM's runs, one per thread count: a canary on two threads is its own measure, with its own reference. */
    private static final Map<Integer, HostCanary> RUNS = new HashMap<>();
    private static boolean warm;
    private double reference;

    /** A run whose reference starts at {@code reference} seconds ({@code Infinity}: the first point sets it). */
    HostCanary(double reference) {
        this.reference = reference;
    }

    /** This JVM's run of the canary on {@code threads} threads, starting from a handed-on reference if there is one. */
    static synchronized HostCanary run(int threads) {
        return RUNS.computeIfAbsent(threads, t -> new HostCanary(handedReference(t)));
    }

    private static double handedReference(int threads) {
        for (String pair : System.getProperty(HANDED_REFERENCES, "").split(",")) {
            String[] f = pair.split(":");
            if (f.length == 2 && Integer.parseInt(f[0]) == threads) {
                return Double.parseDouble(f[1]) / 1e3;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /**
     * One canary, seconds: on one thread inline, on the given clock; on {@code threads} > 1 threads, one canary on each
     * at once, wall time until the last ends (a point on several threads is as slow as its slowest vCPU).
     */
    static double time(int threads, boolean threadCpu, ThreadMXBean bean) {
        canaries(threads);
        if (threads == 1) {
            long start = threadCpu ? bean.getCurrentThreadCpuTime() : System.nanoTime();
            CANARIES.get(0).run();
            return ((threadCpu ? bean.getCurrentThreadCpuTime() : System.nanoTime()) - start) / 1e9;
        }
        if (threadCpu) {
            throw new IllegalArgumentException("a canary on " + threads
                    + " threads is timed on the wall clock, not thread-cpu");
        }
        long start = System.nanoTime();
        CpuProbe.runParallelIndexed(threads, t -> {
            CANARIES.get(t).run();
            return 0;
        });
        return (System.nanoTime() - start) / 1e9;
    }

    /** Makes the canaries of threads 0 … threads − 1 where missing. */
    private static synchronized void canaries(int threads) {
        while (CANARIES.size() < threads) {
            FastAttention engine = new FastAttention(1, Kernels.defaultKernels());
            Consumer<FastAttention> prefill = FastStep.prefill(SHAPE, 256, 5L);
            CANARIES.add(() -> {
                prefill.accept(engine);
                prefill.accept(engine);
            });
        }
    }

    /** Runs 150 canaries (300 prefills, about 0.2 s) on first use: until then the kernels run half-compiled. */
    static synchronized void warmUp() {
        if (!warm) {
            canaries(1);
            for (int i = 0; i < 150; i++) {
                CANARIES.get(0).run();
            }
            warm = true;
        }
    }

    /**
     * A point's canary median over this run's reference, after making the median the reference if it is the
     * fastest yet (so without a handed-on reference the first point of a run is never slow by this measure).
     */
    synchronized double slowdown(double median) {
        reference = Math.min(reference, median);
        return median / reference;
    }
}
