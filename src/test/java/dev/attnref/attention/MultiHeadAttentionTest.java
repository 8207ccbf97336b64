package dev.attnref.attention;

import static dev.attnref.attention.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Linear;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.Rope;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** Hand-computed cases for {@link MultiHeadAttention}; every expected value is worked out in a comment. */
class MultiHeadAttentionTest {

    @Test
    void oneHeadWidthOneCausalTwoTokens() {
        // M = H = D = 1, all weights 1, so q = k = v = x; scale 1/√1 = 1; x = (1, 2).
        // t = 0 sees key 0 only: p = (1, 0), out = v₀ = 1.
        // t = 1: logits q₁k₀ = 2, q₁k₁ = 4 → p = (e²/(e²+e⁴), e⁴/(e²+e⁴)) = (1/(1+e²), e²/(1+e²));
        //        out = 1·p₀ + 2·p₁ = (1 + 2e²)/(1 + e²).
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).causal(true).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(1));
        ForwardResult result = mha.forward(Hand.sequence(new double[] {1}, new double[] {2}));

        double e2 = Math.exp(2);
        assertClose("out", new double[] {1, (1 + 2 * e2) / (1 + e2)}, result.output().toArray(), Tolerances.HAND_COMPUTED);
        assertClose("p", new double[] {1, 0, 1 / (1 + e2), e2 / (1 + e2)}, result.probabilities().toArray(), Tolerances.HAND_COMPUTED);
        assertEquals(0.0, result.probabilities().get(0, 0, 0, 1), "a hidden key has probability exactly 0");
    }

    @Test
    void scaleOverrideOfLnThreeGivesQuarterAndThreeQuarters() {
        // M = D = 2, H = 1, identity weights, scale = ln 3, not causal, x = ((1, 0), (0, 1)).
        // t = 0: q·k = (1, 0) → logits (ln 3, 0) → p = (3/4, 1/4) → out = 3/4·(1,0) + 1/4·(0,1) = (3/4, 1/4).
        // t = 1: q·k = (0, 1) → logits (0, ln 3) → p = (1/4, 3/4) → out = (1/4, 3/4).
        AttentionConfig config = AttentionConfig.builder(2, 1, 1, 2).scale(Math.log(3)).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(2));
        ForwardResult result = mha.forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}));

        assertClose("out", new double[] {0.75, 0.25, 0.25, 0.75}, result.output().toArray(), Tolerances.HAND_COMPUTED);
        assertClose("p", new double[] {0.75, 0.25, 0.25, 0.75}, result.probabilities().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void eachHeadReadsItsOwnKeyAndValueHead() {
        // M = 2, H = 2, D = 1, identity weights: head 0 sees column 0 of x, head 1 column 1. Scale 1.
        // x = ((1, 0), (0, 1)).
        // head 0: q = k = v = (1, 0). t = 0: logits (1, 0) → out e/(e+1); t = 1: logits (0, 0) → out 1/2.
        // head 1: q = k = v = (0, 1). t = 0: logits (0, 0) → out 1/2; t = 1: logits (0, 1) → out e/(e+1).
        // W_O = I: out[t] = (head 0, head 1).
        AttentionConfig config = AttentionConfig.builder(2, 2, 2, 1).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(2));
        ForwardResult result = mha.forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}));

        double big = Math.E / (Math.E + 1);
        assertClose("out", new double[] {big, 0.5, 0.5, big}, result.output().toArray(), Tolerances.HAND_COMPUTED);
        assertEquals(2, result.probabilities().size(1), "probabilities carry one row per head");
    }

    @Test
    void ropeRotatesQueriesAndKeysButNotValues() {
        // M = D = P = 2, H = 1, identity weights, scale 1, not causal, x = ((1, 0), (0, 1)).
        // Pair 0 rotates by pos·θ⁰ = pos radians. Position 0: q₀ = k₀ = (1, 0).
        // Position 1: q₁ = k₁ = R(1)·(0, 1) = (0·cos 1 − 1·sin 1, 1·cos 1 + 0·sin 1) = (−sin 1, cos 1).
        // logits t=0: (q₀·k₀, q₀·k₁) = (1, −sin 1); t=1: (q₁·k₀, q₁·k₁) = (−sin 1, sin²1 + cos²1 = 1).
        // v = x unrotated: out[t] = p[t, 0]·(1, 0) + p[t, 1]·(0, 1) = p[t].
        AttentionConfig config = AttentionConfig.builder(2, 1, 1, 2).scale(1.0)
                .rope(new Rope(2, 10000.0, RopePairing.INTERLEAVED)).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(2));
        ForwardResult result = mha.forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}));

        double[] p0 = Hand.softmax(1, -Math.sin(1));
        double[] p1 = Hand.softmax(-Math.sin(1), 1);
        assertClose("out", new double[] {p0[0], p0[1], p1[0], p1[1]}, result.output().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void biasesOfAllFourProjectionsApply() {
        // M = D = Dv = H = 1, weights 1, biases b_Q = 1, b_K = 0, b_V = 10, b_O = 100, one token x = 2.
        // One key: p = 1 whatever the logit, so out = W_O·(v) + b_O = (2 + 10) + 100 = 112.
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).bias(ProjectionBias.all()).build();
        AttentionWeights weights = new AttentionWeights(
                new Linear(Tensor.of(new double[] {1}, 1, 1), Tensor.of(new double[] {1}, 1)),
                new Linear(Tensor.of(new double[] {1}, 1, 1), Tensor.of(new double[] {0}, 1)),
                new Linear(Tensor.of(new double[] {1}, 1, 1), Tensor.of(new double[] {10}, 1)),
                new Linear(Tensor.of(new double[] {1}, 1, 1), Tensor.of(new double[] {100}, 1)));
        ForwardResult result = new MultiHeadAttention(config, weights).forward(Hand.sequence(new double[] {2}));
        assertClose("out", new double[] {112}, result.output().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void valueWidthMayDifferFromKeyWidth() {
        // M = 2, H = 1, D = 1, Dv = 2. W_Q = W_K = (1, 0) (read column 0), W_V = I, W_O = I; scale 1.
        // x = ((1, 0), (0, 1)): q = k = (1, 0), v = x.
        // t = 0: logits (1, 0) → p = (e/(e+1), 1/(e+1)); out = p₀·(1,0) + p₁·(0,1) = (e/(e+1), 1/(e+1)).
        // t = 1: logits (0, 0) → p = (1/2, 1/2); out = (1/2, 1/2).
        AttentionConfig config = AttentionConfig.builder(2, 1, 1, 1).valueDim(2).build();
        AttentionWeights weights = new AttentionWeights(Hand.linear(1, 2, 1, 0), Hand.linear(1, 2, 1, 0),
                Hand.identity(2), Hand.identity(2));
        ForwardResult result = new MultiHeadAttention(config, weights)
                .forward(Hand.sequence(new double[] {1, 0}, new double[] {0, 1}));
        double big = Math.E / (Math.E + 1);
        assertClose("out", new double[] {big, 1 - big, 0.5, 0.5}, result.output().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void softcapBoundsTheLogitBeforeTheSoftmax() {
        // M = H = D = 1, weights 1, scale 1, softcap c = 1, x = (1, 2), not causal.
        // t = 1: raw logits (2, 4) → capped (tanh 2, tanh 4); out = p₀·1 + p₁·2 with p = softmax(tanh 2, tanh 4).
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).softcap(1.0).build();
        ForwardResult result = new MultiHeadAttention(config, Hand.identities(1))
                .forward(Hand.sequence(new double[] {1}, new double[] {2}));
        double[] p = Hand.softmax(Math.tanh(2), Math.tanh(4));
        assertClose("out[t=1]", new double[] {p[0] + 2 * p[1]}, new double[] {result.output().get(0, 1, 0)}, Tolerances.HAND_COMPUTED);
    }

    @Test
    void booleanMaskConventionsAreReadAsNamed() {
        // x = (1, 2), weights 1, scale 1, not causal. Hide key 1 from query 0 only:
        // keep-mask ((1, 0), (1, 1)) in KEEP_WHERE_TRUE equals hide-mask ((0, 1), (0, 0)) in HIDE_WHERE_TRUE.
        // t = 0 sees only key 0 → out 1; t = 1 sees both: logits (2, 4) → out (1 + 2e²)/(1 + e²).
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(1));
        Tensor x = Hand.sequence(new double[] {1}, new double[] {2});
        Tensor keep = Tensor.of(new double[] {1, 0, 1, 1}, 2, 2);
        Tensor hide = Tensor.of(new double[] {0, 1, 0, 0}, 2, 2);
        double e2 = Math.exp(2);
        double[] expected = {1, (1 + 2 * e2) / (1 + e2)};
        assertClose("keep convention", expected, mha.forward(x, AttentionOptions.builder()
                .booleanMask(keep, MaskConvention.KEEP_WHERE_TRUE).build()).output().toArray(), Tolerances.HAND_COMPUTED);
        assertClose("hide convention", expected, mha.forward(x, AttentionOptions.builder()
                .booleanMask(hide, MaskConvention.HIDE_WHERE_TRUE).build()).output().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void additiveMaskIsAddedToTheLogits() {
        // x = (1, 2), weights 1, scale 1. Additive bias (0, ln 3) on every row.
        // t = 0: logits (1, 2 + ln 3) → p ∝ (e, 3e²); out = (e + 6e²)/(e + 3e²) = (1 + 6e)/(1 + 3e).
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).build();
        ForwardResult result = new MultiHeadAttention(config, Hand.identities(1)).forward(
                Hand.sequence(new double[] {1}, new double[] {2}),
                AttentionOptions.builder().additiveMask(Tensor.of(new double[] {0, Math.log(3)}, 1, 2)).build());
        double e = Math.E;
        assertClose("out[t=0]", new double[] {(1 + 6 * e) / (1 + 3 * e)},
                new double[] {result.output().get(0, 0, 0)}, Tolerances.HAND_COMPUTED);
    }

    @Test
    void fullyPaddedRowGivesZeroProbabilitiesAndTheOutputBias() {
        // Batch row 1 has key length 0: no visible key, so p = 0 and o = 0; out = W_O·0 + b_O = b_O = 7.
        // Batch row 0 (length 2) is an ordinary row. Nothing may be NaN.
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1)
                .bias(new ProjectionBias(false, false, false, true)).build();
        AttentionWeights weights = new AttentionWeights(Hand.identity(1), Hand.identity(1), Hand.identity(1),
                new Linear(Tensor.of(new double[] {1}, 1, 1), Tensor.of(new double[] {7}, 1)));
        Tensor x = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2, 1);
        ForwardResult result = new MultiHeadAttention(config, weights)
                .forward(x, AttentionOptions.builder().keyLengths(2, 0).build());
        for (int t = 0; t < 2; t++) {
            assertEquals(7.0, result.output().get(1, t, 0), "padded row output is the bias");
            for (int s = 0; s < 2; s++) {
                assertEquals(0.0, result.probabilities().get(1, 0, t, s), "padded row probability");
            }
        }
        assertTrue(Double.isFinite(result.output().get(0, 0, 0)));
    }

    @Test
    void cachedDecodeReproducesTheCausalHandCase() {
        // Same numbers as oneHeadWidthOneCausalTwoTokens, fed one token at a time through a cache:
        // the second call numbers its query from the cache length (position 1) and sees both keys.
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).causal(true).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(1));
        KvCache cache = KvCache.forConfig(config, 1);
        double first = mha.forward(Hand.sequence(new double[] {1}), cache).output().item();
        double second = mha.forward(Hand.sequence(new double[] {2}), cache).output().item();
        double e2 = Math.exp(2);
        assertClose("decode", new double[] {1, (1 + 2 * e2) / (1 + e2)}, new double[] {first, second}, Tolerances.HAND_COMPUTED);
        assertEquals(2, cache.length());
    }

    @Test
    void topLeftAndExplicitStartNumberQueriesDifferentlyFromBottomRight() {
        // Cache holds key 0 (x = 1); a chunk of one query (x = 2) then has S = 2 keys.
        // Bottom-right (default): query at key index 1 sees both → (1 + 2e²)/(1 + e²).
        // Top-left: query at index 0 sees key 0 only → out = v₀ = 1. Explicit start 0 is the same.
        AttentionConfig config = AttentionConfig.builder(1, 1, 1, 1).causal(true).build();
        MultiHeadAttention mha = new MultiHeadAttention(config, Hand.identities(1));
        Tensor x1 = Hand.sequence(new double[] {1});
        Tensor x2 = Hand.sequence(new double[] {2});

        KvCache bottomRight = KvCache.forConfig(config, 1);
        mha.forward(x1, bottomRight);
        double e2 = Math.exp(2);
        assertClose("bottom-right", new double[] {(1 + 2 * e2) / (1 + e2)},
                mha.forward(x2, bottomRight).output().toArray(), Tolerances.HAND_COMPUTED);

        KvCache topLeft = KvCache.forConfig(config, 1);
        mha.forward(x1, topLeft);
        assertClose("top-left", new double[] {1}, mha.forward(x2, topLeft, AttentionOptions.builder()
                .causalAlignment(CausalAlignment.TOP_LEFT).build()).output().toArray(), Tolerances.HAND_COMPUTED);

        KvCache explicit = KvCache.forConfig(config, 1);
        mha.forward(x1, explicit);
        assertClose("explicit start 0", new double[] {1}, mha.forward(x2, explicit, AttentionOptions.builder()
                .causalQueryStart(0).build()).output().toArray(), Tolerances.HAND_COMPUTED);
    }

    @Test
    void refusesAConfigurationWithFewerKvHeadsThanHeads() {
        AttentionConfig gqa = AttentionConfig.builder(4, 4, 2, 1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MultiHeadAttention(gqa, AttentionWeights.init(gqa, new SeededRandom(1))));
        assertEquals("MultiHeadAttention needs numKvHeads (2) equal to numHeads (4); use GroupedQueryAttention",
                e.getMessage());
    }
}
