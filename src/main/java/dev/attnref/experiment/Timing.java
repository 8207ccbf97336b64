package dev.attnref.experiment;

import java.util.Arrays;

/**
 * Wall-clock timing of a repeated call: untimed calls until both {@code warmups} calls and
 * {@code warmupSeconds} have passed (the JIT compiles Vector API code only after many calls; before
 * that it runs orders of magnitude slower), then timed calls until both {@code minRepeats} calls and
 * {@code minSeconds} have passed. The median is the figure reported;
 * the minimum is kept beside it (noisy shared cores make the mean useless).
 */
public final class Timing {
    private Timing() {
    }

    /** Median and minimum seconds per call, and the number of timed calls. */
    public record Result(double medianSeconds, double minSeconds, int repeats) {
    }

    public static Result measure(Runnable call, int warmups, double warmupSeconds, int minRepeats, double minSeconds) {
        return measure(call, warmups, warmupSeconds, minRepeats, minSeconds, false);
    }

    /**
     * As {@link #measure(Runnable, int, double, int, double)}; with {@code threadCpu} the figure is
     * the calling thread's CPU time ({@code ThreadMXBean.getCurrentThreadCpuTime}), which other processes
     * sharing the cores do not inflate. Only meaningful for work done on the calling thread alone.
     */
    public static Result measure(Runnable call, int warmups, double warmupSeconds, int minRepeats, double minSeconds,
                                 boolean threadCpu) {
        java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
        if (threadCpu && !bean.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time; use wall-clock timing");
        }
        long warmStart = System.nanoTime();
        for (int i = 0; i < warmups || (System.nanoTime() - warmStart) / 1e9 < warmupSeconds; i++) {
            call.run();
        }
        double[] times = new double[Math.max(minRepeats, 1) * 4];
        int n = 0;
        long budgetStart = System.nanoTime();
        while (n < minRepeats || (System.nanoTime() - budgetStart) / 1e9 < minSeconds) {
            long start = threadCpu ? bean.getCurrentThreadCpuTime() : System.nanoTime();
            call.run();
            double seconds = ((threadCpu ? bean.getCurrentThreadCpuTime() : System.nanoTime()) - start) / 1e9;
            if (n == times.length) {
                times = Arrays.copyOf(times, n * 2);
            }
            times[n++] = seconds;
        }
        double[] sorted = Arrays.copyOf(times, n);
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Result(median, sorted[0], n);
    }
}
