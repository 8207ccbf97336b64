package dev.attnref.fast;

/**
 * {@code 2^x} in float32 for {@code x ≤ 0}, by range reduction and a polynomial: the exponential the
 * fast softmax uses (its logits are kept in base 2, pre-multiplied by log₂e, so {@code e^z = 2^(z·log₂e)}).
 * {@code VectorKernels.exp2} computes the same steps lane-wise, with the same roundings, so the
 * scalar and vector results are identical bit for bit.
 *
 * <h2>Steps</h2>
 * <pre>
 *   x  ← max(x, −127)                 −∞ (a hidden key) becomes −127, which step 4 maps to exactly 0
 *   n  = round-to-nearest-even(x)     via (x + 1.5·2²³) − 1.5·2²³, exact for |x| &lt; 2²²
 *   r  = x − n ∈ [−½, ½]              exact (Sterbenz)
 *   2ⁿ = float with bits (n + 127) · 2²³   n = −127 gives bits 0, i.e. +0.0
 *   2^r ≈ Σ_{k=0..7} (ln 2)^k r^k / k!     Taylor, Horner with fused multiply-adds
 *   2^x = 2^r · 2ⁿ
 * </pre>
 *
 * <h2>Error</h2>
 * The Taylor remainder at |r| = ½ is (½ ln 2)⁸/8! ≈ 5·10⁻⁹ relative; rounding the coefficients and
 * the seven Horner steps add a few units in the last place. {@code Exp2Test} measures the maximum
 * relative error against {@code Math.pow(2, x)} on a dense grid of [−126, 0] and asserts it is below
 * {@link #MAX_RELATIVE_ERROR} (3 float32 ulps at 1, i.e. 3·2⁻²³ ≈ 3.6·10⁻⁷). For x &lt; −126.5 the
 * result is 0 instead of a subnormal below 1.2·10⁻³⁸: an absolute error that no softmax row (whose
 * largest term is 1) can notice. {@code FastAttentionAccuracyTest} covers the effect on attention.
 */
final class Exp2 {
    private Exp2() {
    }

    /** Bound on |exp2(x) − 2^x| / 2^x for x ∈ [−126, 0], asserted by {@code Exp2Test}. */
    public static final double MAX_RELATIVE_ERROR = 3.0 * 0x1.0p-23;

    /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer in the low mantissa bits. */
    static final float ROUND_MAGIC = 12582912f;
    /** Bits of {@code ROUND_MAGIC + n} minus this give {@code n + 127}, the biased exponent of 2ⁿ. */
    static final int EXPONENT_OFFSET = 127 - 0x4B400000;
    static final float LOWEST = -127f;

    /** (ln 2)^k / k!, k = 0 … 7, rounded to float. */
    static final float C0 = 1.0f;
    static final float C1 = (float) 0.6931471805599453;
    static final float C2 = (float) 0.2402265069591007;
    static final float C3 = (float) 0.055504108664821576;
    static final float C4 = (float) 0.009618129107628477;
    static final float C5 = (float) 0.0013333558146428441;
    static final float C6 = (float) 1.5403530393381606e-4;
    static final float C7 = (float) 1.5252733804059838e-5;

    /** log₂e, the factor that moves natural-base logits to base 2. */
    public static final float LOG2E = (float) 1.4426950408889634;

    /** 2^x for x ≤ 0 (−∞ allowed, giving 0); the scalar twin of {@code VectorKernels.exp2}. */
    public static float exp2(float x) {
        float clamped = Math.max(x, LOWEST);
        float shifted = clamped + ROUND_MAGIC;
        float n = shifted - ROUND_MAGIC;
        float r = clamped - n;
        float poly = C7;
        poly = Math.fma(poly, r, C6);
        poly = Math.fma(poly, r, C5);
        poly = Math.fma(poly, r, C4);
        poly = Math.fma(poly, r, C3);
        poly = Math.fma(poly, r, C2);
        poly = Math.fma(poly, r, C1);
        poly = Math.fma(poly, r, C0);
        float twoToN = Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + EXPONENT_OFFSET) << 23);
        return poly * twoToN;
    }
}
