package dev.attnref.experiment;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Order statistics, busy flags and the interleaved rounds of {@link Timing}. */
class TimingTest {

    @Test
    void statsAreTheOrderStatisticsOfTheSamples() {
        // sorted 1, 2, 4, 8, 16: median 4; quartiles at ranks 1 and 3
        Timing.Stats s = Timing.Stats.of(new double[] {16, 1, 8, 2, 4}, 0, "no");
        assertEquals(4, s.median());
        assertEquals(1, s.min());
        assertEquals(16, s.max());
        assertEquals(2, s.q1());
        assertEquals(8, s.q3());
        assertEquals(1.5, s.relativeIqr());
        // six samples: median between ranks 2 and 3, q1 at rank 1.25
        Timing.Stats even = Timing.Stats.of(new double[] {1, 2, 3, 4, 5, 6}, 0, "no");
        assertEquals(3.5, even.median());
        assertEquals(2.25, even.q1());
    }

    @Test
    void aPointIsBusyForEachReasonThatHolds() {
        // Load(average, steal, total, busy, own ticks); quiet: every busy tick since `quiet` was this process's
        Stamp.Load quiet = new Stamp.Load(0.1, 0, 1000, 300, 100);
        Stamp.Load alone = new Stamp.Load(0.2, 0, 2000, 800, 600);
        Timing.Stats tight = Timing.Stats.of(new double[] {1.00, 1.01, 1.02, 1.03, 1.04}, 0, "no");
        Timing.Stats wide = Timing.Stats.of(new double[] {1, 1.5, 2, 2.5, 3}, 0, "no");
        assertEquals("no", Timing.busy(tight, true, quiet, alone, 1.0));
        assertEquals("spread", Timing.busy(wide, true, quiet, alone, 1.0));
        // 500 of 1,000 ticks busy in other processes: half of every CPU, above 0.25 of one
        assertEquals("others", Timing.busy(tight, true, quiet, new Stamp.Load(0.2, 0, 2000, 1300, 600), 1.0));
        // the canary 1.2× the run's fastest (limit 1.15): the host slowed the VM; 1.1× is within the canary's noise
        assertEquals("host", Timing.busy(tight, true, quiet, alone, 1.2));
        assertEquals("no", Timing.busy(tight, true, quiet, alone, 1.1));
        // 50 of 1,000 ticks stolen (5% > 2%), JIT not settled, load above every core
        double overloaded = Runtime.getRuntime().availableProcessors() + 1;
        assertEquals("load+steal+host+spread+jit",
                Timing.busy(wide, false, quiet, new Stamp.Load(overloaded, 50, 2000, 800, 600), 1.5));
    }

    @Test
    void otherProcessesCountInCpusAndThisProcessesTicksAreItsOwn() {
        Stamp.Load before = new Stamp.Load(0, 0, 1000, 400, 100);
        // 1,000 ticks over 2 CPUs; 600 busy, 400 of them ours: 200 others' ticks = 0.4 of a CPU
        assertEquals(0.4, new Stamp.Load(0, 0, 2000, 1000, 500).otherCpusSince(before, 2), 1e-12);
        assertEquals(0, new Stamp.Load(0, 0, 1000, 400, 100).otherCpusSince(before, 2));
        // this process's ticks grow by the CPU time it spends (Linux; USER_HZ 100: 0.3 s ≥ 15 ticks)
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        Stamp.Load start = Stamp.Load.now();
        long end = bean.getCurrentThreadCpuTime() + 300_000_000L;
        double x = 0;
        while (bean.getCurrentThreadCpuTime() < end) {
            x += Math.sqrt(x + 1);
        }
        assertTrue(x > 0);
        long ticks = Stamp.Load.now().ownTicks() - start.ownTicks();
        assertTrue(ticks >= 15 && ticks <= 300, "own ticks over 0.3 s of CPU: " + ticks);
    }

    @Test
    void everyCallIsTimedInEveryRoundInAnOrderThatChangesBetweenRounds() {
        List<String> trace = new ArrayList<>();
        List<Runnable> calls = List.of(() -> trace.add("a"), () -> trace.add("b"), () -> trace.add("c"));
        List<String> log = new ArrayList<>();
        List<Timing.Stats> stats = Timing.interleaved(calls, new Timing.Settings(6, 0, 0, 7L, false, 1), log::add);
        assertEquals(3, stats.size());
        stats.forEach(s -> assertEquals(6, s.repeats()));
        assertTrue(log.get(0).startsWith("warm-up: "), log.get(0));
        // the last 6 rounds are the timed ones: 18 calls, each letter 6 times, not always in the same order
        List<String> timed = trace.subList(trace.size() - 18, trace.size());
        assertEquals(6, timed.stream().filter("a"::equals).count());
        List<String> rounds = new ArrayList<>();
        for (int r = 0; r < 6; r++) {
            rounds.add(String.join("", timed.subList(3 * r, 3 * r + 3)));
        }
        assertNotEquals(1, rounds.stream().distinct().count(), "same order in every round: " + rounds);
    }

    @Test
    void everyPointCarriesTheCanariesTimedBeforeItsOwnSamples() {
        List<Timing.Stats> stats = Timing.interleaved(List.of(() -> { }, () -> { }),
                new Timing.Settings(5, 0, 0, 3L, true, 1), line -> { });
        for (Timing.Stats point : stats) {
            // two prefills of 4 heads · 256·257/2 pairs · 4·128 FLOPs = 135 MFLOP: ≥ 0.1 ms below 1.35 TFLOP/s, < 1 s
            assertTrue(point.canary() > 1e-4 && point.canary() < 1, "canary seconds " + point.canary());
        }
        // each call's median of its own five canaries (nanosecond clocks: two equal medians would mean one shared)
        assertNotEquals(stats.get(0).canary(), stats.get(1).canary(), "one canary median per call");
    }

    @Test
    void aPointsSlowdownIsItsCanaryOverTheFastestPointsCanarySoFar() {
        HostCanary run = new HostCanary(Double.POSITIVE_INFINITY);
        assertEquals(1.0, run.slowdown(2e-3), "the first point is its own reference");
        assertEquals(1.5, run.slowdown(3e-3), 1e-12);
        assertEquals(1.0, run.slowdown(1e-3), "a faster point becomes the reference");
        assertEquals(2.0, run.slowdown(2e-3), 1e-12);
    }

    @Test
    void aHandedOnReferenceJudgesTheFirstPointToo() {
        HostCanary run = new HostCanary(1e-3);
        assertEquals(1.5, run.slowdown(1.5e-3), 1e-12, "slower than the reference handed on");
        assertEquals(1.0, run.slowdown(0.8e-3), "a faster point becomes the reference");
    }

    @Test
    void aCanaryOnTwoThreadsRunsOnTheWallClockWithAReferenceOfItsOwn() {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        double seconds = HostCanary.time(2, false, bean);
        assertTrue(seconds > 1e-4 && seconds < 1, "two-thread canary seconds " + seconds);
        assertSame(HostCanary.run(2), HostCanary.run(2));
        assertNotSame(HostCanary.run(1), HostCanary.run(2), "one reference per thread count");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostCanary.time(2, true, bean));
        assertEquals("a canary on 2 threads is timed on the wall clock, not thread-cpu", e.getMessage());
    }

    @Test
    void threadCpuTimingOfSeveralThreadsIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Timing.Settings(5, 0.1, 1, 1L, true, 2));
        assertEquals("threads (2) must be 1 with clock thread-cpu, ≥ 1 with wall", e.getMessage());
    }

    @Test
    void fewerThanFiveRoundsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Timing.Settings(4, 0.1, 1, 1L, true, 1));
        assertEquals("rounds (4) must be ≥ 5", e.getMessage());
    }
}
