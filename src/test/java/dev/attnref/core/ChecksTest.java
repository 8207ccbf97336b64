package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link Checks}: each check passes its value through and names value and expectation on failure. */
class ChecksTest {

    private static String rejects(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void positive() {
        assertEquals(1, Checks.positive("numHeads", 1));
        assertEquals("numHeads (0) must be positive", rejects(() -> Checks.positive("numHeads", 0)));
        assertEquals("numHeads (-4) must be positive", rejects(() -> Checks.positive("numHeads", -4)));
    }

    @Test
    void nonNegative() {
        assertEquals(0, Checks.nonNegative("qLen", 0));
        assertEquals("qLen (-1) must be non-negative", rejects(() -> Checks.nonNegative("qLen", -1)));
    }

    @Test
    void positiveFinite() {
        assertEquals(0.5, Checks.positiveFinite("scale", 0.5));
        assertEquals(Double.MIN_VALUE, Checks.positiveFinite("scale", Double.MIN_VALUE));
        assertEquals("scale (0.0) must be finite and positive", rejects(() -> Checks.positiveFinite("scale", 0.0)));
        assertEquals("scale (-1.0) must be finite and positive", rejects(() -> Checks.positiveFinite("scale", -1.0)));
        assertEquals("scale (NaN) must be finite and positive", rejects(() -> Checks.positiveFinite("scale", Double.NaN)));
        assertEquals("scale (Infinity) must be finite and positive",
                rejects(() -> Checks.positiveFinite("scale", Double.POSITIVE_INFINITY)));
    }

    @Test
    void finite() {
        assertEquals(-3.0, Checks.finite("softcap", -3.0));
        assertEquals("softcap (-Infinity) must be finite", rejects(() -> Checks.finite("softcap", Double.NEGATIVE_INFINITY)));
        assertEquals("softcap (NaN) must be finite", rejects(() -> Checks.finite("softcap", Double.NaN)));
    }

    @Test
    void divides() {
        Checks.divides("numKvHeads", 4, "numHeads", 8);
        Checks.divides("numKvHeads", 8, "numHeads", 0);
        assertEquals("numKvHeads (3) must divide numHeads (8)", rejects(() -> Checks.divides("numKvHeads", 3, "numHeads", 8)));
        assertEquals("numKvHeads (0) must be positive", rejects(() -> Checks.divides("numKvHeads", 0, "numHeads", 8)));
    }

    @Test
    void allFinite() {
        double[] ok = {1, -2, 0};
        assertSame(ok, Checks.allFinite("q", ok));
        assertEquals("q holds NaN at flat index 2; expected only finite values",
                rejects(() -> Checks.allFinite("q", new double[] {1, 2, Double.NaN})));
        assertEquals("q holds -Infinity at flat index 0; expected only finite values",
                rejects(() -> Checks.allFinite("q", new double[] {Double.NEGATIVE_INFINITY})));
    }

    @Test
    void length() {
        double[] three = {1, 2, 3};
        assertArrayEquals(three, Checks.length("bias", three, 3));
        assertEquals("bias has 3 values; expected 4", rejects(() -> Checks.length("bias", three, 4)));
        assertEquals("bias is null; expected 4 values", rejects(() -> Checks.length("bias", null, 4)));
    }

    @Test
    void sameShape() {
        Checks.sameShape("k", new int[] {2, 3}, new int[] {2, 3});
        assertEquals("k has shape [3, 2]; expected [2, 3]",
                rejects(() -> Checks.sameShape("k", new int[] {3, 2}, new int[] {2, 3})));
    }

    @Test
    void notNull() {
        String value = "x";
        assertSame(value, Checks.notNull("name", value));
        assertEquals("mask must not be null", rejects(() -> Checks.notNull("mask", null)));
    }
}
