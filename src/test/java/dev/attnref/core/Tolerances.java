package dev.attnref.core;

/**
 * Every numerical tolerance the core tests use, each with the reason for its size. Values are O(1)
 * (rotated O(1) rows, probabilities, frequencies ≤ 1) and bounds are absolute unless the name says
 * relative; u = 2⁻⁵³ ≈ 1.1e-16 is the float64 unit roundoff.
 */
final class Tolerances {
    private Tolerances() {
    }

    /** cos 1 and sin 1 from one Math.cos/Math.sin of an exact angle, against 20 digits: within one ulp (≈ 1.1e-16) of values near 0.5–0.85. */
    static final double ROTATION_EXACT_ANGLE = 1.2e-16;

    /** The same with a second pair whose angle 10000^(−1/2) = 0.01 is itself rounded once by pow: two ulps. */
    static final double ROTATION_ROUNDED_ANGLE = 2.3e-16;

    /** cos of a small angle (5·0.01, 5/300) computed the same way on both sides, a value near 1: within an ulp. */
    static final double COSINE_NEAR_ONE = 1e-16;

    /** The angle 3·10000^(−1/2) = 0.03: one pow and one product, a few ulps of 0.03 (ulp ≈ 3.5e-18). */
    static final double ANGLE = 1e-17;

    /** YaRN's blended ω' times position 100 (0.5125): a few roundings of pow, the blend and the product, a few ulps of 0.5. */
    static final double SCALED_ANGLE = 1e-15;

    /** Rotations by scaled angles up to 100 rad against 17 digits: the angles 100·ω' round to a few ulps (ulp(10) ≈ 1.8e-15) before cos/sin. */
    static final double SCALED_ROTATION = 1e-14;

    /** A rotation keeps a row's squared length, relative: each pair's a² + b² up to a few roundings through cos/sin and the sums. */
    static final double ROTATION_NORM_RELATIVE = 1e-14;

    /** A scaling rule's ω' and multiplier against their equations, relative: a few roundings (pow, one product, one division, one sum). */
    static final double SCALED_FREQUENCY_RELATIVE = 1e-15;

    /** The same against NumPy's float64 ({@code reference-data/rope-scaling}), relative: a few roundings of pow, products and one blend in two implementations. */
    static final double NUMPY_FREQUENCY_RELATIVE = 1e-14;

    /** Rotated values against NumPy, per position: the angle pos·ω' carries about pos·ω'·2⁻⁵² absolute error (ω' ≤ 1) before its cosine is taken. */
    static final double ROTATION_PER_POSITION = 1e-15;

    /** A logit after shifting both positions by up to 3000: angles up to ~3100 rad lose ~3100·2⁻⁵³ ≈ 3.4e-13 each to rounding before cos/sin. */
    static final double SHIFTED_LOGIT = 1e-11;

    /** The same for positions near 9000 and width 64 under every scaling rule: angles near 10⁴ lose ~1e-12 each, over 32 pairs. */
    static final double FAR_SHIFTED_LOGIT = 1e-9;

    /** Logits of the two pairings: the same pair meets the same angle, only the dot product sums in another order, a few ulps of O(1) sums. */
    static final double REORDERED_DOT = 1e-12;

    /** Linear scaling at position 4p vs plain RoPE at p: (pos/f)·ω and pos·ω round differently, ≈ 1000·u per angle for positions up to 1000. */
    static final double POSITION_INTERPOLATION = 1e-12;

    /**
     * The llama3 rule on either side of a band edge (ω·(1 ± 1e-12)), relative to ω: a continuous rule
     * moves by about the step times its slope; a jump at the edge would move ω' by O(ω).
     */
    static final double BAND_EDGE_RELATIVE = 1e-10;

    /** Two-logit softmax entries near 0.73 and 0.99 against 20 digits: a few ulps (1.1e-16) from exp and the division. */
    static final double SOFTMAX_ENTRY_NEAR_ONE = 4e-16;

    /** The same for the entry near 0.27 (ulp ≈ 5.6e-17). */
    static final double SOFTMAX_ENTRY_NEAR_QUARTER = 2e-16;

    /** The same for the entry near 0.0067 (ulp ≈ 8.7e-19). */
    static final double SOFTMAX_ENTRY_SMALL = 4e-18;

    /**
     * Softmax against PyTorch's: ATen computes {@code exp} with a vectorised (SLEEF, ≤ 1 ulp) kernel
     * and multiplies by {@code 1/Σ}, this code uses {@code Math.exp} and divides; outputs lie in
     * [0, 1], so a few ulps of 1.0 (2.2e-16 each) bound the difference.
     */
    static final double SOFTMAX_AGAINST_TORCH = 2e-15;
}
