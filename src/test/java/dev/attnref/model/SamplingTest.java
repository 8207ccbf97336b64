package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * Greedy choice, the inverse-CDF rule on hand cases, and sampled frequencies against
 * probabilities by Pearson's chi-square test.
 *
 * <p>Chi-square critical values: upper 0.001 quantiles of χ² with ν degrees of freedom, from the
 * NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.4 (ν = 2: 13.816, ν = 5:
 * 20.515; also {@code scipy.stats.chi2.ppf(0.999, ν)}). With α = 0.001 a correct sampler fails at
 * about one seed in a thousand; the seeds here are fixed, so the test is deterministic, and the
 * power checks below show that a sampler off by a plausible bug fails by a wide margin.
 */
class SamplingTest {
    private static final double CHI_SQUARE_999_DF2 = 13.816;
    private static final double CHI_SQUARE_999_DF5 = 20.515;
    private static final int DRAWS = 20_000;

    private static double chiSquare(int[] counts, double[] probabilities, int draws) {
        double statistic = 0;
        for (int v = 0; v < counts.length; v++) {
            double expected = draws * probabilities[v];
            statistic += (counts[v] - expected) * (counts[v] - expected) / expected;
        }
        return statistic;
    }

    @Test
    void greedyTakesTheLargestAndTheSmallestIdAmongTies() {
        assertEquals(1, Sampling.greedy(new double[] {0.2, 0.4, 0.4}));
        assertEquals(0, Sampling.greedy(new double[] {7}));
        assertEquals(2, Sampling.greedy(new double[] {Double.NEGATIVE_INFINITY, -5, -1}));
    }

    @Test
    void inverseCdfPicksTheFirstTokenWhoseCumulativeMassExceedsU() {
        // p = [1/4, 1/2, 1/4]: c = [0.25, 0.75, 1]; token = first v with u < cᵥ.
        double[] p = {0.25, 0.5, 0.25};
        assertEquals(0, Sampling.inverseCdf(p, 0.0));
        assertEquals(0, Sampling.inverseCdf(p, 0.2499));
        assertEquals(1, Sampling.inverseCdf(p, 0.25));   // 0.25 < 0.25 is false: the boundary belongs to the next token
        assertEquals(2, Sampling.inverseCdf(p, 0.75));
        assertEquals(2, Sampling.inverseCdf(p, Math.nextDown(1.0)));
    }

    @Test
    void zeroProbabilityTokensAreNeverChosen() {
        double[] p = {0, 0.5, 0, 0.5, 0};
        assertEquals(1, Sampling.inverseCdf(p, 0.0));
        assertEquals(3, Sampling.inverseCdf(p, 0.5));
        assertEquals(3, Sampling.inverseCdf(p, Math.nextDown(1.0)));
        SeededRandom random = new SeededRandom(71);
        for (int i = 0; i < 2000; i++) {
            int token = Sampling.sample(p, random);
            assertTrue(token == 1 || token == 3, "drew zero-probability token " + token);
        }
    }

    @Test
    void unnormalisedRowsAreScaledByTheirTotal() {
        // [1, 3]: total 4; u = 0.2 → 0.8 < 1 → token 0; u = 0.3 → 1.2 ≥ 1 → token 1.
        assertEquals(0, Sampling.inverseCdf(new double[] {1, 3}, 0.2));
        assertEquals(1, Sampling.inverseCdf(new double[] {1, 3}, 0.3));
    }

    @Test
    void badDrawsAndRowsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sampling.inverseCdf(new double[] {1}, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Sampling.inverseCdf(new double[] {1}, -0.1));
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Sampling.inverseCdf(new double[] {0.5, -0.1}, 0.3));
        assertTrue(negative.getMessage().contains("-0.1 at token 1"), negative.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sampling.inverseCdf(new double[] {0, 0}, 0.3));
    }

    @Test
    void sampledFrequenciesMatchProbabilities() {
        // Six tokens, smallest probability ≈ 0.026 → expected count ≈ 515 ≫ 5, so the χ² approximation holds.
        double[] p = LogitsProcessing.softmax(new double[] {0.3, -1, 2, 0.5, -0.2, 1});
        SeededRandom random = new SeededRandom(20_240_501);
        int[] counts = new int[p.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[Sampling.sample(p, random)]++;
        }
        double statistic = chiSquare(counts, p, DRAWS);
        assertTrue(statistic < CHI_SQUARE_999_DF5, "χ² = " + statistic + " ≥ " + CHI_SQUARE_999_DF5 + " (seed 20240501, "
                + DRAWS + " draws, 6 tokens)");

        // Power: the same counts are far from a uniform row and from p with two tokens swapped (a mis-indexed CDF).
        double[] uniform = {1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0, 1 / 6.0};
        assertTrue(chiSquare(counts, uniform, DRAWS) > 100 * CHI_SQUARE_999_DF5);
        double[] swapped = p.clone();
        swapped[0] = p[3];
        swapped[3] = p[0];
        assertTrue(chiSquare(counts, swapped, DRAWS) > 5 * CHI_SQUARE_999_DF5);
    }

    @Test
    void sampledFrequenciesMatchTheProcessedDistribution() {
        // Logits [2, 1.5, 1, 0.5, 0, −1, −3], T = 0.7, top-k 5, top-p 0.9:
        //   l/T = [2.857, 2.143, 1.429, 0.714, 0, …]; top-5 softmax ≈ [0.525, 0.257, 0.126, 0.062, 0.030];
        //   mass before rank 3 is 0.782 < 0.9 (kept), before rank 4 it is 0.908 ≥ 0.9 (stop) → 3 tokens, ν = 2.
        double[] logits = {2, 1.5, 1, 0.5, 0, -1, -3};
        DecodingConfig config = new DecodingConfig(false, 0.7, 5, 0.9, RepetitionPenalty.none());
        double[] q = config.probabilities(logits, new int[0]);
        assertTrue(q[0] > 0 && q[1] > 0 && q[2] > 0 && q[3] == 0 && q[4] == 0 && q[5] == 0 && q[6] == 0,
                "kept set is not {0, 1, 2}");
        SeededRandom random = new SeededRandom(20_240_502);
        int[] counts = new int[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            counts[config.choose(q, random)]++;
        }
        assertEquals(0, counts[3] + counts[4] + counts[5] + counts[6], "drew a removed token");
        double statistic = chiSquare(new int[] {counts[0], counts[1], counts[2]}, new double[] {q[0], q[1], q[2]}, DRAWS);
        assertTrue(statistic < CHI_SQUARE_999_DF2, "χ² = " + statistic + " ≥ " + CHI_SQUARE_999_DF2
                + " (seed 20240502, " + DRAWS + " draws)");
    }
}
