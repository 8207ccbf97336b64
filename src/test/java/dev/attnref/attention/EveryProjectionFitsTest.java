package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link AttentionWeights#requireFits}: each of the four projections is checked against the
 * configuration, shape and bias, when the module is built (not at the first forward pass). The key and
 * output projections are covered by {@code AttentionConfigTest}; these are the query and value ones.
 */
class EveryProjectionFitsTest {
    private static final AttentionConfig CONFIG = AttentionConfig.builder(4, 2, 2, 2).build();   // M 4, H = G 2, D 2
    private static final AttentionWeights GOOD = AttentionWeights.init(CONFIG, new SeededRandom(1));

    @Test
    void aQueryProjectionOfTheWrongShapeIsRefused() {
        AttentionWeights wrongQuery = new AttentionWeights(new Linear(Tensor.zeros(2, 4), null), GOOD.key(), GOOD.value(),
                GOOD.output());
        assertEquals("query projection W_Q weight has shape [2, 4]; expected [H·D, M] = [4, 4]",
                assertThrows(IllegalArgumentException.class, () -> new GroupedQueryAttention(CONFIG, wrongQuery)).getMessage());
    }

    @Test
    void aValueBiasTheConfigurationDoesNotAskForIsRefused() {
        AttentionWeights biasedValue = new AttentionWeights(GOOD.query(), GOOD.key(),
                new Linear(GOOD.value().weight(), Tensor.zeros(4)), GOOD.output());
        assertEquals("value projection W_V has a bias but the configuration says bias.value = false",
                assertThrows(IllegalArgumentException.class, () -> new GroupedQueryAttention(CONFIG, biasedValue)).getMessage());
    }
}
