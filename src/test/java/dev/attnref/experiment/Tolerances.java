package dev.attnref.experiment;

/**
 * Every numerical tolerance the experiment tests use, each with the reason for its size. Bounds are
 * absolute; u = 2⁻⁵³ ≈ 1.1e-16 is the float64 unit roundoff.
 */
final class Tolerances {
    private Tolerances() {
    }

    /**
     * Roofline costs against hand counts (FLOPs and bytes up to ~1e3, a 704 s time, ridge points of
     * ~300–400 from two datasheet figures): exact integers or one quotient rounded once, ≤ ulp(1e3) ≈
     * 1.1e-13; far below the smallest miscount (0.75 byte, one six-bit element).
     */
    static final double COST = 1e-9;

    /** Roofline figures below 100 (an intensity 704/576, a time 5.76 s, 54 six-bit bytes): a few roundings, ≤ ulp(64) ≈ 1.4e-14. */
    static final double COST_BELOW_100 = 1e-12;

    /** A cache saving 100·(1 − a/b) of exact element or byte counts: a division and a subtraction, a few ulps of ~90 (ulp ≈ 1.4e-14). */
    static final double SAVING_PERCENT = 1e-9;

    /** A cache fraction a/b of exact counts, below 1: one rounding. */
    static final double CACHE_FRACTION = 1e-12;

    /** The log–log fit's slope, intercept, R² and octaves on exactly representable points: sums of a handful of O(1) terms and logs, a few ulps. */
    static final double FIT = 1e-12;

    /**
     * The t quantile (by bisection on P(|T| ≤ t), which is computed to ~u) and what uses it (the fit's
     * interval, an intercept through logs of ~1e6): the probability's error divided by the density
     * (≥ 0.004 at the ν = 1 quantile 12.7) is ≲ 1e-13.
     */
    static final double QUANTILE = 1e-9;

    /** t quantiles from printed tables, which give three decimals: half a unit in the last place. */
    static final double PRINTED_QUANTILE = 5e-4;

    /** Eigenpairs of a 2×2 matrix against (1, ±1)/√2 and 3, 1: one Jacobi rotation of O(1) values, a few ulps. */
    static final double EIGEN_HAND_COMPUTED = 1e-14;

    /** A v = λ v for a 7×7 O(1) matrix: Jacobi stops once the off-diagonal norm is ≤ 1e-14·‖A‖_F (‖A‖_F ≈ 10), plus the sums' rounding. */
    static final double EIGEN_RESIDUAL = 1e-10;

    /** VᵀV = I: V is a product of Jacobi rotations, each orthogonal to a few ulps, over a few sweeps of 21 pairs. */
    static final double ORTHONORMAL = 1e-12;

    /**
     * ONNX Runtime's float32 attention against the float64 oracle with q in [−3, 3], k and v in
     * [−1, 1]: over S ≤ 50 keys and D = 16 it errs by a few 1e-7 (sums of tens of terms, ε = 6e-8);
     * a wrong mask, group or scale errs by 1e-2 or more.
     */
    static final double ONNX_RUNTIME_FLOAT32 = 2e-5;
}
