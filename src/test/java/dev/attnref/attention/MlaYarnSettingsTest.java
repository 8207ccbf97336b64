package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.core.RopePairing;
import org.junit.jupiter.api.Test;

/**
 * The YaRN softmax multiplier {@code (0.1·m·ln f + 1)²} of {@link MlaWeights.Settings}, the modules'
 * twin of the oracle's (checked by {@code oracle.YarnMultiplierTest}). DeepSeek-V2's m = 0.707 tells
 * {@code m·} from {@code /m}, which V3's m = 1 cannot (DeepSeek-V2 config.json, {@code rope_scaling}:
 * factor 40, mscale_all_dim 0.707).
 */
class MlaYarnSettingsTest {

    @Test
    void deepSeekV2MultiplierIsOnePointFiveEightNine() {
        // 0.1 · 0.707 · ln 40 + 1 = 1.26080377740586…; squared 1.58962616512087…
        MlaWeights.Settings settings = new MlaWeights.Settings(10000.0, RopePairing.INTERLEAVED, 1e-6, 0.707, 40.0);
        assertEquals(1.5896261651208736, settings.yarnMultiplier(), 1e-14);
    }
}
