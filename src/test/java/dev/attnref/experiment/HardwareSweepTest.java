package dev.attnref.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.experiment.HardwareSweepExperiment.Row;
import java.util.List;
import org.junit.jupiter.api.Test;

/** E04's merge of a peak's two probes ({@link HardwareSweepExperiment#better}). */
class HardwareSweepTest {
    private static Row read(double best, double slowest, String busy, double canaryMs) {
        return new Row("17", "read_bandwidth", "vector", 2, best, "GB/s", slowest, best, 5, busy, canaryMs);
    }

    @Test
    void aPeakIsTheHigherBestWithItsProbesFlagsAndTheLowerSlowestOfBoth() {
        Row slow = read(36.4, 34.0, "host", 2.5);
        Row fast = read(51.6, 33.7, "no", 2.0);
        for (Row merged : new Row[] {HardwareSweepExperiment.better(slow, fast), HardwareSweepExperiment.better(fast, slow)}) {
            assertEquals(51.6, merged.value());
            assertEquals(51.6, merged.max());
            assertEquals(33.7, merged.min(), "the slowest pass of either probe");
            assertEquals(10, merged.repeats());
            assertEquals("no", merged.busy(), "the flags of the probe that gave the peak");
            assertEquals(2.0, merged.canaryMs());
        }
    }

    @Test
    void aProbeJvmIsHandedTheFastestCanaryPerThreadCountOfTheEarlierProbes() {
        Row oneSlow = new Row("17", "decode_gqa", "a", 1, 6, "ms", 6, 7, 7, "no", 1.3);
        Row oneFast = new Row("17", "decode_gqa", "b", 1, 46, "ms", 46, 47, 7, "no", 1.2);
        Row two = new Row("17", "decode_gqa", "a", 2, 3, "ms", 3, 4, 7, "no", 1.8);
        assertEquals("1:1.2,2:1.8", HardwareSweepExperiment.canaryReferences(List.of(two, oneSlow, oneFast)));
    }

    @Test
    void probesOfDifferentRowsAreRefused() {
        Row twoThreads = read(50, 40, "no", 2);
        Row oneThread = new Row("17", "read_bandwidth", "vector", 1, 27, "GB/s", 26, 27, 5, "no", 1.1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> HardwareSweepExperiment.better(twoThreads, oneThread));
        assertTrue(e.getMessage().startsWith("peak probes disagree on their rows: "), e.getMessage());
    }
}
