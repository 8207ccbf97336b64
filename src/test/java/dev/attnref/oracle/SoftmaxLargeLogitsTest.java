package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * The causal softmax of the MLA/MFA oracles subtracts the row maximum, so logits far beyond
 * ln(Double.MAX_VALUE) ≈ 709.8 still give the probabilities of their differences: softmax is invariant
 * to a shift, and {@code exp(1000)} alone would overflow to +∞ (then ∞/∞ = NaN).
 */
class SoftmaxLargeLogitsTest {

    @Test
    void logitsNearAThousandGiveTheProbabilitiesOfTheirDifferences() {
        // One block, T = 2: row 0 sees key 0 only (p = 1); row 1 has logits (1000, 1001), a difference of 1:
        // p = (1/(1+e), e/(1+e)) = (0.26894142136999512…, 0.73105857863000488…). The future logit becomes −∞.
        double[] logits = {1000, 5000, 1000, 1001};
        double[] p = LatentAttentionSteps.causalSoftmax(logits, 1, 2);
        assertArrayEquals(new double[] {1, 0, 0.2689414213699951, 0.7310585786300049}, p, Tolerances.HAND_COMPUTED);
        assertArrayEquals(new double[] {1000, Double.NEGATIVE_INFINITY, 1000, 1001}, logits, 0.0);
    }
}
