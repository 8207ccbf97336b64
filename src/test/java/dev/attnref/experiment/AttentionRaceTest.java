package dev.attnref.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.fast.AttentionDims;
import org.junit.jupiter.api.Test;

/** The race's arithmetic: statistics of the timed rounds and the useful FLOPs and bytes it divides by. */
class AttentionRaceTest {

    @Test
    void statsAreMedianExtremesAndInterpolatedQuartiles() {
        // Sorted 1, 2, 3, 4, 5: median at position 2 → 3; q1 at position 1 → 2; q3 at position 3 → 4.
        AttentionRace.Stats stats = AttentionRace.Stats.of(new double[] {5, 1, 4, 2, 3});
        assertEquals(new AttentionRace.Stats(3, 1, 5, 2, 4), stats);
        // Sorted 10, 20, 30, 40: median at position 1.5 → 25; q1 at 0.75 → 17.5; q3 at 2.25 → 32.5.
        assertEquals(new AttentionRace.Stats(25, 10, 40, 17.5, 32.5),
                AttentionRace.Stats.of(new double[] {40, 10, 30, 20}));
    }

    @Test
    void causalPrefillCountsOnlyVisiblePairs() {
        // S = 4 causal: 1 + 2 + 3 + 4 = 10 visible pairs per head; H = 2, D + Dv = 3 + 5 = 8:
        // FLOPs = 2 · 2 heads · 10 · 8 = 320.
        AttentionRace.Config prefill = new AttentionRace.Config("p", AttentionRace.Kind.PREFILL,
                new AttentionDims(1, 2, 1, 4, 4, 3, 5));
        assertEquals(320.0, prefill.flops());
        // Decode over S = 4: 4 pairs per head → 2 · 2 · 4 · 8 = 128 FLOPs; K/V bytes = 4 · G·S·(D + Dv) = 4·1·4·8 = 128.
        AttentionRace.Config decode = new AttentionRace.Config("d", AttentionRace.Kind.DECODE,
                new AttentionDims(1, 2, 1, 1, 4, 3, 5));
        assertEquals(128.0, decode.flops());
        assertEquals(128.0, decode.cacheBytes());
    }
}
