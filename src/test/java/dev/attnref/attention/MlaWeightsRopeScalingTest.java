package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.attnref.core.RopePairing;
import dev.attnref.core.RopeScaling;
import dev.attnref.core.SeededRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MlaWeights.Settings} with a RoPE scaling rule, the modules' twin of the oracle's
 * ({@code oracle.OracleMlaRopeScalingTest}): the modules' rotary embedding carries the rule, and a DeepSeek
 * YaRN rule multiplies the softmax scale by m² only while active.
 */
class MlaWeightsRopeScalingTest {

    @Test
    void theRuleTurnsTheModulesRopeAndBringsItsMultiplier() {
        RopeScaling.Yarn rule = RopeScaling.Yarn.deepSeekV3(163840);
        MlaWeights.Settings settings = new MlaWeights.Settings(10000.0, RopePairing.INTERLEAVED, 1e-6, 1.0, 1.0, rule);
        // m = 0.1 · ln 40 + 1; m² = 1.87385420709262…
        assertEquals(1.8738542070926265, settings.yarnMultiplier(), 1e-14);
        assertEquals(1.0, new MlaWeights.Settings(10000.0, RopePairing.INTERLEAVED, 1e-6, 1.0, 1.0,
                RopeScaling.Yarn.deepSeekV3(4096)).yarnMultiplier(), 0.0);
        MlaShape shape = new MlaShape(8, 2, 0, 4, 2, 16, 3);
        MlaWeights weights = MlaWeights.random(shape, settings, new SeededRandom(3));
        assertSame(rule, weights.rope().scaling());
        assertArrayEquals(rule.inverseFrequencies(16, 10000.0, 1), weights.rope().inverseFrequencies(1), 0.0);
        assertEquals(1.8738542070926265 / Math.sqrt(18), weights.softmaxScale(), 1e-15);
    }
}
