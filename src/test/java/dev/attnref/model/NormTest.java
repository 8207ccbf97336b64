package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/** RMSNorm and LayerNorm: hand-computed rows, the invariance laws, and argument checks. */
class NormTest {

    @Test
    void rmsNormOnHandComputedRows() {
        // x = [1, 7]: mean x² = (1 + 49)/2 = 25, rms = 5 → [0.2, 1.4]
        RmsNorm plain = new RmsNorm(2, 0.0, null);
        assertArrayEquals(new double[] {0.2, 1.4}, plain.forward(Tensor.of(new double[] {1, 7}, 2)).toArray(), Tolerances.HAND_COMPUTED);
        // with ε = 11: √(25 + 11) = 6 → [1/6, 7/6]
        RmsNorm withEps = new RmsNorm(2, 11.0, null);
        assertArrayEquals(new double[] {1.0 / 6, 7.0 / 6}, withEps.forward(Tensor.of(new double[] {1, 7}, 2)).toArray(),
                Tolerances.HAND_COMPUTED);
        // x = [2, −2, 2, −2]: rms 2 → [1, −1, 1, −1]; γ = [1, 2, 3, 4] → [1, −2, 3, −4]
        RmsNorm affine = new RmsNorm(4, 0.0, Tensor.of(new double[] {1, 2, 3, 4}, 4));
        assertArrayEquals(new double[] {1, -2, 3, -4}, affine.forward(Tensor.of(new double[] {2, -2, 2, -2}, 4)).toArray(),
                Tolerances.HAND_COMPUTED);
    }

    @Test
    void layerNormOnHandComputedRows() {
        // x = [1, 1, 5, 5]: μ = 3, σ² = (4 + 4 + 4 + 4)/4 = 4, σ = 2 → [−1, −1, 1, 1]
        Tensor x = Tensor.of(new double[] {1, 1, 5, 5}, 4);
        assertArrayEquals(new double[] {-1, -1, 1, 1}, new LayerNorm(4, 0.0, null, null).forward(x).toArray(), Tolerances.HAND_COMPUTED);
        // ε = 5: √(4 + 5) = 3 → [−2/3, −2/3, 2/3, 2/3]
        assertArrayEquals(new double[] {-2.0 / 3, -2.0 / 3, 2.0 / 3, 2.0 / 3},
                new LayerNorm(4, 5.0, null, null).forward(x).toArray(), Tolerances.HAND_COMPUTED);
        // γ = [1, 2, 3, 4], β = [0.5, 0, 0, −0.5] on [−1, −1, 1, 1] → [−0.5, −2, 3, 3.5]
        LayerNorm affine = new LayerNorm(4, 0.0, Tensor.of(new double[] {1, 2, 3, 4}, 4),
                Tensor.of(new double[] {0.5, 0, 0, -0.5}, 4));
        assertArrayEquals(new double[] {-0.5, -2, 3, 3.5}, affine.forward(x).toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void normsActOnEachRowOfTheLastAxis() {
        // Two rows of a [2, 1, 2] tensor normalised independently: [1, 7] → [0.2, 1.4]; [3, 3] → [1, 1].
        Tensor x = Tensor.of(new double[] {1, 7, 3, 3}, 2, 1, 2);
        assertArrayEquals(new double[] {0.2, 1.4, 1, 1}, new RmsNorm(2, 0.0, null).forward(x).toArray(), Tolerances.HAND_COMPUTED);
    }

    /** Law: RMSNorm_ε(c·x) = RMSNorm_{ε/c²}(x) for c > 0; with ε = 0 this is scale invariance. */
    static void rmsNormScalesIntoEps(int rows, int width, SeededRandom random) {
        Tensor x = Tensor.randn(random, 1.0, rows, width);
        Tensor gain = Tensor.randn(random, 1.0, width);
        double c = Math.exp(random.uniform(-3, 3));
        double eps = random.nextDouble() < 0.5 ? 0.0 : random.uniform(1e-6, 1e-1);
        Tensor scaled = new RmsNorm(width, eps, gain).forward(x.mul(c));
        Tensor rescaledEps = new RmsNorm(width, eps / (c * c), gain).forward(x);
        assertTrue(scaled.maxAbsDiff(rescaledEps) <= Tolerances.NORM_LAW,
                "c = " + c + ", ε = " + eps + ": max diff " + scaled.maxAbsDiff(rescaledEps));
        if (eps == 0.0) {
            Tensor unscaled = new RmsNorm(width, 0.0, gain).forward(x);
            assertTrue(scaled.maxAbsDiff(unscaled) <= Tolerances.NORM_LAW, "c = " + c + ": RMSNorm(c·x) ≠ RMSNorm(x)");
        }
    }

    @Test
    void rmsNormIsScaleInvariant() {
        Property.of("rmsNormOfScaledXEqualsRmsNormWithScaledEps", Dims.spec().size("rows", 1, 5).size("M", 1, 17))
                .tries(60).check((d, random) -> rmsNormScalesIntoEps(d.get("rows"), d.get("M"), random));
    }

    /** Law: LN(x + s·1) = LN(x) for any shift s, and LN_ε(a·x) = LN_{ε/a²}(x) for a > 0. */
    static void layerNormIgnoresShiftAndScale(int rows, int width, SeededRandom random) {
        Tensor x = Tensor.randn(random, 1.0, rows, width);
        Tensor gain = Tensor.randn(random, 1.0, width);
        Tensor bias = Tensor.randn(random, 1.0, width);
        double shift = random.uniform(-10, 10);
        double a = Math.exp(random.uniform(-3, 3));
        double eps = random.nextDouble() < 0.5 ? 0.0 : random.uniform(1e-6, 1e-1);
        LayerNorm norm = new LayerNorm(width, eps, gain, bias);
        Tensor reference = norm.forward(x);
        Tensor shifted = norm.forward(x.add(shift));
        // A shift by s is cancelled by μ; the rounding of x + s costs |s|·2⁻⁵³ per entry, divided by σ.
        assertTrue(shifted.maxAbsDiff(reference) <= Tolerances.NORM_SHIFT,
                "shift " + shift + ", ε = " + eps + ": max diff " + shifted.maxAbsDiff(reference));
        Tensor scaled = norm.forward(x.mul(a));
        Tensor rescaledEps = new LayerNorm(width, eps / (a * a), gain, bias).forward(x);
        assertTrue(scaled.maxAbsDiff(rescaledEps) <= Tolerances.NORM_LAW,
                "a = " + a + ", ε = " + eps + ": max diff " + scaled.maxAbsDiff(rescaledEps));
    }

    @Test
    void layerNormIsShiftAndScaleInvariant() {
        // width ≥ 2: a one-entry row has σ = 0 and LN is 0/√ε, which the law holds for only trivially.
        Property.of("layerNormShiftAndScaleInvariance", Dims.spec().size("rows", 1, 5).size("M", 2, 17))
                .tries(60).check((d, random) -> layerNormIgnoresShiftAndScale(d.get("rows"), d.get("M"), random));
    }

    @Test
    void layerNormRowsHaveZeroMeanAndUnitVarianceWithoutAffine() {
        Property.of("layerNormHasMeanZeroAndVarianceOneWithoutEps", Dims.spec().size("M", 2, 17))
                .tries(30).check((d, random) -> {
            int width = d.get("M");
            Tensor x = Tensor.randn(random, 3.0, 1, width).add(random.uniform(-5, 5));
            double[] y = new LayerNorm(width, 0.0, null, null).forward(x).toArray();
            double mean = 0;
            double square = 0;
            for (double v : y) {
                mean += v / width;
                square += v * v / width;
            }
            assertTrue(Math.abs(mean) < Tolerances.ROW_MEAN, "mean " + mean);
            assertTrue(Math.abs(square - 1) < Tolerances.ROW_VARIANCE, "variance " + square);
        });
    }

    @Test
    void badArgumentsAreRejectedWithTheirValues() {
        IllegalArgumentException negativeEps = assertThrows(IllegalArgumentException.class, () -> new RmsNorm(4, -1e-5, null));
        assertTrue(negativeEps.getMessage().contains("-1.0E-5"), negativeEps.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm(4, Double.NaN, null, null));
        IllegalArgumentException wrongGain = assertThrows(IllegalArgumentException.class,
                () -> new RmsNorm(4, 1e-5, Tensor.ones(3)));
        assertTrue(wrongGain.getMessage().contains("[3]") && wrongGain.getMessage().contains("[4]"), wrongGain.getMessage());
        IllegalArgumentException wrongWidth = assertThrows(IllegalArgumentException.class,
                () -> new LayerNorm(4, 1e-5, null, null).forward(Tensor.zeros(2, 5)));
        assertTrue(wrongWidth.getMessage().contains("[2, 5]"), wrongWidth.getMessage());
    }
}
