package dev.attnref.attention;

import static dev.attnref.attention.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.attnref.Tolerances;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for {@link GroupedQueryAttention}; every expected value is worked out in a comment. */
class GroupedQueryAttentionTest {

    @Test
    void queryHeadsReadTheirContiguousGroupsKvHead() {
        // M = 4, H = 4, G = 2 (R = 2: heads 0, 1 → kv head 0; heads 2, 3 → kv head 1), D = Dv = 1, scale 1.
        // x = ((1, 0, 0, 0), (0, 1, 0, 0)), not causal.
        // W_Q rows all (1, 1, 0, 0): every query is 1. W_K rows (1, 0, 0, 0), (0, 1, 0, 0): k₀ = (1, 0), k₁ = (0, 1)
        // over positions. W_V rows (1, 0, 0, 0), (0, −1, 0, 0): v₀ = (1, 0), v₁ = (0, −1). W_O = I.
        // kv head 0: logits (1, 0) → p = (e/(1+e), 1/(1+e)) → o = e/(1+e) = a.
        // kv head 1: logits (0, 1) → p = (1/(1+e), e/(1+e)) → o = −e/(1+e) = −a.
        // Contiguous groups: out[t] = (a, a, −a, −a). (Tiling, g = h mod 2, would give (a, −a, a, −a).)
        AttentionConfig config = AttentionConfig.builder(4, 4, 2, 1).build();
        AttentionWeights weights = new AttentionWeights(
                Hand.linear(4, 4, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0),
                Hand.linear(2, 4, 1, 0, 0, 0, 0, 1, 0, 0),
                Hand.linear(2, 4, 1, 0, 0, 0, 0, -1, 0, 0),
                Hand.identity(4));
        ForwardResult result = new GroupedQueryAttention(config, weights)
                .forward(Hand.sequence(new double[] {1, 0, 0, 0}, new double[] {0, 1, 0, 0}));
        double a = Math.E / (1 + Math.E);
        assertClose("out", new double[] {a, a, -a, -a, a, a, -a, -a}, result.output().toArray(), Tolerances.HAND_COMPUTED);
        assertClose("p[head 1, t = 0]", new double[] {a, 1 - a},
                new double[] {result.probabilities().get(0, 1, 0, 0), result.probabilities().get(0, 1, 0, 1)}, Tolerances.HAND_COMPUTED);
        assertClose("p[head 2, t = 0]", new double[] {1 - a, a},
                new double[] {result.probabilities().get(0, 2, 0, 0), result.probabilities().get(0, 2, 0, 1)}, Tolerances.HAND_COMPUTED);
    }

    @Test
    void cacheHoldsOneEntryPerKvHeadNotPerQueryHead() {
        AttentionConfig config = AttentionConfig.builder(6, 6, 3, 2).causal(true).build();
        GroupedQueryAttention gqa = GroupedQueryAttention.seeded(config, new SeededRandom(7));
        KvCache cache = KvCache.forConfig(config, 2);
        gqa.forward(Tensor.randn(new SeededRandom(8), 1.0, 2, 3, 6), cache);
        assertEquals(3, cache.keys().size(1), "G key heads");
        assertEquals(3, cache.length(), "three positions");
    }
}
