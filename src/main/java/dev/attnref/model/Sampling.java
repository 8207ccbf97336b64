package dev.attnref.model;

import dev.attnref.core.SeededRandom;

/**
 * Choosing a token from a probability row (seed 001, "采样 (Sampling)").
 *
 * <h2>Greedy</h2>
 * The token of largest probability; among equal maxima, the smallest id.
 *
 * <h2>Random sampling by inverse CDF (specified so that it ports)</h2>
 * <pre>
 *   u  = random.nextDouble()                       one draw per token, in [0, 1) (SplitMix64, 53 bits)
 *   cᵥ = p₀ + p₁ + … + pᵥ                           summed left to right in float64, token id order
 *   token = the smallest v with  u · c_{V−1} &lt; cᵥ
 * </pre>
 * Scaling u by the computed total {@code c_{V−1}} (instead of assuming it is 1) makes the rule
 * exact for rows that sum to 1 only up to rounding, and for unnormalised non-negative rows.
 * Properties: a token with {@code pᵥ = 0} is never chosen ({@code cᵥ = cᵥ₋₁}, and
 * {@code c₋₁ = 0} is not above {@code u·c ≥ 0}); some token is always chosen, because
 * {@code u < 1} gives {@code u·c_{V−1} < c_{V−1}} in binary64 for any positive finite total.
 * So {@code P(token = v) = pᵥ / Σp} up to the 2⁻⁵³ granularity of u.
 *
 * <p>Checked by {@code SamplingTest} (hand cases and a chi-square frequency test).
 */
final class Sampling {
    private Sampling() {
    }

    /** The argmax of {@code values}, the smallest id among ties. */
    public static int greedy(double[] values) {
        LogitsProcessing.checkRow(values);
        int best = 0;
        for (int v = 1; v < values.length; v++) {
            if (values[v] > values[best]) {
                best = v;
            }
        }
        return best;
    }

    /** The token chosen by the inverse-CDF rule for the uniform draw {@code u ∈ [0, 1)}. */
    public static int inverseCdf(double[] probabilities, double u) {
        LogitsProcessing.checkProbabilities(probabilities);
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("uniform draw u (" + u + ") must be in [0, 1)");
        }
        int last = probabilities.length - 1;
        // c_{V−1} = Σ p, left to right
        double total = 0.0;
        for (double p : probabilities) {
            total += p;
        }
        double target = u * total;
        // smallest v with u·c_{V−1} < cᵥ; the loop stops before the last token, which is the
        // answer when no earlier one qualifies (u·c_{V−1} < c_{V−1} always holds, see class doc)
        double cumulative = 0.0;
        for (int v = 0; v < last; v++) {
            cumulative += probabilities[v];
            if (target < cumulative) {
                return v;
            }
        }
        return last;
    }

    /** One draw {@code u = random.nextDouble()}, then {@link #inverseCdf}. */
    public static int sample(double[] probabilities, SeededRandom random) {
        return inverseCdf(probabilities, random.nextDouble());
    }
}
