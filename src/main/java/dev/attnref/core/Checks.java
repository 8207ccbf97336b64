package dev.attnref.core;

import java.util.Arrays;

/**
 * Argument checks whose messages name the value and what was expected, e.g.
 * {@code numKvHeads (3) must divide numHeads (8)}. Every public entry point validates with these
 * so that bad input fails at the boundary, never as an index error deep inside a loop.
 * Checked by {@code ChecksTest}.
 */
public final class Checks {
    private Checks() {
    }

    /** {@code value ≥ 1}. */
    public static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must be positive");
        }
        return value;
    }

    /** {@code value ≥ 0}. */
    public static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " (" + value + ") must be non-negative");
        }
        return value;
    }

    /** {@code value} finite and {@code > 0}. */
    public static double positiveFinite(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " (" + value + ") must be finite and positive");
        }
        return value;
    }

    /** {@code value} finite. */
    public static double finite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + " (" + value + ") must be finite");
        }
        return value;
    }

    /** {@code divisor} divides {@code dividend} exactly. */
    public static void divides(String divisorName, int divisor, String dividendName, int dividend) {
        positive(divisorName, divisor);
        if (dividend % divisor != 0) {
            throw new IllegalArgumentException(divisorName + " (" + divisor + ") must divide "
                    + dividendName + " (" + dividend + ")");
        }
    }

    /** Every element finite: NaN or ±∞ in a weight or input is a caller error, reported with its index. */
    public static double[] allFinite(String name, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(name + " holds " + values[i] + " at flat index " + i
                        + "; expected only finite values");
            }
        }
        return values;
    }

    /** {@code array.length == expected}. */
    public static double[] length(String name, double[] array, int expected) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null; expected " + expected + " values");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " values; expected " + expected);
        }
        return array;
    }

    /** Two shapes equal. */
    public static void sameShape(String name, int[] actual, int[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(actual)
                    + "; expected " + Arrays.toString(expected));
        }
    }

    /** A non-null argument. */
    public static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }
}
