package dev.attnref.model;

/**
 * Every numerical tolerance the model tests use, each with the reason for its size. Inputs and
 * weights are O(1) draws, so absolute and relative bounds mean the same here unless a constant
 * says otherwise; u = 2⁻⁵³ ≈ 1.1e-16 is the float64 unit roundoff.
 */
final class Tolerances {
    private Tolerances() {
    }

    /** erf/erfc against C libm, relative: both are within ~1 ulp of the true value; 2e-15 allows a few ulps between two good implementations. */
    static final double ERF_RELATIVE = 2e-15;

    /** erf(x) + erfc(x) = 1, absolute: two values within an ulp each and one rounded sum stay within 4u ≈ 4.4e-16 of 1. */
    static final double ERF_COMPLEMENT = 4e-16;

    /** GELU, GELU_tanh, SiLU at known points, relative: one libm call and two or three roundings, under 9u. */
    static final double ACTIVATION_RELATIVE = 1e-15;

    /** GELU(−6) = −6·Φ(−6), relative: Φ comes from erfc deep in its tail (≈ 1e-9), where libm and ours differ by a few more ulps. */
    static final double ACTIVATION_TAIL_RELATIVE = 1e-14;

    /**
     * The worst gap between GELU and its tanh form on a 0.001 grid, against the value computed with
     * Python's math.erfc and math.tanh: both sides of the gap are O(1) values within a few ulps, and
     * the grid's maximum moves by far less than 1e-9 between two good implementations.
     */
    static final double GELU_TANH_GAP = 1e-9;

    /** A feed-forward or norm result against its loop definition: O(M·F) products of O(1) values in another order, a few dozen ulps. */
    static final double FEED_FORWARD = 1e-13;

    /** Norm laws (scale and shift invariance): two float64 evaluations of O(1) rows, a few ulps of the row statistics. */
    static final double NORM_LAW = 1e-12;

    /** A decoder block against its equations composed from the loop parts: sums of O(M·F) products of O(1) values in two orders. */
    static final double BLOCK = 1e-11;

    /** The whole decoder against its loop composition: the block bound over several blocks, the final norm and the LM head. */
    static final double DECODER = 1e-10;

    /** WalkthroughAttention against LoopAttention: both sum O(M·D·S) products of O(1) values in different orders. */
    static final double ATTENTION = 1e-12;

    /**
     * Cached vs uncached generation (logits and the sampled token's probability): the same products
     * in the same order per position, masked entries adding exact zeros; the bound allows a future
     * attention that reorders sums.
     */
    static final double CACHED_GENERATION = 1e-12;

    /**
     * Naive vs absorbed MLA decoders: the same sums in another association (q̂ = W_UKᵀ q before the
     * dot product, W_UV after the weighted sum). Float64 rounding of O(1) values through at most two
     * blocks and a head of V ≤ 24 rows stays near 1e-15 (the largest seen over the 30 tries and three
     * absorbed models is 2.8e-15); 1e-11 leaves three orders of margin and is far below any real
     * difference (a wrong head slice or scale moves logits by 1e-2 or more).
     */
    static final double NAIVE_ABSORBED = 1e-11;

    /**
     * Bitwise: a row of a padded batch runs the same products in the same order as that row alone
     * (batch rows never mix), and causal masking gives the pad positions exactly zero weight.
     */
    static final double PADDING = 0.0;

    /** The smallest difference that shows pre-norm and post-norm blocks are really different computations (they differ by O(1)). */
    static final double VISIBLE_EFFECT = 1e-3;

    /** Hand-computed rows of O(1) values (norms; one attention position, whose softmax weight is exactly 1): a few roundings, ≤ 9u. */
    static final double HAND_COMPUTED = 1e-15;

    /** LayerNorm's shift law: the rounding of x + s costs |s|·u per entry (|s| ≤ 10), divided by σ of O(1) rows. */
    static final double NORM_SHIFT = 1e-10;

    /** A normalised row's mean, absolute: M ≤ 17 terms of O(1) that cancel, each off by an ulp. */
    static final double ROW_MEAN = 1e-14;

    /** A normalised row's variance, absolute: M ≤ 17 squares of O(1) values and a division, a few dozen ulps of 1. */
    static final double ROW_VARIANCE = 1e-13;

    /** The LM head against its loop definition: one dot product of length M ≤ 16 per logit, O(1) values. */
    static final double LM_HEAD = 1e-14;

    /** Seed 001's temperature example, 12.5 / 0.1: 0.1 is not exact in binary, so the quotient is a few ulps of 125 (≈ 1e-14) away. */
    static final double DIVIDED_LOGITS = 1e-12;

    /** p_max of a softmax against a bound or its previous value: one normalised entry, an ulp or two of a value ≤ 1. */
    static final double PROBABILITY = 1e-15;

    /** Σ_v p_v = 1 after normalisation: at most one rounding of u ≈ 1.1e-16 per token, so this times V. */
    static final double SUM_PER_TOKEN = 1.2e-16;

    /** A seeded table's sample standard deviation against the requested 0.25: 5 % of it, four times the standard error 0.25/√8000 ≈ 0.003. */
    static final double SAMPLE_SPREAD = 0.0125;
}
