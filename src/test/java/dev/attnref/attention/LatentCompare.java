package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.Arrays;

/** Normwise relative comparison of tensors, shared by this package's MLA / MFA tests. */
final class LatentCompare {
    private LatentCompare() {
    }

    /**
     * Normwise relative error {@code max_i |a_i − b_i| / max_i |b_i|} over the finite entries (the
     * plain maximum difference when every expected entry is 0); entries that are −∞ in both count
     * 0, −∞ in one only counts +∞. Shapes must be equal.
     */
    static double relativeError(Tensor actual, Tensor expected) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            throw new AssertionError("shape " + Arrays.toString(actual.shape()) + " differs from expected "
                    + Arrays.toString(expected.shape()));
        }
        double[] a = actual.toArray();
        double[] b = expected.toArray();
        double largest = 0.0;
        for (double value : b) {
            if (Double.isFinite(value)) {
                largest = Math.max(largest, Math.abs(value));
            }
        }
        double magnitude = largest > 0.0 ? largest : 1.0;
        double worst = 0.0;
        for (int i = 0; i < a.length; i++) {
            boolean aHidden = a[i] == Double.NEGATIVE_INFINITY;
            boolean bHidden = b[i] == Double.NEGATIVE_INFINITY;
            if (aHidden || bHidden) {
                if (aHidden != bHidden) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            double diff = Math.abs(a[i] - b[i]);
            if (Double.isNaN(diff)) {
                return Double.POSITIVE_INFINITY;
            }
            worst = Math.max(worst, diff / magnitude);
        }
        return worst;
    }

    /** Fails unless {@link #relativeError} is within {@code tolerance}; returns the error. */
    static double assertClose(String what, Tensor actual, Tensor expected, double tolerance) {
        double error = relativeError(actual, expected);
        if (!(error <= tolerance)) {
            throw new AssertionError(what + ": relative error " + error + " exceeds " + tolerance);
        }
        return error;
    }

    /** A flat row-major array as a tensor of the given shape (oracle results are flat arrays). */
    static Tensor tensor(double[] values, int... shape) {
        return Tensor.of(values.clone(), shape);
    }
}
