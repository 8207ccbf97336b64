package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Erf#erfc} at the values C's {@code erfc} fixes exactly: NaN stays NaN, 0 ↦ 1, −∞ ↦ 2, +∞ ↦ 0. */
class ErfcSpecialValuesTest {

    @Test
    void erfcPropagatesNanAndHitsItsExactValues() {
        assertTrue(Double.isNaN(Erf.erfc(Double.NaN)));
        assertEquals(1.0, Erf.erfc(0.0), 0.0);
        assertEquals(2.0, Erf.erfc(Double.NEGATIVE_INFINITY), 0.0);
        assertEquals(0.0, Erf.erfc(Double.POSITIVE_INFINITY), 0.0);
    }
}
