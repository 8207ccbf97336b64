package dev.attnref.golden;

/**
 * How close a port's output element must be to the expected float64 value:
 * {@code |actual − expected| ≤ atol + rtol·|expected|}, and non-finite values must match exactly
 * (NaN with NaN, +∞ with +∞, −∞ with −∞). reference-data/README.md ("Tolerances") explains the sizes.
 *
 * <p>Every tolerance of the golden package is here, with its reason. The ONNX conformance cases carry their
 * own ({@link OnnxAttentionCase.Tolerance}, read from each case file: ONNX's node-test rule, not ours).
 *
 * @param atol absolute part, ≥ 0
 * @param rtol relative part, ≥ 0
 */
public record Tolerance(double atol, double rtol) {

    /**
     * A float64 port: the same equations in another summation order, with a libm whose exp, tanh,
     * sin, cos, pow and erf are within an ulp or two. At the golden sizes (sums of at most a few
     * hundred O(1) terms) such ports agree to ~1e-15; 1e-12 keeps three orders of margin and still
     * sees the smallest published-bug effect the mirror cases carry (seed 000's −1e-9 "mask" and its
     * float32 √D scale move outputs by ~1e-10 and ~1e-8).
     */
    public static final Tolerance FLOAT64 = new Tolerance(1e-12, 1e-12);

    /**
     * A float32 port fed the same inputs (which are exactly float32): every rounding is 6e-8 relative,
     * dot products and softmax sums over tens of terms and two decoder layers accumulate ~1e-6 of the
     * O(1) values; the NumPy port run in float32 stays below 1e-5. 1e-4 relative plus 1e-5 absolute
     * leaves an order of margin and still fails a wrong scale, mask, pairing or layout (1e-2 or more).
     */
    public static final Tolerance FLOAT32 = new Tolerance(1e-5, 1e-4);

    /**
     * Outputs that are not floating point (int64 token ids, BOOL): a port computes them exactly or not at all,
     * and a token one off is a different decode.
     */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /**
     * How far the chosen token's logit must lead the runner-up at every step of a greedy generation case:
     * 1e-3 is a hundred times a float32 port's ~1e-5 logit error (see {@link #FLOAT32}), so such a port picks
     * the same tokens; the generator refuses a case whose lead is smaller.
     */
    public static final double GREEDY_MARGIN = 1e-3;

    public Tolerance {
        if (!(atol >= 0) || !(rtol >= 0) || Double.isInfinite(atol) || Double.isInfinite(rtol)) {
            throw new IllegalArgumentException("tolerance atol (" + atol + ") and rtol (" + rtol
                    + ") must be finite and ≥ 0");
        }
    }

    /** Whether {@code actual} is close enough to {@code expected}. */
    public boolean allows(double expected, double actual) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return expected == actual;
        }
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    }

    /**
     * Throws IllegalStateException naming the first element where {@code actual} is not within this
     * tolerance of {@code expected}; {@code what} says which computation disagrees.
     */
    public void require(String what, double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new IllegalStateException(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!allows(expected[i], actual[i])) {
                throw new IllegalStateException(what + ": element " + i + " is " + actual[i] + ", the reference gives "
                        + expected[i] + " (tolerance atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }
}
