package dev.attnref.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.core.RopePairing;
import org.junit.jupiter.api.Test;

/**
 * The YaRN softmax multiplier {@code (0.1·m·ln f + 1)²} of {@link OracleMla.Options} (docs/MATH.md, MLA),
 * DeepSeek's {@code yarn_get_mscale(f, m)} squared. V3's m = 1 cannot tell {@code m·} from {@code /m},
 * so the hand cases also take DeepSeek-V2's {@code mscale_all_dim} m = 0.707 (its config.json,
 * {@code rope_scaling}: factor 40, mscale_all_dim 0.707).
 */
class YarnMultiplierTest {

    private static OracleMla.Options yarn(double mscale, double factor) {
        return new OracleMla.Options(10000.0, RopePairing.INTERLEAVED, 0, 1e-6, mscale, factor);
    }

    @Test
    void deepSeekV2MultiplierIsOnePointFiveEightNine() {
        // ln 40 = 3.68887945411393630…; 0.1 · 0.707 · ln 40 + 1 = 1.26080377740586…; squared 1.58962616512087…
        assertEquals(1.5896261651208736, yarn(0.707, 40.0).yarnMultiplier(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void multiplierGrowsWithMscale() {
        // m = 2, f = 40: (0.2 · ln 40 + 1)² = 1.73777589082279² = 3.01986504672493…
        assertEquals(3.0198650467249313, yarn(2.0, 40.0).yarnMultiplier(), Tolerances.HAND_COMPUTED_CHAIN);
    }

    @Test
    void factorOneMeansNoYarnWhateverTheMscale() {
        // ln 1 = 0: (0 + 1)² = 1 exactly.
        assertEquals(1.0, yarn(0.707, 1.0).yarnMultiplier(), 0.0);
    }
}
