package dev.attnref.attention;

import static dev.attnref.attention.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.attnref.Tolerances;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for {@link MultiQueryAttention}; every expected value is worked out in a comment. */
class MultiQueryAttentionTest {

    /**
     * M = 2, H = 2, G = 1, D = Dv = 1, scale 1, not causal, x = ((1, 0), (0, 1)).
     * W_Q = I (head h reads column h of x); the one key head k = x₀ + 2x₁ = (1, 2) over positions;
     * the one value head v = 3x₀ + 5x₁ = (3, 5); W_O = I.
     */
    private static MultiQueryAttention sharedKeyCase(boolean causal) {
        AttentionConfig config = AttentionConfig.builder(2, 2, 1, 1).causal(causal).build();
        return new MultiQueryAttention(config, new AttentionWeights(Hand.identity(2), Hand.linear(1, 2, 1, 2),
                Hand.linear(1, 2, 3, 5), Hand.identity(2)));
    }

    @Test
    void everyQueryHeadReadsTheOneSharedKeyAndValueHead() {
        // head 0: q = (1, 0). t = 0: logits (1·1, 1·2) = (1, 2) → p = (1/(1+e), e/(1+e)) → o = (3 + 5e)/(1 + e);
        //         t = 1: q = 0 → logits (0, 0) → o = (3 + 5)/2 = 4.
        // head 1: q = (0, 1). t = 0: o = 4; t = 1: logits (1, 2) → o = (3 + 5e)/(1 + e).
        // out[t] = (o_head0, o_head1).
        ForwardResult result = sharedKeyCase(false).forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}));
        double a = (3 + 5 * Math.E) / (1 + Math.E);
        assertClose("out", new double[] {a, 4, 4, a}, result.output().toArray(), Tolerances.HAND_COMPUTED);
        assertClose("p[head 0, t = 0]", new double[] {1 / (1 + Math.E), Math.E / (1 + Math.E)},
                new double[] {result.probabilities().get(0, 0, 0, 0), result.probabilities().get(0, 0, 0, 1)}, Tolerances.HAND_COMPUTED);
    }

    @Test
    void causalDecodeThroughTheCacheMatchesTheFullPass() {
        // Causal: t = 0 sees key 0 only, so both heads give v₀ = 3 there. t = 1 sees both keys:
        // head 0 has q = 0 → o = 4; head 1 has logits (1, 2) → o = (3 + 5e)/(1 + e).
        // The same two tokens one at a time through a cache of G = 1 give the same rows.
        double a = (3 + 5 * Math.E) / (1 + Math.E);
        double[] expected = {3, 3, 4, a};
        MultiQueryAttention mqa = sharedKeyCase(true);
        assertClose("full", expected,
                mqa.forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1})).output().toArray(), Tolerances.HAND_COMPUTED);

        KvCache cache = KvCache.forConfig(mqa.config(), 1);
        Tensor first = mqa.forward(Hand.sequence(new double[] {1, 0}), cache).output();
        Tensor second = mqa.forward(Hand.sequence(new double[] {0, 1}), cache).output();
        assertClose("decoded", expected, Tensor.cat(List.of(first, second), 1).toArray(), Tolerances.HAND_COMPUTED);
        assertEquals(1, cache.keys().size(1), "the MQA cache holds one key head");
    }

    @Test
    void refusesMoreThanOneKvHead() {
        AttentionConfig gqa = AttentionConfig.builder(4, 4, 2, 1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultiQueryAttention(gqa, AttentionWeights.init(gqa, new SeededRandom(1))));
        assertEquals("MultiQueryAttention needs numKvHeads (2) equal to 1; use GroupedQueryAttention", e.getMessage());
    }
}
