package dev.attnref.experiment;

import dev.attnref.fast.FastAttention;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast kernels, driven through {@link FastCore}, compute the same decode step as this package's
 * float64 loops ({@link CoreKernels}, checked against the oracle by {@code CoreKernelsTest}) for every
 * layout: the adapter's layout mapping (query split for LATENT, RoPE tables for KEY_REUSE) is right.
 */
class FastCoreTest {
    /** float32 kernels over ≤ 300 keys of O(1) values: ~1e-6 relative, with margin. */
    private static final double TOLERANCE = 2e-5;

    @Test
    void everyLayoutMatchesTheFloat64Loops() {
        long seed = 7;
        for (CoreShape shape : List.of(CoreShape.gqa(6, 2, 16), CoreShape.mlaNaive(3, 8, 4, 8),
                CoreShape.mlaAbsorbed(4, 16, 8), CoreShape.mfa(4, 16), CoreShape.mfaKeyReuse(4, 16))) {
            int length = 300;
            CoreCache c32 = CoreCache.random(shape, length, 1, false, seed);
            CoreCache c64 = CoreCache.random(shape, length, 1, true, seed);   // same draws, kept in float64
            double scale = 1 / Math.sqrt(shape.keyWidth());
            double[] expected = new double[shape.numHeads() * shape.valueWidth()];
            try (CoreKernels loops = new CoreKernels(CoreKernels.Engine.F64_LOOPS, 1);
                 FastAttention fast = new FastAttention(2)) {
                loops.decode(c64, 0, length, scale, expected);
                FastCore step = FastCore.prepare(fast, c32, scale);
                step.run();
                double error = NumericsExperiment.relativeError(step.output(), expected);
                assertTrue(error <= TOLERANCE, shape.describe() + ": relative error " + error + " (seed " + seed + ")");
            }
        }
    }
}
