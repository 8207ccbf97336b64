package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.AttentionVariant;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole decoder: composition of its parts, configurations, the shape trace and argument checks. */
class DecoderModelTest {

    private static int[][] randomIds(SeededRandom random, int batch, int length, int vocab) {
        int[][] ids = new int[batch][length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                ids[b][t] = random.nextInt(vocab);
            }
        }
        return ids;
    }

    /** The same model with every {@link WalkthroughAttention} replaced by the loop test double of the same weights. */
    private static DecoderModel withLoopAttention(DecoderModel model) {
        List<DecoderBlock<?>> blocks = new ArrayList<>();
        for (DecoderBlock<?> block : model.blocks()) {
            blocks.add(new DecoderBlock<>(block.placement(), block.attentionNorm(),
                    LoopAttention.sameWeightsAs((WalkthroughAttention) block.attention()), block.ffnNorm(), block.ffn()));
        }
        return new DecoderModel(model.embedding(), model.positions(), blocks, model.finalNorm(), model.head());
    }

    /**
     * Law: logits = FinalNorm(Block_N(…Block_1(E[ids] + P…)))·Wᵀ, with the lookup, position rows,
     * final norm and head computed by loops here and the blocks run on loop attention.
     */
    static void modelComposesItsParts(DecoderConfig config, int batch, int length, SeededRandom random) {
        DecoderModel model = DecoderModel.random(config, random);
        int[][] ids = randomIds(random, batch, length, config.vocabSize());
        Tensor actual = model.forward(ids);

        int width = config.modelWidth();
        double[] x0 = new double[batch * length * width];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                for (int m = 0; m < width; m++) {
                    double p = model.positions() == null ? 0 : model.positions().weight().get(t, m);
                    x0[(b * length + t) * width + m] = model.embedding().weight().get(ids[b][t], m) + p;
                }
            }
        }
        Tensor x = Tensor.of(x0, batch, length, width);
        for (DecoderBlock<?> block : withLoopAttention(model).blocks()) {
            x = block.forward(x);
        }
        if (model.finalNorm() != null) {
            x = Loops.norm(model.finalNorm(), x);
        }
        Tensor head = model.head().weight();
        Tensor expected = Loops.rows(x, row -> Loops.matVec(head, row));
        assertTrue(actual.maxAbsDiff(expected) <= Tolerances.DECODER, config + ": max diff " + actual.maxAbsDiff(expected));
    }

    @Test
    void modelIsEmbeddingThenBlocksThenFinalNormThenHead() {
        Property.of("decoderEqualsHeadOfNormOfBlocksOfEmbedding", Dims.spec().size("G", 1, 2).size("V", 2, 20)
                .size("M", 2, 10).size("N", 1, 3).size("R", 1, 2).size("D/2", 1, 2).size("F", 1, 12)
                .size("ffn", 0, FfnKind.values().length - 1).flag("layerNorm").flag("post").flag("finalNorm")
                .flag("learned").flag("tied").size("B", 1, 2).size("T", 1, 6))
                .tries(16).check((d, random) -> {
            int numKvHeads = d.get("G");
            DecoderConfig config = DecoderConfig.builder()
                    .vocabSize(d.get("V")).modelWidth(d.get("M")).numLayers(d.get("N"))
                    .numHeads(numKvHeads * d.get("R")).numKvHeads(numKvHeads).headDim(2 * d.get("D/2"))
                    .ffnWidth(d.get("F")).ffn(FfnKind.values()[d.get("ffn")])
                    .norm(d.flag("layerNorm") ? NormKind.LAYER : NormKind.RMS)
                    .placement(d.flag("post") ? NormPlacement.POST : NormPlacement.PRE)
                    .finalNorm(d.flag("finalNorm"))
                    .position(d.flag("learned") ? PositionEncoding.LEARNED : PositionEncoding.ROPE)
                    .tiedHead(d.flag("tied")).build();
            modelComposesItsParts(config, d.get("B"), d.get("T"), random);
        });
    }

    @Test
    void traceFollowsSeed001sWalkThrough() {
        DecoderConfig config = DecoderConfig.builder().vocabSize(11).modelWidth(12).numHeads(6).numKvHeads(2)
                .headDim(2).ffnWidth(20).numLayers(1).build();
        DecoderModel model = DecoderModel.random(config, new SeededRandom(61));
        ShapeTrace trace = ShapeTrace.recording();
        model.forward(randomIds(new SeededRandom(62), 3, 4, 11), model.newState(3), trace);
        List<ShapeTrace.Stage> stages = trace.stages().stream().filter(s -> !s.isSection()).toList();

        // (B, T) → (B, T, M) → … → (B, T, V), with B = 3, T = 4, M = 12, V = 11.
        assertEquals("B, T", stages.get(0).axes());
        assertArrayEquals(new int[] {3, 4}, stages.get(0).shape());
        assertEquals("B, T, M", stages.get(1).axes());
        assertArrayEquals(new int[] {3, 4, 12}, stages.get(1).shape());
        ShapeTrace.Stage last = stages.get(stages.size() - 1);
        assertEquals("B, T, V", last.axes());
        assertArrayEquals(new int[] {3, 4, 11}, last.shape());

        // Seed 001's attention milestones, in order.
        List<String> milestones = List.of("B, T, H·D", "B, T, H, D", "B, H, T, D", "B, H, T, S", "B, H, T, D", "B, T, H, D",
                "B, T, H·D", "B, T, M", "B, T, F", "B, T, M", "B, T, V");
        int next = 0;
        for (ShapeTrace.Stage stage : stages) {
            if (next < milestones.size() && stage.axes().equals(milestones.get(next))) {
                next++;
            }
        }
        assertEquals(milestones.size(), next, "milestones found in order: " + milestones.subList(0, next));
        assertEquals(6, trace.letterSizes().get("H"));
        assertEquals(2, trace.letterSizes().get("G"));
        assertEquals(4, trace.letterSizes().get("S"));
        assertEquals(20, trace.letterSizes().get("F"));
    }

    @Test
    void stateFromAnotherModelOrBatchIsRejected() {
        DecoderConfig config = DecoderConfig.builder().numLayers(1).build();
        DecoderModel a = DecoderModel.random(config, new SeededRandom(63));
        DecoderModel b = DecoderModel.random(config, new SeededRandom(64));
        int[][] ids = {{1, 2}};
        assertThrows(IllegalArgumentException.class, () -> a.forward(ids, b.newState(1), ShapeTrace.off()));
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> a.forward(ids, a.newState(2), ShapeTrace.off()));
        assertTrue(batch.getMessage().contains("2 sequences"), batch.getMessage());
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class, () -> a.forward(new int[][] {{1, 32}}));
        assertTrue(token.getMessage().contains("token id 32") && token.getMessage().contains("vocabSize (32)"),
                token.getMessage());
    }

    @Test
    void configurationErrorsNameTheValues() {
        IllegalArgumentException heads = assertThrows(IllegalArgumentException.class,
                () -> DecoderConfig.builder().numHeads(8).numKvHeads(3).build());
        assertTrue(heads.getMessage().contains("numKvHeads (3) must divide numHeads (8)"), heads.getMessage());
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> DecoderConfig.builder().headDim(3).build());
        assertTrue(odd.getMessage().contains("headDim (3)"), odd.getMessage());
    }

    @Test
    void variantsFixTheNumberOfKvHeads() {
        assertEquals(8, DecoderConfig.numKvHeads(AttentionVariant.MHA, 8, 0));
        assertEquals(1, DecoderConfig.numKvHeads(AttentionVariant.MQA, 8, 0));
        assertEquals(4, DecoderConfig.numKvHeads(AttentionVariant.GQA, 8, 0));
        assertEquals(2, DecoderConfig.numKvHeads(AttentionVariant.GQA, 8, 2));
        assertEquals(3, DecoderConfig.numKvHeads(AttentionVariant.GQA, 9, 0));
        IllegalArgumentException mqa = assertThrows(IllegalArgumentException.class,
                () -> DecoderConfig.numKvHeads(AttentionVariant.MQA, 8, 2));
        assertTrue(mqa.getMessage().contains("numKvHeads (2)"), mqa.getMessage());
        IllegalArgumentException prime = assertThrows(IllegalArgumentException.class,
                () -> DecoderConfig.numKvHeads(AttentionVariant.GQA, 7, 0));
        assertTrue(prime.getMessage().contains("numHeads (7)"), prime.getMessage());
        IllegalArgumentException mla = assertThrows(IllegalArgumentException.class,
                () -> DecoderConfig.numKvHeads(AttentionVariant.MLA, 8, 0));
        assertTrue(mla.getMessage().contains("variant MLA"), mla.getMessage());
    }
}
