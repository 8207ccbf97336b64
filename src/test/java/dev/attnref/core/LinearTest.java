package dev.attnref.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link Linear}: {@code y = x·Wᵀ + b} with W in PyTorch's {@code [out, in]} layout, by hand. */
class LinearTest {
    // W [out = 3, in = 2] = [[1, 2], [3, 4], [5, 6]], b = (0.5, −1, 0).
    private static final Tensor WEIGHT = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
    private static final Tensor BIAS = Tensor.of(new double[] {0.5, -1, 0}, 3);

    @Test
    void forwardIsXTimesWTransposePlusBias() {
        Linear layer = new Linear(WEIGHT, BIAS);
        // x = (1, −1): W·x = (1−2, 3−4, 5−6) = (−1, −1, −1); + b = (−0.5, −2, −1).
        assertArrayEquals(new double[] {-0.5, -2, -1}, layer.forward(Tensor.of(new double[] {1, -1}, 2)).toArray());
        // Rows (1, −1) and (2, 0): the second gives W·x = (2, 6, 10), + b = (2.5, 5, 10).
        Tensor y = layer.forward(Tensor.of(new double[] {1, -1, 2, 0}, 1, 2, 2));
        assertArrayEquals(new int[] {1, 2, 3}, y.shape());
        assertArrayEquals(new double[] {-0.5, -2, -1, 2.5, 5, 10}, y.toArray());
    }

    @Test
    void forwardWithoutBiasIsXTimesWTranspose() {
        Linear layer = new Linear(WEIGHT, null);
        assertFalse(layer.hasBias());
        assertNull(layer.bias());
        // x = (2, 0): W·x = (2, 6, 10).
        assertArrayEquals(new double[] {2, 6, 10}, layer.forward(Tensor.of(new double[] {2, 0}, 1, 2)).toArray());
    }

    @Test
    void forwardReadsNonContiguousInputs() {
        // xᵀ of [[1, 2], [−1, 0]] holds rows (1, −1) and (2, 0): outputs as above.
        Tensor x = Tensor.of(new double[] {1, 2, -1, 0}, 2, 2).transpose(0, 1);
        assertArrayEquals(new double[] {-0.5, -2, -1, 2.5, 5, 10}, new Linear(WEIGHT, BIAS).forward(x).toArray());
    }

    @Test
    void reportsItsShapeAndParameters() {
        Linear layer = new Linear(WEIGHT, BIAS);
        assertEquals(2, layer.inFeatures());
        assertEquals(3, layer.outFeatures());
        assertSame(WEIGHT, layer.weight());
        assertSame(BIAS, layer.bias());
        assertTrue(layer.hasBias());
    }

    @Test
    void initDrawsWeightThenBiasRowMajorFromTheBound() {
        // in = 4: bound 1/√4 = 0.5, so each draw is −0.5 + (0.5 − (−0.5))·u = −0.5 + u.
        Linear layer = Linear.init(4, 3, true, new SeededRandom(21));
        SeededRandom twin = new SeededRandom(21);
        double[] w = layer.weight().toArray();
        for (int i = 0; i < 12; i++) {
            assertEquals(-0.5 + twin.nextDouble(), w[i], "weight " + i);
        }
        double[] b = layer.bias().toArray();
        for (int i = 0; i < 3; i++) {
            assertEquals(-0.5 + twin.nextDouble(), b[i], "bias " + i);
        }
        assertArrayEquals(new int[] {3, 4}, layer.weight().shape());
        assertFalse(Linear.init(4, 3, false, new SeededRandom(21)).hasBias());
    }

    @Test
    void initStaysWithinTheBound() {
        // in = 9: |w| < 1/3.
        for (double w : Linear.init(9, 50, true, new SeededRandom(2)).weight().toArray()) {
            assertTrue(Math.abs(w) <= 1.0 / 3, "weight " + w);
        }
    }

    @Test
    void rejectsBadParametersAndInputs() {
        assertEquals("weight must not be null", rejects(() -> new Linear(null, null)));
        assertEquals("Linear weight has shape [3]; expected [out, in]", rejects(() -> new Linear(Tensor.zeros(3), null)));
        assertEquals("Linear bias has shape [2]; expected [3]", rejects(() -> new Linear(WEIGHT, Tensor.zeros(2))));
        assertEquals("Linear weight holds NaN at flat index 1; expected only finite values",
                rejects(() -> new Linear(Tensor.of(new double[] {0, Double.NaN}, 1, 2), null)));
        assertEquals("Linear bias holds Infinity at flat index 0; expected only finite values",
                rejects(() -> new Linear(Tensor.zeros(1, 2), Tensor.of(new double[] {Double.POSITIVE_INFINITY}, 1))));
        Linear layer = new Linear(WEIGHT, BIAS);
        assertEquals("Linear(2 → 3) got input of shape [2, 3]; expected last axis 2",
                rejects(() -> layer.forward(Tensor.zeros(2, 3))));
        assertEquals("Linear(2 → 3) got input of shape []; expected last axis 2",
                rejects(() -> layer.forward(Tensor.scalar(1))));
        assertEquals("in features (0) must be positive", rejects(() -> Linear.init(0, 3, true, new SeededRandom(1))));
        assertEquals("out features (-1) must be positive", rejects(() -> Linear.init(2, -1, true, new SeededRandom(1))));
    }

    private static String rejects(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }
}
