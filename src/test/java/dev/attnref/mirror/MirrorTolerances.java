package dev.attnref.mirror;

/** The tolerances of the mirror tests, each with the reason for its size. */
final class MirrorTolerances {
    private MirrorTolerances() {
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
}
