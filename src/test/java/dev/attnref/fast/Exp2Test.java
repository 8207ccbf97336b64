package dev.attnref.fast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The polynomial 2^x of {@link Exp2} and its lane-wise twin in {@link VectorKernels}. */
class Exp2Test {
    /** x = −126 + i/1024 for i = 0 … 126·1024: every 1/1024 of the range the softmax uses. */
    private static final int STEPS_PER_UNIT = 1024;

    @Test
    void relativeErrorIsBelowThreeUlpOnMinus126ToZero() {
        double worst = 0;
        float worstX = 0;
        for (int i = 0; i <= 126 * STEPS_PER_UNIT; i++) {
            float x = -126f + (float) i / STEPS_PER_UNIT;
            double exact = Math.pow(2, x);
            double error = Math.abs(Exp2.exp2(x) - exact) / exact;
            if (error > worst) {
                worst = error;
                worstX = x;
            }
        }
        double found = worst;
        float at = worstX;
        assertTrue(found <= Exp2.MAX_RELATIVE_ERROR, () -> "max relative error " + found + " at x = " + at
                + " exceeds " + Exp2.MAX_RELATIVE_ERROR);
    }

    @Test
    void hiddenKeysGiveExactlyZeroAndTheMaxGivesExactlyOne() {
        assertEquals(0f, Exp2.exp2(Float.NEGATIVE_INFINITY));
        assertEquals(0f, Exp2.exp2(-127f));
        assertEquals(0f, Exp2.exp2(-1000f));
        assertEquals(1f, Exp2.exp2(0f));
        assertEquals(0.5f, Exp2.exp2(-1f));
        assertEquals(0x1.0p-100f, Exp2.exp2(-100f));
    }

    @Test
    void vectorExp2EqualsScalarExp2BitForBit() {
        int lanes = VectorKernels.LANES;
        float[] x = new float[lanes];
        float[] y = new float[lanes];
        for (int i = 0; i <= 127 * STEPS_PER_UNIT; i += lanes) {
            for (int lane = 0; lane < lanes; lane++) {
                x[lane] = -127f + (float) (i + lane) / STEPS_PER_UNIT;
            }
            x[0] = i == 0 ? Float.NEGATIVE_INFINITY : x[0];
            System.arraycopy(x, 0, y, 0, lanes);
            VectorKernels.exp2InPlace(y, 0, lanes);
            for (int lane = 0; lane < lanes; lane++) {
                assertEquals(Float.floatToRawIntBits(Exp2.exp2(x[lane])), Float.floatToRawIntBits(y[lane]),
                        "exp2(" + x[lane] + ")");
            }
        }
    }
}
