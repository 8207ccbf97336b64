package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Comparison with a tolerance relative to the larger of 1 and the largest expected magnitude (see
 * {@link dev.attnref.Tolerances}). A tolerance of 0 asks for numerical equality (−0.0 equals 0.0);
 * NaN never passes. A failure names the flat index, both values and the gap.
 */
final class Close {
    private Close() {
    }

    static void assertClose(String what, double[] expected, double[] actual, double tolerance) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": " + actual.length + " values, expected " + expected.length);
        }
        double scale = 1.0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double bound = tolerance * scale;
        for (int i = 0; i < expected.length; i++) {
            double gap = Math.abs(expected[i] - actual[i]);
            if (!(gap <= bound)) {
                throw new AssertionError(what + ": at flat index " + i + " expected " + expected[i] + " but got "
                        + actual[i] + " (gap " + gap + " > " + bound + " = " + tolerance + " × " + scale + ")");
            }
        }
    }

    static void assertClose(String what, Tensor expected, Tensor actual, double tolerance) {
        if (!Arrays.equals(expected.shape(), actual.shape())) {
            throw new AssertionError(what + ": shape " + Arrays.toString(actual.shape()) + ", expected "
                    + Arrays.toString(expected.shape()));
        }
        assertClose(what, expected.toArray(), actual.toArray(), tolerance);
    }
}
