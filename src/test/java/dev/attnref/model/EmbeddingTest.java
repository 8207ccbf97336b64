package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** Token lookup and the learned absolute position table. */
class EmbeddingTest {
    // E = [[0, 1], [10, 11], [20, 21]]: row v is [10v, 10v + 1].
    private static final TokenEmbedding TABLE = new TokenEmbedding(Tensor.of(new double[] {0, 1, 10, 11, 20, 21}, 3, 2));

    @Test
    void lookupCopiesTheRowOfEachId() {
        Tensor x = TABLE.forward(new int[][] {{2, 0}, {1, 1}});
        assertArrayEquals(new int[] {2, 2, 2}, x.shape());
        assertArrayEquals(new double[] {20, 21, 0, 1, 10, 11, 10, 11}, x.toArray(), 0);
    }

    @Test
    void anOutOfVocabularyIdNamesItselfItsPlaceAndTheVocabularySize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TABLE.forward(new int[][] {{0, 1}, {2, 57}}));
        assertTrue(e.getMessage().contains("57") && e.getMessage().contains("vocabSize (3)")
                && e.getMessage().contains("b=1, t=1"), e.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> TABLE.forward(new int[][] {{-1}}));
        assertTrue(negative.getMessage().contains("token id -1"), negative.getMessage());
    }

    @Test
    void raggedBatchesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TABLE.forward(new int[][] {{0, 1}, {2}}));
        assertTrue(e.getMessage().contains("row 1 has 1"), e.getMessage());
    }

    @Test
    void learnedPositionsAddTheRowsOfTheAbsolutePositions() {
        // P row p = [100p, −100p]; X = 0 with T = 2 at start 3 → rows 3 and 4: [300, −300], [400, −400].
        double[] table = new double[6 * 2];
        for (int p = 0; p < 6; p++) {
            table[2 * p] = 100 * p;
            table[2 * p + 1] = -100 * p;
        }
        LearnedPositionEmbedding positions = new LearnedPositionEmbedding(Tensor.of(table, 6, 2));
        Tensor y = positions.forward(Tensor.zeros(2, 2, 2), 3);
        assertArrayEquals(new double[] {300, -300, 400, -400, 300, -300, 400, -400}, y.toArray(), 0);
    }

    @Test
    void positionsBeyondTheTableAreRejected() {
        LearnedPositionEmbedding positions = LearnedPositionEmbedding.random(4, 2, 1.0, new SeededRandom(3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> positions.forward(Tensor.zeros(1, 2, 2), 3));
        assertTrue(e.getMessage().contains("position 4") && e.getMessage().contains("maxPositions (4)"), e.getMessage());
    }

    @Test
    void randomTablesHaveTheRequestedSpread() {
        // 4000 draws of N(0, 0.25²): the sample std is within 0.25·(1 ± 0.05) (its standard error is 0.25/√8000 ≈ 0.003).
        Tensor w = TokenEmbedding.random(500, 8, 0.25, new SeededRandom(11)).weight();
        double square = 0;
        for (double v : w.toArray()) {
            square += v * v;
        }
        assertEquals(0.25, Math.sqrt(square / w.numel()), Tolerances.SAMPLE_SPREAD);
    }
}
