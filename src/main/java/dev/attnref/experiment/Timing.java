package dev.attnref.experiment;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Times several calls (the series of one point, e.g. every variant at one cache length) in rounds:
 * each round runs every call in a seeded random order, so a drift of the machine (another job, a warm
 * cache, the JIT) spreads over all series instead of landing on whichever runs first.
 *
 * <pre>
 *   warm-up   rounds of one sample per call until two rounds lasting ≥ 1 s together (or one of ≥ 3 s)
 *             pass with no JIT compilation (CompilationMXBean total time unchanged), at most maxWarmupSeconds
 *   sample    one call repeated until ≥ minSeconds have passed: seconds / calls
 *   rounds    ≥ 5 samples per call; figures are median, min, max and quartiles of the samples
 * </pre>
 *
 * <p>Clock: the calling thread's CPU time ({@code thread-cpu}: other processes on the shared cores do
 * not inflate it; only for work done on this thread) or wall time ({@code wall}).
 *
 * <p>A point is flagged busy, in the timing tables' {@code busy} column, for each reason that holds
 * ({@code no} if none): {@code load} (1-minute load average above the number of cores when the point
 * finished: some runnable task waited), {@code steal} (the hypervisor stole more than
 * {@value #STEAL_LIMIT} of CPU time during the point's rounds), {@code others} (other processes kept more
 * than {@value #OTHERS_LIMIT} of a CPU busy during the rounds: {@link Stamp.Load#otherCpusSince}), {@code host}
 * (the {@link HostCanary}, timed just before each of the point's samples, took more than {@value #HOST_LIMIT}× the
 * fastest canary median of this run's points so far: the host slowed this VM down), {@code spread} (interquartile
 * range above {@value #SPREAD_LIMIT} of the median) and {@code jit} (the warm-up ended before compilation
 * stopped). Checked by {@code TimingTest}.
 */
public final class Timing {
    /** At least this many samples per timed point. */
    public static final int MIN_ROUNDS = 5;
    /** Steal share during a point above which it is flagged. */
    static final double STEAL_LIMIT = 0.02;
    /** CPUs kept busy by other processes during a point above which it is flagged. */
    static final double OTHERS_LIMIT = 0.25;
    /** Canary median over this run's fastest above which a point is flagged {@code host}. */
    static final double HOST_LIMIT = 1.15;
    /** Relative interquartile range above which a point is flagged. */
    static final double SPREAD_LIMIT = 0.10;
    /** Shortest warm-up sample, so a round lasts long enough for a compilation to complete in it. */
    private static final double WARMUP_SAMPLE_SECONDS = 0.05;
    /** Compilation-free work the warm-up ends with: two rounds that long, or one round three times as long. */
    private static final double QUIET_SECONDS = 1.0;

    private Timing() {
    }

    /**
     * How to time: rounds, seconds per sample, the warm-up budget, the order's seed, the clock and the threads the
     * calls run on (the {@link HostCanary} runs on as many).
     */
    public record Settings(int rounds, double minSeconds, double maxWarmupSeconds, long seed, boolean threadCpu,
            int threads) {
        public Settings {
            if (rounds < MIN_ROUNDS) {
                throw new IllegalArgumentException("rounds (" + rounds + ") must be ≥ " + MIN_ROUNDS);
            }
            if (threads < 1 || threadCpu && threads != 1) {
                throw new IllegalArgumentException("threads (" + threads + ") must be 1 with clock thread-cpu, ≥ 1 with wall");
            }
        }

        /** From spec keys {@code rounds}, {@code minSeconds}, {@code maxWarmupSeconds} and {@code clock}. */
        public static Settings from(Spec spec, long seed) {
            String clock = spec.text("clock");
            if (!clock.equals("thread-cpu") && !clock.equals("wall")) {
                throw new IllegalArgumentException("clock (" + clock + ") must be wall or thread-cpu");
            }
            return new Settings(spec.integer("rounds"), spec.number("minSeconds"), spec.number("maxWarmupSeconds"), seed,
                    clock.equals("thread-cpu"), 1);
        }
    }

    /**
     * Seconds per call over the rounds of one point, the median seconds of the {@link HostCanary} timed just before
     * each of its samples, and why the point is flagged busy ({@code no} if not).
     */
    public record Stats(double median, double min, double max, double q1, double q3, int repeats, double canary,
                        String busy) {

        /** The order statistics of {@code samples} (linear interpolation between ranks for the quartiles). */
        static Stats of(double[] samples, double canary, String busy) {
            double[] s = samples.clone();
            Arrays.sort(s);
            return new Stats(quantile(s, 0.5), s[0], s[s.length - 1], quantile(s, 0.25), quantile(s, 0.75), s.length,
                    canary, busy);
        }

        private static double quantile(double[] sorted, double p) {
            double rank = p * (sorted.length - 1);
            int low = (int) Math.floor(rank);
            int high = Math.min(low + 1, sorted.length - 1);
            return sorted[low] + (rank - low) * (sorted[high] - sorted[low]);
        }

        /** (q3 − q1) / median. */
        public double relativeIqr() {
            return (q3 - q1) / median;
        }
    }

    /**
     * Warms up, then times every call in {@code settings.rounds()} rounds of seeded random order.
     * {@code log} receives one line on the warm-up.
     *
     * @return one {@link Stats} per call, in the order of {@code calls}
     */
    public static List<Stats> interleaved(List<Runnable> calls, Settings settings, Consumer<String> log) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (settings.threadCpu() && !threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time; use clock wall");
        }
        boolean settled = warmUp(calls, settings, threads, log);
        HostCanary.warmUp();
        Stamp.Load before = Stamp.Load.now();
        double[][] samples = new double[calls.size()][settings.rounds()];
        double[][] canaries = new double[calls.size()][settings.rounds()];
        List<Integer> order = new ArrayList<>();
        for (int c = 0; c < calls.size(); c++) {
            order.add(c);
        }
        Random random = new Random(settings.seed());
        for (int r = 0; r < settings.rounds(); r++) {
            Collections.shuffle(order, random);
            for (int c : order) {
                canaries[c][r] = HostCanary.time(settings.threads(), settings.threadCpu(), threads);
                samples[c][r] = sample(calls.get(c), settings.minSeconds(), settings.threadCpu(), threads);
            }
        }
        Stamp.Load after = Stamp.Load.now();
        List<Stats> stats = new ArrayList<>();
        for (int c = 0; c < calls.size(); c++) {
            double canary = Stats.of(canaries[c], 0, "no").median();
            double slowdown = HostCanary.run(settings.threads()).slowdown(canary);
            Stats plain = Stats.of(samples[c], canary, "no");
            stats.add(Stats.of(samples[c], canary, busy(plain, settled, before, after, slowdown)));
        }
        return stats;
    }

    /**
     * Why a point is busy: {@code load}, {@code steal}, {@code others}, {@code host}, {@code spread}, {@code jit}
     * joined by {@code +}, or {@code no}. {@code slowdown}: the point's canary median over the run's reference.
     */
    static String busy(Stats stats, boolean jitSettled, Stamp.Load before, Stamp.Load after, double slowdown) {
        List<String> reasons = machineReasons(before, after, slowdown);
        if (stats.relativeIqr() > SPREAD_LIMIT) {
            reasons.add("spread");
        }
        if (!jitSettled) {
            reasons.add("jit");
        }
        return reasons.isEmpty() ? "no" : String.join("+", reasons);
    }

    /**
     * {@code load}, {@code steal}, {@code others} and {@code host} of {@link #busy}: the machine's reasons, also for
     * measurements without rounds (the probes' peaks).
     */
    static List<String> machineReasons(Stamp.Load before, Stamp.Load after, double slowdown) {
        List<String> reasons = new ArrayList<>();
        if (after.average() > Runtime.getRuntime().availableProcessors()) {
            reasons.add("load");
        }
        if (after.stealShareSince(before) > STEAL_LIMIT) {
            reasons.add("steal");
        }
        if (after.otherCpusSince(before, Runtime.getRuntime().availableProcessors()) > OTHERS_LIMIT) {
            reasons.add("others");
        }
        if (slowdown > HOST_LIMIT) {
            reasons.add("host");
        }
        return reasons;
    }

    /**
     * Rounds of one sample per call (≥ {@value #WARMUP_SAMPLE_SECONDS} s each) until the JIT has completed
     * no compilation for two whole rounds in a row lasting ≥ {@value #QUIET_SECONDS} s together (or for
     * one round three times as long), or until the warm-up budget has passed; at least one round. (The bean
     * counts a compilation when it completes, so a short quiet round proves little: a compilation of the
     * Vector API kernels may still be running on a loaded machine.)
     *
     * @return whether compilation stopped within the budget
     */
    private static boolean warmUp(List<Runnable> calls, Settings settings, ThreadMXBean threads, Consumer<String> log) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            throw new IllegalStateException("this JVM does not report JIT compilation time; the warm-up cannot be checked");
        }
        long start = System.nanoTime();
        int rounds = 0;
        int quietRounds = 0;
        double quietSeconds = 0;
        boolean quiet;
        do {
            long compiled = jit.getTotalCompilationTime();
            long roundStart = System.nanoTime();
            calls.forEach(call -> sample(call, Math.max(settings.minSeconds(), WARMUP_SAMPLE_SECONDS), false, threads));
            boolean none = jit.getTotalCompilationTime() == compiled;
            quietRounds = none ? quietRounds + 1 : 0;
            quietSeconds = none ? quietSeconds + (System.nanoTime() - roundStart) / 1e9 : 0;
            quiet = quietRounds >= 2 && quietSeconds >= QUIET_SECONDS || quietSeconds >= 3 * QUIET_SECONDS;
            rounds++;
        } while (!quiet && (System.nanoTime() - start) / 1e9 < settings.maxWarmupSeconds());
        log.accept(String.format(Locale.ROOT, "warm-up: %d rounds, %.1f s, %s", rounds, (System.nanoTime() - start) / 1e9,
                quiet ? "no compilation in the last " + quietRounds + " round(s)" : "JIT still compiling"));
        return quiet;
    }

    /** One sample: the call repeated until ≥ {@code minSeconds} passed, seconds per call. */
    private static double sample(Runnable call, double minSeconds, boolean threadCpu, ThreadMXBean threads) {
        long start = threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime();
        long elapsed;
        int n = 0;
        do {
            call.run();
            n++;
            elapsed = (threadCpu ? threads.getCurrentThreadCpuTime() : System.nanoTime()) - start;
        } while (elapsed / 1e9 < minSeconds);
        return elapsed / 1e9 / n;
    }
}
