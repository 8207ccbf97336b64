package dev.attnref.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.AttentionVariant;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.core.RopePairing;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import dev.attnref.property.Dims;
import dev.attnref.property.Property;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The decoder over every attention variant — MHA, MQA, GQA, MLA (naive and absorbed), MFA, MFA-KR:
 * cache = no cache, naive MLA = absorbed MLA, right padding, the trace's cache shapes, and the
 * configuration's errors.
 */
class LatentDecoderTest {
    /** The seven attention choices a property draws from, by index. */
    private static final List<String> VARIANTS = List.of("MHA", "MQA", "GQA", "MLA naive", "MLA absorbed", "MFA", "MFA-KR");



    /** Sizes shared by every variant. */
    private static Dims.Spec sizes() {
        return Dims.spec()
                .size("H", 2, 4)
                .size("V", 4, 24)
                .size("M", 2, 10)
                .size("N", 1, 2)
                .size("F", 2, 12)
                .size("C", 1, 5)
                .size("Cq", 0, 4)
                .size("Dnope", 1, 3)
                .size("P/2", 1, 2)
                .size("Dv", 1, 4)
                .flag("post")
                .flag("layerNorm")
                .flag("interleaved")
                .flag("tied");
    }

    /** What a law checks for one variant: its configuration and the try's data stream. */
    private interface VariantLaw {
        void check(DecoderConfig config, SeededRandom random);
    }

    /**
     * Runs {@code law} for each of the seven variants on the same drawn sizes (so every try covers
     * every variant), naming the variant in a failure; the property then prints seed and sizes.
     */
    private static void forEachVariant(Dims d, SeededRandom random, VariantLaw law) {
        for (String variant : VARIANTS) {
            DecoderConfig config = config(d, variant);
            try {
                law.check(config, random);
            } catch (AssertionError e) {
                throw new AssertionError(variant + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * A configuration of {@code variant} with the drawn sizes. GQA needs a G strictly between 1 and H, so it doubles H
     * (4, 6, 8) and takes G = H/2; MHA and MQA use H as drawn (≥ 2, so that they differ). Latent widths come from C, Cq,
     * Dnope, P/2 and Dv (MFA's head width is 2·C, which keeps it even).
     */
    static DecoderConfig config(Dims d, String variant) {
        int heads = d.get("H");
        DecoderConfig.Builder builder = DecoderConfig.builder().vocabSize(d.get("V")).modelWidth(d.get("M"))
                .numLayers(d.get("N")).ffnWidth(d.get("F")).placement(d.flag("post") ? NormPlacement.POST : NormPlacement.PRE)
                .norm(d.flag("layerNorm") ? NormKind.LAYER : NormKind.RMS)
                .ropePairing(d.flag("interleaved") ? RopePairing.INTERLEAVED : RopePairing.SPLIT_HALVES)
                .tiedHead(d.flag("tied")).headDim(2);
        return switch (variant) {
            case "MHA" -> builder.numHeads(heads).numKvHeads(heads).build();
            case "MQA" -> builder.numHeads(heads).numKvHeads(1).build();
            case "GQA" -> builder.numHeads(2 * heads).numKvHeads(heads).build();
            case "MLA naive", "MLA absorbed" -> builder.numHeads(heads).latent(new LatentAttention.Mla(d.get("Cq"), d.get("C"),
                    d.get("Dnope"), 2 * d.get("P/2"), d.get("Dv"),
                    variant.equals("MLA naive") ? LatentAttention.MlaForm.NAIVE : LatentAttention.MlaForm.ABSORBED, 1e-6))
                    .build();
            default -> builder.numHeads(heads).latent(new LatentAttention.Mfa(d.get("Cq") + 1, 2 * d.get("C"),
                    variant.equals("MFA-KR"), 1e-6)).build();
        };
    }

    private static int[][] randomIds(SeededRandom random, int batch, int length, int vocab) {
        int[][] ids = new int[batch][length];
        for (int[] row : ids) {
            for (int t = 0; t < length; t++) {
                row[t] = random.nextInt(vocab);
            }
        }
        return ids;
    }

    @Test
    void configuredVariantIsTheVariantOfEveryBlock() {
        Property.of("configuredVariantIsBuilt", sizes()).tries(4).check((d, random) -> {
            for (String variant : VARIANTS) {
                DecoderConfig config = config(d, variant);
                DecoderModel model = DecoderModel.random(config, random);
                for (DecoderBlock<?> block : model.blocks()) {
                    String described = block.attention().describe();
                    assertTrue(described.startsWith(variant.split(" ")[0])
                            && (!variant.startsWith("MLA") || described.startsWith(variant + "(")),
                            described + " for " + variant);
                }
                assertEquals(variant.split(" ")[0], config.attentionVariant().label());
            }
        });
    }

    /** Law: generation with the cache = without it, token for token and logit for logit, for every variant. */
    @Test
    void generationWithCacheEqualsGenerationWithoutForEveryVariant() {
        Property.of("cachedGenerationEqualsUncachedForEveryVariant", sizes().size("prompt", 1, 4).size("steps", 1, 5)
                .flag("greedy")).tries(12).check((d, random) -> forEachVariant(d, random, (config, data) -> {
            DecoderModel model = DecoderModel.random(config, data);
            int[] prompt = randomIds(data, 1, d.get("prompt"), config.vocabSize())[0];
            DecodingConfig decoding = d.flag("greedy") ? DecodingConfig.greedyDecoding()
                    : new DecodingConfig(false, data.uniform(0.5, 1.5), data.nextInt(config.vocabSize() + 1), 0.95,
                            RepetitionPenalty.scale(1.3));
            GenerationTest.cachedGenerationEqualsRecomputation(model, prompt, d.get("steps"), decoding, data.nextLong());
        }));
    }

    /** Law: any chunking of a prefill through one state gives the logits of one uncached forward, for every variant. */
    @Test
    void anyChunkingOfThePrefillGivesTheSameLogitsForEveryVariant() {
        Property.of("chunkedPrefillEqualsOneForwardForEveryVariant", sizes().size("B", 1, 3).size("T", 1, 6))
                .tries(8).check((d, random) -> forEachVariant(d, random, (config, data) -> {
            DecoderModel model = DecoderModel.random(config, data);
            GenerationTest.chunkedPrefillEqualsOneForward(model, randomIds(data, d.get("B"), d.get("T"),
                    config.vocabSize()), data);
        }));
    }

    /** The naive MLA model of {@code model}'s weights with every block's attention absorbed, precomputed or not. */
    private static DecoderModel absorbed(DecoderModel naive, boolean precomputed) {
        List<DecoderBlock<?>> blocks = new ArrayList<>();
        for (DecoderBlock<?> block : naive.blocks()) {
            NaiveMla module = (NaiveMla) ((LatentAttentionLayer<?>) block.attention()).module();
            blocks.add(new DecoderBlock<>(block.placement(), block.attentionNorm(),
                    precomputed ? LatentAttentionLayer.absorbedMla(new PrecomputedAbsorbedMla(module.weights()))
                            : LatentAttentionLayer.absorbedMla(new AbsorbedMla(module.weights())), block.ffnNorm(),
                    block.ffn()));
        }
        return new DecoderModel(naive.embedding(), naive.positions(), blocks, naive.finalNorm(), naive.head());
    }

    /**
     * Law: an MLA decoder gives the same logits in the naive and the absorbed form (both absorption
     * styles), within {@link #Tolerances.NAIVE_ABSORBED}; and a naive and an absorbed model drawn
     * from one seed hold the same weights (the form does not change the draws).
     */
    @Test
    void naiveAndAbsorbedMlaDecodersGiveEqualLogits() {
        Property.of("naiveMlaDecoderEqualsAbsorbed", sizes().size("B", 1, 3).size("T", 1, 6))
                .classify("no query compression", d -> d.get("Cq") == 0).classify("query compression", d -> d.get("Cq") > 0)
                .require("no query compression", "query compression")
                .tries(30).check((d, random) -> {
            LatentAttention.Mla mla = new LatentAttention.Mla(d.get("Cq"), d.get("C"), d.get("Dnope"), 2 * d.get("P/2"),
                    d.get("Dv"), LatentAttention.MlaForm.NAIVE, 1e-6);
            DecoderConfig naiveConfig = DecoderConfig.builder().vocabSize(d.get("V")).modelWidth(d.get("M"))
                    .numLayers(d.get("N")).numHeads(d.get("H")).ffnWidth(d.get("F"))
                    .placement(d.flag("post") ? NormPlacement.POST : NormPlacement.PRE).tiedHead(d.flag("tied"))
                    .latent(mla).build();
            long weightSeed = random.nextLong();
            DecoderModel naive = DecoderModel.random(naiveConfig, new SeededRandom(weightSeed));
            DecoderModel drawnAbsorbed = DecoderModel.random(
                    naiveConfig.toBuilder().latent(mla.withForm(LatentAttention.MlaForm.ABSORBED)).build(),
                    new SeededRandom(weightSeed));
            int[][] ids = randomIds(random, d.get("B"), d.get("T"), d.get("V"));
            Tensor expected = naive.forward(ids);                                               // [B, T, V]
            List<DecoderModel> absorbedModels = List.of(drawnAbsorbed, absorbed(naive, false),
                    absorbed(naive, true));
            for (DecoderModel model : absorbedModels) {
                double diff = model.forward(ids).maxAbsDiff(expected);
                assertTrue(diff <= Tolerances.NAIVE_ABSORBED, model.blocks().get(0).attention().describe() + " differs by "
                        + diff);
            }
            AbsorbedMla drawn = (AbsorbedMla) ((LatentAttentionLayer<?>) drawnAbsorbed.blocks().get(0).attention()).module();
            NaiveMla reference = (NaiveMla) ((LatentAttentionLayer<?>) naive.blocks().get(0).attention()).module();
            assertEquals(0.0, drawn.weights().wUkv().maxAbsDiff(reference.weights().wUkv()), "same seed, same W_UKV");
            assertEquals(0.0, drawn.weights().wO().maxAbsDiff(reference.weights().wO()), "same seed, same W_O");
        });
    }

    /**
     * Law: in a right-padded batch, row b's valid positions {@code t < len_b} equal the forward of
     * that sequence alone, whatever the pad token, for every variant.
     */
    /**
     * Law: in a right-padded batch, row b's valid positions {@code t < len_b} equal the forward of
     * that sequence alone, whatever the pad token, for every variant.
     */
    @Test
    void paddedRowsMatchTheirUnpaddedRunsForEveryVariant() {
        Property.of("rightPaddedRowsEqualUnpaddedRuns", sizes().size("B", 2, 4).size("Tmax", 1, 6)).tries(8)
                .check((d, random) -> forEachVariant(d, random, (config, data) -> {
            DecoderModel model = DecoderModel.random(config, data);
            int[][] sequences = new int[d.get("B")][];
            for (int b = 0; b < sequences.length; b++) {
                sequences[b] = randomIds(data, 1, data.intBetween(1, d.get("Tmax")), config.vocabSize())[0];
            }
            int padId = data.nextInt(config.vocabSize());
            Tensor padded = model.forwardRightPadded(sequences, padId);                        // [B, T_max, V]
            for (int b = 0; b < sequences.length; b++) {
                int length = sequences[b].length;
                Tensor alone = model.forward(new int[][] {sequences[b]});                     // [1, len_b, V]
                Tensor valid = padded.narrow(0, b, 1).narrow(1, 0, length);                    // [1, len_b, V]
                double diff = valid.maxAbsDiff(alone);
                assertTrue(diff <= Tolerances.PADDING, "row " + b + " of lengths " + lengthsOf(sequences) + " differs by "
                        + diff);
            }
        }));
    }

    private static String lengthsOf(int[][] sequences) {
        return Arrays.toString(Arrays.stream(sequences).mapToInt(s -> s.length).toArray());
    }

    @Test
    void paddedBatchesRejectEmptyRowsAndPadIdsOutsideTheVocabulary() {
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().numLayers(1).build(), new SeededRandom(91));
        IllegalArgumentException pad = assertThrows(IllegalArgumentException.class,
                () -> model.forwardRightPadded(new int[][] {{1, 2}, {3}}, 32));
        assertTrue(pad.getMessage().contains("padId (32)") && pad.getMessage().contains("vocabSize (32)"), pad.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> model.forwardRightPadded(new int[][] {{1, 2}, {}}, 0));
        assertTrue(empty.getMessage().contains("length of sequence 1 (0)"), empty.getMessage());
    }

    /**
     * The trace of one forward shows each latent cache with the widths of its configuration, and
     * those stages hold exactly the values per token the catalogue's formulas give (docs/MATH.md,
     * "KV cache"): naive MLA H·(D_nope + P) + H·Dv, absorbed MLA C + P, MFA 2·C, MFA-KR C.
     */
    @Test
    void traceShowsEachLatentCacheWithItsWidths() {
        // M = 12, H = 3, C_q = 4, C = 5, D_nope = 2, P = 4, Dv = 3; MFA C_q = 4, C = 6; B = 2, T = 3.
        LatentAttention.Mla mla = new LatentAttention.Mla(4, 5, 2, 4, 3, LatentAttention.MlaForm.NAIVE, 1e-6);
        record Expected(LatentAttention latent, List<String> axes, List<int[]> shapes, long valuesPerToken) {
        }
        List<Expected> cases = List.of(
                new Expected(mla, List.of("B, H, S, Dn+P", "B, H, S, Dv"), List.of(new int[] {2, 3, 3, 6}, new int[] {2, 3, 3, 3}),
                        3 * (2 + 4) + 3 * 3),                                   // 27
                new Expected(mla.withForm(LatentAttention.MlaForm.ABSORBED), List.of("B, S, C", "B, S, P"),
                        List.of(new int[] {2, 3, 5}, new int[] {2, 3, 4}), 5 + 4),  // 9
                new Expected(new LatentAttention.Mfa(4, 6, false, 1e-6), List.of("B, S, C", "B, S, C"),
                        List.of(new int[] {2, 3, 6}, new int[] {2, 3, 6}), 2 * 6),  // 12
                new Expected(new LatentAttention.Mfa(4, 6, true, 1e-6), List.of("B, S, C"), List.of(new int[] {2, 3, 6}), 6));
        for (Expected e : cases) {
            DecoderConfig config = DecoderConfig.builder().modelWidth(12).numHeads(3).numLayers(1).latent(e.latent()).build();
            DecoderModel model = DecoderModel.random(config, new SeededRandom(93));
            ShapeTrace trace = ShapeTrace.recording();
            model.forward(randomIds(new SeededRandom(94), 2, 3, 32), model.newState(2), trace);
            List<ShapeTrace.Stage> cacheStages = trace.stages().stream()
                    .filter(s -> !s.isSection() && s.label().startsWith("cache:")).toList();
            assertEquals(e.axes().size(), cacheStages.size(), e.latent().toString());
            long values = 0;
            for (int i = 0; i < cacheStages.size(); i++) {
                assertEquals(e.axes().get(i), cacheStages.get(i).axes());
                assertTrue(Arrays.equals(e.shapes().get(i), cacheStages.get(i).shape()),
                        e.latent() + ": " + Arrays.toString(cacheStages.get(i).shape()));
                values += Arrays.stream(cacheStages.get(i).shape()).asLongStream().reduce(1, (a, b) -> a * b);
            }
            assertEquals(e.valuesPerToken(), values / (2 * 3), e.latent() + " values per token");
            assertEquals(3, trace.letterSizes().get("H"));
        }
    }

    @Test
    void aRandomMfaKeyReuseModelHasANonZeroAlpha() {
        // α = 0 would make v = k̄ and leave N out of every law; DecoderModel.random draws α from U(−0.5, 0.5).
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().latent(new LatentAttention.Mfa(4, 4, true, 1e-6))
                .build(), new SeededRandom(95));
        MfaKeyReuse module = (MfaKeyReuse) ((LatentAttentionLayer<?>) model.blocks().get(0).attention()).module();
        for (double a : module.alpha().toArray()) {
            assertTrue(a != 0.0 && Math.abs(a) < 0.5, "α entry " + a);
        }
    }

    private static void assertRejected(String expectedText, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::execute);
        assertTrue(e.getMessage().contains(expectedText), "expected '" + expectedText + "' in: " + e.getMessage());
    }

    /** A stand-in for JUnit's Executable that throws only unchecked exceptions. */
    private interface Executable {
        void execute();
    }

    @Test
    void latentConfigurationErrorsNameTheValues() {
        LatentAttention.MlaForm naive = LatentAttention.MlaForm.NAIVE;
        assertRejected("qkRopeHeadDim (3) must be even", () -> new LatentAttention.Mla(4, 4, 2, 3, 2, naive, 1e-6));
        assertRejected("kvLoraRank (0)", () -> new LatentAttention.Mla(4, 0, 2, 2, 2, naive, 1e-6));
        assertRejected("qLoraRank (-1)", () -> new LatentAttention.Mla(-1, 4, 2, 2, 2, naive, 1e-6));
        assertRejected("vHeadDim (0)", () -> new LatentAttention.Mla(4, 4, 2, 2, 0, naive, 1e-6));
        assertRejected("rmsEps (0.0)", () -> new LatentAttention.Mla(4, 4, 2, 2, 2, naive, 0.0));
        assertRejected("MFA headDim (5) must be even", () -> new LatentAttention.Mfa(4, 5, false, 1e-6));
        assertRejected("queryRank (0)", () -> new LatentAttention.Mfa(0, 4, true, 1e-6));
        assertRejected("position (LEARNED) must be ROPE with MFA-KR", () -> DecoderConfig.builder()
                .position(PositionEncoding.LEARNED).latent(new LatentAttention.Mfa(4, 4, true, 1e-6)).build());
        // G and D are not used by a latent variant, so a G that does not divide H is no error there.
        DecoderConfig mla = DecoderConfig.builder().numHeads(4).numKvHeads(3)
                .latent(new LatentAttention.Mla(0, 4, 2, 2, 2, naive, 1e-6)).build();
        assertEquals(AttentionVariant.MLA, mla.attentionVariant());
        assertEquals(AttentionVariant.MQA, DecoderConfig.builder().numHeads(4).numKvHeads(1).build().attentionVariant());
    }
}
