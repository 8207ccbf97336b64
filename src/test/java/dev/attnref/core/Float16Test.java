package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Float16Test {
    @Test
    void knownBitPatterns() {
        // binary16: sign | 5-bit exponent (bias 15) | 10-bit mantissa.
        assertEquals((short) 0x3C00, Float16.toBits(1.0f));        // 2^0
        assertEquals((short) 0xC000, Float16.toBits(-2.0f));       // −2^1: exponent 16
        assertEquals((short) 0x7BFF, Float16.toBits(65504f));      // largest finite: (2 − 2^−10)·2^15
        assertEquals((short) 0x0001, Float16.toBits(0x1.0p-24f));  // smallest subnormal
        assertEquals((short) 0x0400, Float16.toBits(0x1.0p-14f));  // smallest normal
        assertEquals((short) 0x3555, Float16.toBits(1f / 3));      // 0.333251953125
    }

    @Test
    void roundsToNearestEvenAndOverflowsToInfinity() {
        // 1 + 2^−11 lies halfway between 1 and 1 + 2^−10: ties go to the even mantissa (1.0).
        assertEquals(1.0, Float16.round(1 + 0x1.0p-11));
        // 1 + 3·2^−11 lies halfway between 1 + 2^−10 and 1 + 2^−9: the even one is 1 + 2^−9.
        assertEquals(1 + 0x1.0p-9, Float16.round(1 + 3 * 0x1.0p-11));
        // 65520 is halfway between 65504 and 65536 (= ∞ in binary16): rounds up to ∞.
        assertEquals(Double.POSITIVE_INFINITY, Float16.round(65520));
        assertEquals(65504.0, Float16.round(65519));
        // Half the smallest subnormal ties to even (0); a little more rounds up to 2^−24.
        assertEquals(0.0, Float16.round(0x1.0p-25));
        assertEquals(0x1.0p-24, Float16.round(0x1.8p-25));
        assertTrue(Double.isNaN(Float16.round(Double.NaN)));
    }

    @Test
    void everyHalfValueRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            double v = Float16.toDouble((short) bits);
            if (!Double.isNaN(v)) {
                assertEquals((short) bits, Float16.toBits((float) v), "bits 0x" + Integer.toHexString(bits));
            }
        }
    }
}
