package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** {@link AttentionConfig} and {@link AttentionWeights}: defaults, derived sizes and every refusal. */
class AttentionConfigTest {

    private static void assertRefused(String message, Executable construction) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, construction).getMessage());
    }

    @Test
    void defaultsAreValueWidthDScaleOneOverRootDNoBiasNoRopeNotCausal() {
        AttentionConfig config = AttentionConfig.builder(16, 8, 2, 4).build();
        assertEquals(4, config.valueDim());
        assertEquals(0.5, config.scale(), "1/√4 is exactly 0.5");
        assertEquals(ProjectionBias.none(), config.bias());
        assertEquals(0.0, config.softcap());
        assertTrue(!config.hasRope() && !config.causal());
        assertEquals(4, config.groupSize());
    }

    @Test
    void variantFollowsTheNumberOfKvHeads() {
        assertEquals(AttentionVariant.MHA, AttentionConfig.builder(8, 4, 4, 2).build().variant());
        assertEquals(AttentionVariant.MQA, AttentionConfig.builder(8, 4, 1, 2).build().variant());
        assertEquals(AttentionVariant.GQA, AttentionConfig.builder(8, 4, 2, 2).build().variant());
        assertEquals(AttentionVariant.MHA, AttentionConfig.builder(8, 1, 1, 2).build().variant(), "H = G = 1 is MHA");
    }

    @Test
    void refusesInconsistentSizesWithMessagesNamingTheValues() {
        assertRefused("numKvHeads (3) must divide numHeads (8)", () -> AttentionConfig.builder(16, 8, 3, 4).build());
        assertRefused("numKvHeads (0) must be positive", () -> AttentionConfig.builder(16, 8, 0, 4).build());
        assertRefused("modelWidth (0) must be positive", () -> AttentionConfig.builder(0, 8, 2, 4).build());
        assertRefused("headDim (-1) must be positive", () -> AttentionConfig.builder(16, 8, 2, -1).build());
        assertRefused("valueDim (0) must be positive", () -> AttentionConfig.builder(16, 8, 2, 4).valueDim(0).build());
        assertRefused("rotary dims P (6) must not exceed headDim (4)",
                () -> AttentionConfig.builder(16, 8, 2, 4).rope(new Rope(6, 10000.0, RopePairing.SPLIT_HALVES)).build());
        assertRefused("scale (0.0) must be finite and positive", () -> AttentionConfig.builder(16, 8, 2, 4).scale(0).build());
        assertRefused("softcap (-1.0) must be finite and ≥ 0; 0 turns it off",
                () -> AttentionConfig.builder(16, 8, 2, 4).softcap(-1).build());
        assertRefused("softcap (NaN) must be finite and ≥ 0; 0 turns it off",
                () -> AttentionConfig.builder(16, 8, 2, 4).softcap(Double.NaN).build());
        assertRefused("bias must not be null", () -> AttentionConfig.builder(16, 8, 2, 4).bias(null).build());
    }

    @Test
    void seededWeightsHaveTheConfiguredShapesAndBiases() {
        AttentionConfig config = AttentionConfig.builder(6, 4, 2, 3).valueDim(5)
                .bias(new ProjectionBias(true, false, true, false)).build();
        AttentionWeights weights = AttentionWeights.init(config, new SeededRandom(11));
        assertEquals(List.of(12, 6), List.of(weights.query().outFeatures(), weights.query().inFeatures()));
        assertEquals(6, weights.key().outFeatures());
        assertEquals(10, weights.value().outFeatures());
        assertEquals(20, weights.output().inFeatures());
        assertTrue(weights.query().hasBias() && !weights.key().hasBias() && weights.value().hasBias()
                && !weights.output().hasBias());
        assertTrue(weights.query().weight().bitwiseEquals(AttentionWeights.init(config, new SeededRandom(11)).query().weight()),
                "same seed, same weights");
    }

    @Test
    void weightsThatDoNotFitTheConfigurationAreRefusedByEveryModule() {
        AttentionConfig config = AttentionConfig.builder(4, 2, 2, 2).build();
        AttentionWeights good = AttentionWeights.init(config, new SeededRandom(1));
        AttentionWeights wrongKey = new AttentionWeights(good.query(), new Linear(Tensor.zeros(2, 4), null), good.value(),
                good.output());
        assertRefused("key projection W_K weight has shape [2, 4]; expected [G·D, M] = [4, 4]",
                () -> new MultiHeadAttention(config, wrongKey));
        assertRefused("key projection W_K weight has shape [2, 4]; expected [G·D, M] = [4, 4]",
                () -> new GroupedQueryAttention(config, wrongKey));
        AttentionWeights biasedOutput = new AttentionWeights(good.query(), good.key(), good.value(),
                new Linear(good.output().weight(), Tensor.zeros(4)));
        assertRefused("output projection W_O has a bias but the configuration says bias.output = false",
                () -> new GroupedQueryAttention(config, biasedOutput));
        AttentionConfig mqaConfig = config.withNumKvHeads(1);
        assertRefused("key projection W_K weight has shape [4, 4]; expected [G·D, M] = [2, 4]",
                () -> new MultiQueryAttention(mqaConfig, good));
    }
}
