package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * Erf and the FFN activations on known values. Expected erf/erfc values are C libm's, read
 * through Python 3's {@code math.erf}/{@code math.erfc} (an independent implementation); the
 * activation values are derived from them by the arithmetic written beside each case.
 */
class ActivationTest {

    private static void assertRelative(double expected, double actual, double relative, String what) {
        assertTrue(Math.abs(actual - expected) <= relative * Math.abs(expected),
                what + ": expected " + expected + ", got " + actual + " (relative error "
                        + Math.abs(actual - expected) / Math.abs(expected) + ")");
    }

    @Test
    void erfMatchesLibmAcrossEveryBranch() {
        // x < 0.75 uses the series, x ≥ 0.75 the continued fraction; negative x uses symmetry.
        double[][] cases = {
            {0.1, 0.1124629160182849},
            {0.5, 0.5204998778130465},
            {0.75, 0.7111556336535151},
            {1.0, 0.8427007929497149},
            {2.0, 0.9953222650189527},
            {3.0, 0.9999779095030014},
            {-1.0, -0.8427007929497149},
        };
        for (double[] c : cases) {
            assertRelative(c[1], Erf.erf(c[0]), Tolerances.ERF_RELATIVE, "erf(" + c[0] + ")");
        }
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(Double.POSITIVE_INFINITY));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    @Test
    void erfcKeepsRelativeAccuracyInTheTail() {
        // 1 − erf(x) would lose every digit here; erfc must not.
        double[][] cases = {
            {0.5, 0.4795001221869535},
            {0.75, 0.28884436634648486},
            {2.0, 0.004677734981047265},
            {3.0, 2.2090496998585438e-05},
            {5.0, 1.5374597944280351e-12},
            {10.0, 2.088487583762545e-45},
            {-0.5, 1.5204998778130465},
            {-2.0, 1.9953222650189528},
        };
        for (double[] c : cases) {
            assertRelative(c[1], Erf.erfc(c[0]), Tolerances.ERF_RELATIVE, "erfc(" + c[0] + ")");
        }
        assertEquals(0.0, Erf.erfc(30.0));
        assertEquals(2.0, Erf.erfc(Double.NEGATIVE_INFINITY));
    }

    @Test
    void erfIsOddAndComplementsErfc() {
        Property.of("erfIsOddAndErfPlusErfcIsOne", Dims.spec()).tries(200).check((d, random) -> {
            double x = random.uniform(-6, 6);
            assertEquals(-Erf.erf(x), Erf.erf(-x), 0.0, "x = " + x);
            assertEquals(1.0, Erf.erf(x) + Erf.erfc(x), Tolerances.ERF_COMPLEMENT, "x = " + x);
        });
    }

    @Test
    void reluOnHandValues() {
        assertArrayEquals(new double[] {0.0, 0.0, 2.5}, Activation.RELU.apply(Tensor.of(new double[] {-3, 0, 2.5}, 3))
                .toArray(), 0.0);
    }

    @Test
    void exactGeluIsXTimesTheNormalCdf() {
        // GELU(x) = x·Φ(x) = ½·x·erfc(−x/√2), with libm's erfc:
        //   x = 1:  ½·erfc(−0.7071…) = ½·1.6826894921370859 = 0.8413447460685429
        //   x = −1: −½·erfc(0.7071…) = −½·0.31731050786291415 = −0.15865525393145707
        //   x = 2:  2·Φ(2) = 2·0.9772498680518208 = 1.9544997361036416
        //   x = −6: −6·Φ(−6) = −6·9.865876450376981e-10 = −5.919525870226207e-09 (needs erfc, not 1 + erf)
        assertRelative(0.8413447460685429, Activation.GELU.apply(1.0), Tolerances.ACTIVATION_RELATIVE, "GELU(1)");
        assertRelative(-0.15865525393145707, Activation.GELU.apply(-1.0), Tolerances.ACTIVATION_RELATIVE, "GELU(−1)");
        assertRelative(1.9544997361036416, Activation.GELU.apply(2.0), Tolerances.ACTIVATION_RELATIVE, "GELU(2)");
        assertRelative(-5.919525870226207e-09, Activation.GELU.apply(-6.0), Tolerances.ACTIVATION_TAIL_RELATIVE, "GELU(−6)");
        assertEquals(0.0, Activation.GELU.apply(0.0));
    }

    @Test
    void tanhGeluOnHandValues() {
        // ½·x·(1 + tanh(√(2/π)·(x + 0.044715x³))):
        //   x = 1:  √(2/π)·1.044715 = 0.8335565596, tanh = 0.6823839812 → ½·1.6823839812 = 0.8411919906082768
        //   x = −1: odd inner argument → −½·(1 − 0.6823839812) = −0.15880800939172324
        assertRelative(0.8411919906082768, Activation.GELU_TANH.apply(1.0), Tolerances.ACTIVATION_RELATIVE, "GELU_tanh(1)");
        assertRelative(-0.15880800939172324, Activation.GELU_TANH.apply(-1.0), Tolerances.ACTIVATION_RELATIVE, "GELU_tanh(−1)");
    }

    @Test
    void tanhGeluStaysWithinItsKnownErrorOfExactGelu() {
        // The tanh form differs from x·Φ(x) by at most 4.74e-4 (maximum of |GELU − GELU_tanh| on a
        // 0.001 grid over [−10, 10], at x ≈ −2.70, computed with Python's math.erfc and math.tanh).
        double worst = 0;
        for (int i = -10000; i < 10000; i++) {
            double x = i / 1000.0;
            worst = Math.max(worst, Math.abs(Activation.GELU.apply(x) - Activation.GELU_TANH.apply(x)));
        }
        assertEquals(4.732355179517516e-4, worst, Tolerances.GELU_TANH_GAP);
    }

    @Test
    void siluOnHandValues() {
        // x / (1 + e^(−x)):  1/(1 + 0.36787944117144233) = 0.7310585786300049
        //                    2/(1 + 0.1353352832366127) = 1.7615941559557646 (±1 ulp)
        //                   −1/(1 + 2.718281828459045) = −0.2689414213699951
        assertRelative(0.7310585786300049, Activation.SILU.apply(1.0), Tolerances.ACTIVATION_RELATIVE, "SiLU(1)");
        assertRelative(1.7615941559557646, Activation.SILU.apply(2.0), Tolerances.ACTIVATION_RELATIVE, "SiLU(2)");
        assertRelative(-0.2689414213699951, Activation.SILU.apply(-1.0), Tolerances.ACTIVATION_RELATIVE, "SiLU(−1)");
        assertEquals(-0.0, Activation.SILU.apply(-1000.0), 0.0);
    }

    @Test
    void activationsKeepTheShape() {
        Tensor x = Tensor.arange(24).view(2, 3, 4).sub(Tensor.scalar(12));
        for (Activation f : Activation.values()) {
            Tensor y = f.apply(x);
            assertArrayEquals(x.shape(), y.shape(), f.name());
            assertEquals(f.apply(x.get(1, 2, 3)), y.get(1, 2, 3), 0.0, f.name());
        }
    }
}
