package dev.attnref.mirror;

/** Every numerical tolerance the mirror tests use, each with the reason for its size. */
final class Tolerances {
    private Tolerances() {
    }

    /**
     * Same formula in float64, different summation order (a mirror's tensor ops vs a loop reference or
     * PyTorch's BLAS): at these sizes (≤ 128 terms per dot product, values O(1)) the rounding
     * differences stay near 1e-15 relative; 1e-12 leaves three orders of margin and still fails on any
     * real difference (the smallest published bug effect, the float32 scale of S000-MQA-SCALE-DTYPE, is 1e-8).
     */
    static final double FLOAT64_REORDERED = 1e-12;

    /**
     * A visible effect of a published bug: differences below this are rounding, above it a different
     * computation. The bugs witnessed with it move outputs by 1e-2 or more.
     */
    static final double VISIBLE_EFFECT = 1e-6;

    /**
     * S000's float32 √3 scale is 1.8e-8 relative off √3, so it moves every output far beyond float64
     * rounding ({@link #FLOAT64_REORDERED}); a relative difference above this shows the float32 scale was used.
     */
    static final double FLOAT32_SCALE_EFFECT = 1e-11;

    /**
     * S000-MQA-MASK adds −1e-9 to the hidden logits, so it hides nothing: the softmax and two projections
     * (weights ≤ 1/√8) keep the outputs' move at that order, below this.
     */
    static final double NEGLIGIBLE_MASK = 1e-8;

    /**
     * Mirrors against the stored PyTorch tensors, the rule of {@code run_seeds.py --check}:
     * {@code |a − b| ≤ 1e-12 · max(|a|, |b|, f)}. Two float64 implementations summing in different
     * orders over at most a few dozen O(1) terms differ by a few ulps; every published bug moves values
     * by far more.
     */
    static final double PYTORCH_RELATIVE = 1e-12;

    /**
     * The floor f = 1e-3 · max |stored tensor| of {@link #PYTORCH_RELATIVE}: it keeps elements that are
     * near zero by cancellation from being compared to themselves.
     */
    static final double PYTORCH_FLOOR_FRACTION = 1e-3;

    /**
     * Numerical rank by Gaussian elimination: pivots below this times max|a| count as zero. Exactly
     * dependent rows of O(1) float64 products leave pivots near 1e-15; independent ones O(0.1).
     */
    static final double RANK_PIVOT = 1e-10;
}
