package dev.attnref.oracle;

/**
 * Every numerical tolerance the oracle tests use, each with the reason for its size. Every value
 * compared is O(1) (inputs and weights are O(1), probabilities lie in [0, 1]), so the bounds are
 * absolute, except in {@code MlaCrosscheckTest}, which scales them by max(1, |expected|);
 * u = 2⁻⁵³ ≈ 1.1e-16 is the float64 unit roundoff.
 */
final class Tolerances {
    private Tolerances() {
    }

    /** Hand-computed GQA-family cases and a softmax of logits near 1000: O(1) values after a handful of roundings, ≤ 9u. */
    static final double HAND_COMPUTED = 1e-15;

    /**
     * Hand-computed cases through longer chains (the MLA and MFA oracles' RMSNorms, projections and
     * rotations; the YaRN multiplier's logarithm and square; a weighted sum reaching 20): a few dozen
     * roundings of O(1) values, ≤ 90u.
     */
    static final double HAND_COMPUTED_CHAIN = 1e-14;

    /** A rotation keeps a row's squared length: four squares through cos/sin, a few dozen ulps of sums up to ~10. */
    static final double ROTATION_NORM = 1e-13;

    /**
     * Two float64 implementations summing in different orders (loops vs einsum/BLAS, or the same
     * oracle at positions shifted by 7, whose RoPE angles round differently) over at most a few dozen
     * terms of O(1) values: differences are a few ulps; 1e-12 leaves margin and still catches any
     * wrong layout, pairing or scale, which moves values by O(1e-2) or more.
     */
    static final double REORDERED_SUMS = 1e-12;
}
