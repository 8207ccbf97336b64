package dev.attnref.attention;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.Tolerances;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.AttentionShapes;
import dev.attnref.property.AttnShape;
import dev.attnref.property.Property;
import org.junit.jupiter.api.Test;

/**
 * Laws 1 and 2 of the foundation: MHA and MQA are degenerate GQA (claim C-GQA-DEGENERATE), and
 * GQA is MHA over key/value heads repeated in contiguous blocks — which a tiled head map fails.
 * The MHA and MQA modules have their own code paths, so these are laws, not identities.
 */
class GqaLawsTest {

    /** GQA with G = H on MHA's weights gives MHA's outputs and probabilities. */
    static void gqaWithAllKvHeadsIsMha(AttnShape shape, SeededRandom r) {
        AttnShape s = new AttnShape(shape.batch(), shape.numHeads(), shape.numHeads(), shape.qLen(), shape.kvLen(),
                shape.headDim(), shape.valueDim(), shape.modelWidth(), shape.kind());
        AttentionConfig c = GqaLawSupport.config(s, r, r.nextInt(2) == 0, r.nextInt(2) == 0);
        AttentionWeights w = AttentionWeights.init(c, r);
        Tensor x = GqaLawSupport.input(s, r);
        ForwardResult mha = new MultiHeadAttention(c, w).forward(x, null, AttentionOptions.none());
        ForwardResult gqa = new GroupedQueryAttention(c, w).forward(x, null, AttentionOptions.none());
        Close.assertClose("output", mha.output(), gqa.output(), Tolerances.SAME_OPERATIONS);
        Close.assertClose("probabilities", mha.probabilities(), gqa.probabilities(), Tolerances.SAME_OPERATIONS);
    }

    /** GQA with G = 1 on MQA's weights gives MQA's outputs and probabilities. */
    static void gqaWithOneKvHeadIsMqa(AttnShape shape, SeededRandom r) {
        AttnShape s = new AttnShape(shape.batch(), shape.numHeads(), 1, shape.qLen(), shape.kvLen(),
                shape.headDim(), shape.valueDim(), shape.modelWidth(), shape.kind());
        AttentionConfig c = GqaLawSupport.config(s, r, r.nextInt(2) == 0, r.nextInt(2) == 0);
        AttentionWeights w = AttentionWeights.init(c, r);
        Tensor x = GqaLawSupport.input(s, r);
        ForwardResult mqa = new MultiQueryAttention(c, w).forward(x, null, AttentionOptions.none());
        ForwardResult gqa = new GroupedQueryAttention(c, w).forward(x, null, AttentionOptions.none());
        Close.assertClose("output", mqa.output(), gqa.output(), Tolerances.SAME_OPERATIONS);
        Close.assertClose("probabilities", mqa.probabilities(), gqa.probabilities(), Tolerances.SAME_OPERATIONS);
    }

    /** For every G, GQA equals MHA whose W_K, W_V are GQA's repeated with repeatInterleave (head h reads ⌊h/R⌋). */
    static void gqaEqualsMhaOnRepeatInterleavedKv(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, r.nextInt(2) == 0, r.nextInt(2) == 0);
        AttentionWeights w = AttentionWeights.init(c, r);
        Tensor x = GqaLawSupport.input(s, r);
        ForwardResult gqa = new GroupedQueryAttention(c, w).forward(x, null, AttentionOptions.none());
        AttentionConfig mhaConfig = GqaLawSupport.asMha(c);
        ForwardResult mha = new MultiHeadAttention(mhaConfig, GqaLawSupport.repeatInterleavedKv(c, w))
                .forward(x, null, AttentionOptions.none());
        Close.assertClose("output", mha.output(), gqa.output(), Tolerances.SAME_OPERATIONS);
        Close.assertClose("probabilities", mha.probabilities(), gqa.probabilities(), Tolerances.SAME_OPERATIONS);
    }

    /** The law above with a deliberately tiled map (h mod G) instead: a bug that MHA and MQA cannot see. */
    static void tiledHeadMapAgreesWithGqa(AttnShape s, SeededRandom r) {
        AttentionConfig c = GqaLawSupport.config(s, r, false, false);
        AttentionWeights w = AttentionWeights.init(c, r);
        Tensor x = GqaLawSupport.input(s, r);
        ForwardResult gqa = new GroupedQueryAttention(c, w).forward(x, null, AttentionOptions.none());
        int numKvHeads = c.numKvHeads();
        ForwardResult tiled = new MultiHeadAttention(GqaLawSupport.asMha(c),
                GqaLawSupport.perHeadKv(c, w, h -> h % numKvHeads)).forward(x, null, AttentionOptions.none());
        Close.assertClose("output", gqa.output(), tiled.output(), Tolerances.SAME_OPERATIONS);
    }

    @Test
    void gqaWithAllKvHeadsIsMha() {
        Property.of("gqaWithAllKvHeadsIsMha", AttentionShapes.selfAttention()).tries(60)
                .check(GqaLawsTest::gqaWithAllKvHeadsIsMha);
    }

    @Test
    void gqaWithOneKvHeadIsMqa() {
        Property.of("gqaWithOneKvHeadIsMqa", AttentionShapes.selfAttention()).tries(60)
                .check(GqaLawsTest::gqaWithOneKvHeadIsMqa);
    }

    @Test
    void gqaEqualsMhaOnRepeatInterleavedKv() {
        Property.of("gqaEqualsMhaOnRepeatInterleavedKv", AttentionShapes.selfAttention()).tries(80)
                .coverage(AttentionShapes.regimes())
                .check(GqaLawsTest::gqaEqualsMhaOnRepeatInterleavedKv);
    }

    @Test
    void aTiledHeadMapPassesMhaAndMqaButIsCaughtWhenGrouped() {
        // G = H and G = 1: tiling and contiguous grouping are the same map, so the mutant passes.
        Property.of("tiledPassesDegenerateCases", AttentionShapes.selfAttention()).tries(40)
                .check((s, r) -> {
                    if (!s.isGrouped()) {
                        tiledHeadMapAgreesWithGqa(s, r);
                    }
                });
        // 1 < G < H: the law catches it, and the harness reports a grouped shape.
        AssertionError caught = assertThrows(AssertionError.class, () ->
                Property.of("tiledHeadMapIsCaught", AttentionShapes.selfAttention()).tries(40)
                        .check((s, r) -> {
                            if (s.isGrouped()) {
                                tiledHeadMapAgreesWithGqa(s, r);
                            }
                        }));
        assertTrue(caught.getMessage().contains("output: at flat index"), caught.getMessage());
    }
}
