package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * No silent wrong token: every step that reads a logit row (penalty, temperature, top-k, rank order,
 * greedy choice) refuses NaN and +∞ naming the token, and the nucleus refuses a row that is not a
 * distribution. Without the check, NaN compares false everywhere: greedy over (NaN, 1) would quietly
 * pick token 0, and top-k would keep a NaN. A history token must lie in [0, V), whatever the penalty.
 */
class LogitRowRefusalTest {
    private static final double[] NAN_AT_TOKEN_0 = {Double.NaN, 1.0};
    private static final double[] INFINITY_AT_TOKEN_1 = {0.0, Double.POSITIVE_INFINITY};

    private static void assertRefused(Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message \"" + e.getMessage() + "\" lacks \"" + fragment + "\"");
    }

    @Test
    void everyLogitStepRefusesNanAndPlusInfinityNamingTheToken() {
        for (double[] row : new double[][] {NAN_AT_TOKEN_0, INFINITY_AT_TOKEN_1}) {
            String token = "at token " + (Double.isNaN(row[0]) ? 0 : 1);
            assertRefused(() -> LogitsProcessing.temperature(row, 1.0), token);
            assertRefused(() -> LogitsProcessing.topK(row, 1), token);
            assertRefused(() -> LogitsProcessing.rankOrder(row), token);
            assertRefused(() -> Sampling.greedy(row), token);
            assertRefused(() -> RepetitionPenalty.none().apply(row, new int[0]), token);
        }
    }

    @Test
    void theNucleusRefusesARowThatIsNotADistribution() {
        assertRefused(() -> LogitsProcessing.nucleus(new double[] {-0.5, 1.5}, 0.9), "probability -0.5 at token 0");
    }

    @Test
    void minusInfinityMarksARemovedTokenAndIsAccepted() {
        double[] row = {Double.NEGATIVE_INFINITY, 2.0};
        assertEquals(1, Sampling.greedy(row));
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, 1.0}, LogitsProcessing.temperature(row, 2.0), 0.0);
    }

    @Test
    void historyTokensOutsideTheVocabularyAreRefusedEvenWithoutAPenalty() {
        double[] logits = {1.0, 2.0, 3.0};
        // Ids 0 … V−1 = 2 are tokens; V = 3 and −1 are not.
        assertArrayEquals(logits, RepetitionPenalty.none().apply(logits, new int[] {0, 2}), 0.0);
        assertRefused(() -> RepetitionPenalty.none().apply(logits, new int[] {3}), "history token 3 at index 0");
        assertRefused(() -> RepetitionPenalty.subtract(1.0).apply(logits, new int[] {0, -1}), "history token -1 at index 1");
    }

    @Test
    void topPZeroIsRefusedWhenTheDecodingIsConfigured() {
        assertRefused(() -> new DecodingConfig(false, 1.0, 0, 0.0, RepetitionPenalty.none()), "top-p (0.0) must be in (0, 1]");
    }
}
