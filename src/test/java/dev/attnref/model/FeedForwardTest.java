package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/** The MLP and SwiGLU feed-forward networks against their definitions, written as loops here. */
class FeedForwardTest {

    private static double[] row(Tensor x, int r) {
        return x.narrow(0, r, 1).contiguous().toArray();
    }

    @Test
    void mlpOnAHandComputedCase() {
        // M = 1, F = 2: W_up = [[1], [−1]], x = [2] → u = [2, −2] → ReLU → [2, 0];
        // W_down = [[3, 5]] → 3·2 + 5·0 = 6.
        Mlp mlp = new Mlp(new Linear(Tensor.of(new double[] {1, -1}, 2, 1), null), Activation.RELU,
                new Linear(Tensor.of(new double[] {3, 5}, 1, 2), null));
        assertArrayEquals(new double[] {6}, mlp.forward(Tensor.of(new double[] {2}, 1, 1, 1), ShapeTrace.off()).toArray(), 0);
    }

    /** Law: MLP(x) = W_down·f(W_up·x) row by row, for every activation. */
    static void mlpMatchesItsDefinition(int rows, int modelWidth, int hiddenWidth, SeededRandom random) {
        for (Activation f : Activation.values()) {
            Mlp mlp = Mlp.random(modelWidth, hiddenWidth, f, random);
            Tensor x = Tensor.randn(random, 1.0, rows, modelWidth);
            Tensor y = mlp.forward(x.view(1, rows, modelWidth), ShapeTrace.off()).view(rows, modelWidth);
            for (int r = 0; r < rows; r++) {
                double[] hidden = Loops.matVec(mlp.up().weight(), row(x, r));
                for (int j = 0; j < hidden.length; j++) {
                    hidden[j] = f.apply(hidden[j]);
                }
                double[] expected = Loops.matVec(mlp.down().weight(), hidden);
                assertArrayEquals(expected, row(y, r), Tolerances.FEED_FORWARD, f + " row " + r);
            }
        }
    }

    @Test
    void mlpMatchesItsDefinition() {
        Property.of("mlpEqualsDownOfActivationOfUp", Dims.spec().size("T", 1, 4).size("M", 1, 9).size("F", 1, 13))
                .tries(20).check((d, random) -> mlpMatchesItsDefinition(d.get("T"), d.get("M"), d.get("F"), random));
    }

    /** Law: SwiGLU(x)[m] = Σ_j W_down[m, j]·SiLU((W_gate·x)[j])·(W_up·x)[j], SiLU(z) = z/(1 + e^(−z)). */
    static void swiGluMatchesItsDefinition(int rows, int modelWidth, int hiddenWidth, SeededRandom random) {
        SwiGlu ffn = SwiGlu.random(modelWidth, hiddenWidth, random);
        Tensor x = Tensor.randn(random, 1.0, rows, modelWidth);
        Tensor y = ffn.forward(x, ShapeTrace.off());
        for (int r = 0; r < rows; r++) {
            double[] gate = Loops.matVec(ffn.gate().weight(), row(x, r));
            double[] up = Loops.matVec(ffn.up().weight(), row(x, r));
            double[] expected = new double[modelWidth];
            for (int m = 0; m < modelWidth; m++) {
                for (int j = 0; j < hiddenWidth; j++) {
                    double silu = gate[j] / (1 + Math.exp(-gate[j]));
                    expected[m] += ffn.down().weight().get(m, j) * silu * up[j];
                }
            }
            assertArrayEquals(expected, row(y, r), Tolerances.FEED_FORWARD, "row " + r);
        }
    }

    @Test
    void swiGluMatchesItsDefinition() {
        Property.of("swiGluEqualsDownOfSiluGateTimesUp", Dims.spec().size("T", 1, 4).size("M", 1, 9).size("F", 1, 13))
                .tries(30).check((d, random) -> swiGluMatchesItsDefinition(d.get("T"), d.get("M"), d.get("F"), random));
    }

    @Test
    void swiGluGatesWithSiluOfTheGateNotOfTheUpProjection() {
        // M = F = 1: gate weight 2, up weight 3, down weight 1, x = 1 → SiLU(2)·3 = 1.7615941559557646·3.
        // Swapping the roles would give SiLU(3)·2 = 2.857722… instead.
        SwiGlu ffn = new SwiGlu(new Linear(Tensor.of(new double[] {2}, 1, 1), null),
                new Linear(Tensor.of(new double[] {3}, 1, 1), null), new Linear(Tensor.of(new double[] {1}, 1, 1), null));
        double y = ffn.forward(Tensor.of(new double[] {1}, 1, 1), ShapeTrace.off()).item();
        assertTrue(Math.abs(y - 3 * 1.7615941559557646) < Tolerances.FEED_FORWARD, "SwiGLU(1) = " + y);
    }

    @Test
    void mismatchedProjectionsAreRejected() {
        SeededRandom random = new SeededRandom(7);
        Linear up = Linear.init(4, 8, false, random);
        Linear wrongDown = Linear.init(6, 4, false, random);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Mlp(up, Activation.GELU, wrongDown));
        assertTrue(e.getMessage().contains("6 → 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SwiGlu(up, Linear.init(4, 7, false, random),
                Linear.init(8, 4, false, random)));
    }
}
