package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import org.junit.jupiter.api.Test;

/** The LM head: logits = h·Wᵀ, with W the embedding table when tied. */
class LmHeadTest {
    // logits[b, t, v] = Σ_m h[b, t, m]·W[v, m], as loops.
    private static Tensor logitsByLoops(Tensor h, Tensor weight) {
        int batch = h.size(0);
        int length = h.size(1);
        int vocab = weight.size(0);
        double[] out = new double[batch * length * vocab];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                for (int v = 0; v < vocab; v++) {
                    double acc = 0;
                    for (int m = 0; m < h.size(2); m++) {
                        acc += h.get(b, t, m) * weight.get(v, m);
                    }
                    out[(b * length + t) * vocab + v] = acc;
                }
            }
        }
        return Tensor.of(out, batch, length, vocab);
    }

    @Test
    void tiedHeadMultipliesByTheEmbeddingTableItself() {
        SeededRandom random = new SeededRandom(51);
        TokenEmbedding embedding = TokenEmbedding.random(7, 3, 1.0, random);
        LmHead head = LmHead.tied(embedding);
        assertSame(embedding.weight(), head.weight(), "a tied head must share the embedding tensor, not a copy");
        Tensor h = Tensor.randn(random, 1.0, 2, 3, 3);
        assertTrue(head.forward(h).maxAbsDiff(logitsByLoops(h, embedding.weight())) <= Tolerances.LM_HEAD);
    }

    @Test
    void changingTheEmbeddingChangesATiedHeadButNotAnUntiedOne() {
        SeededRandom random = new SeededRandom(53);
        TokenEmbedding first = TokenEmbedding.random(5, 4, 1.0, random);
        TokenEmbedding second = new TokenEmbedding(first.weight().add(Tensor.randn(random, 0.5, 5, 4)));
        Tensor h = Tensor.randn(random, 1.0, 1, 2, 4);
        Tensor tiedFirst = LmHead.tied(first).forward(h);
        Tensor tiedSecond = LmHead.tied(second).forward(h);
        assertTrue(tiedFirst.maxAbsDiff(tiedSecond) > 1e-3, "tied logits did not follow the embedding");
        assertTrue(tiedSecond.maxAbsDiff(logitsByLoops(h, second.weight())) <= Tolerances.LM_HEAD);

        LmHead untied = LmHead.untied(Linear.init(4, 5, false, random));
        assertTrue(untied.forward(h).maxAbsDiff(logitsByLoops(h, untied.weight())) <= Tolerances.LM_HEAD);
        assertTrue(untied.forward(h).maxAbsDiff(tiedFirst) > 1e-3);
    }

    @Test
    void aTiedModelHeadUsesItsEmbedding() {
        DecoderConfig config = DecoderConfig.builder().vocabSize(9).modelWidth(8).numLayers(1).build();
        DecoderModel tied = DecoderModel.random(config, new SeededRandom(55));
        assertSame(tied.embedding().weight(), tied.head().weight());
        DecoderModel untied = DecoderModel.random(config.toBuilder().tiedHead(false).build(), new SeededRandom(55));
        assertTrue(untied.head().weight() != untied.embedding().weight());
    }

    @Test
    void aBiasedOrMisfittingHeadIsRejected() {
        SeededRandom random = new SeededRandom(57);
        IllegalArgumentException bias = assertThrows(IllegalArgumentException.class,
                () -> LmHead.untied(Linear.init(4, 5, true, random)));
        assertTrue(bias.getMessage().contains("bias"), bias.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> LmHead.tied(TokenEmbedding.random(5, 4, 1.0, random)).forward(Tensor.zeros(1, 1, 3)));
        assertTrue(width.getMessage().contains("[1, 1, 3]"), width.getMessage());
    }
}
