package dev.attnref.golden;

/**
 * How close a port's output element must be to the expected float64 value:
 * {@code |actual − expected| ≤ atol + rtol·|expected|}, and non-finite values must match exactly
 * (NaN with NaN, +∞ with +∞, −∞ with −∞). reference-data/README.md ("Tolerances") explains the sizes.
 *
 * <p>Every tolerance of the golden package is here, with its reason (the low-precision rule for bf16 and fp16
 * included). The ONNX conformance cases carry their
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

    /**
     * k of the low-precision rule (bf16, fp16): a port's max-abs error may be k times the case's baseline error,
     * the error of a plain implementation in that precision ({@link LowPrecisionAttention}), plus a floor
     * ({@link #lowPrecisionFloor}). FlashAttention's tests take k = 2: "FlashAttention's numerical error is at
     * most twice the numerical error of a Pytorch implementation" (Dao-AILab/flash-attention,
     * tests/test_flash_attn.py at 765fbd928364e298a38a5e4b5c540d30daa1aecb, {@code test_flash_attn_causal};
     * hopper/test_flash_attn.py at e7f8a55c9840154965d620c16b3dab1209bbea2b, {@code rtol = 2} without softcap).
     * A correct port differs from the plain one by its summation order, its accumulator width and where it
     * rounds, each an error of the baseline's own size, so twice the baseline admits it; a wrong mask, scale,
     * grouping or fill moves outputs by 10⁻¹ and more, tens of baselines (reference-data/README.md, "Precision").
     */
    public static final double LOW_PRECISION_MULTIPLE = 2;

    /**
     * The low-precision rule for one output tensor: max |actual − expected| ≤ k · {@code baselineError} +
     * {@link #lowPrecisionFloor}, as a tolerance with that atol and rtol 0 (non-finite values must still match).
     */
    public static Tolerance lowPrecision(double baselineError, double[] expected, Precision precision) {
        return new Tolerance(LOW_PRECISION_MULTIPLE * baselineError + lowPrecisionFloor(expected, precision), 0);
    }

    /**
     * The floor of the low-precision rule: what one round trip of arithmetic on the exact answer costs in that
     * precision, FlashAttention's {@code fwd_atol = 2 * (out_ref + 0.3 - 0.3 - out_ref).abs().max()} ("Numerical
     * error if we just do any arithmetic on out_ref", hopper/test_flash_attn.py at e7f8a55), with
     * out_ref = fl(expected): 2 · max over finite elements of |fl(fl(ê + 0.3) − 0.3) − ê|, ê = fl(e). It admits
     * a port on a tensor whose baseline error is 0 (the present key and value, exact copies) and is about one
     * unit roundoff of the tensor's largest values: ≈ 4·10⁻³ in bf16 and 5·10⁻⁴ in fp16 for outputs of size 1.
     */
    public static double lowPrecisionFloor(double[] expected, Precision precision) {
        double worst = 0;
        for (double e : expected) {
            if (Double.isFinite(e)) {
                double stored = precision.round(e);
                worst = Math.max(worst, Math.abs(precision.round(precision.round(stored + 0.3) - 0.3) - stored));
            }
        }
        return 2 * worst;
    }

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
