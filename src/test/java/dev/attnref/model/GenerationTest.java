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
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Generation with the KV cache against recomputation, the chunking law, and the random stream's use. */
class GenerationTest {

    /** The sizes and choices of {@link #randomConfig}. */
    private static Dims.Spec configSizes() {
        return Dims.spec()
                .size("variant", 0, 2)
                .size("H/2", 2, 3)
                .size("V", 4, 24)
                .size("M", 2, 10)
                .size("N", 1, 2)
                .size("D/2", 1, 2)
                .size("F", 2, 12)
                .size("ffn", 0, FfnKind.values().length - 1)
                .flag("layerNorm")
                .flag("post")
                .flag("learned")
                .flag("tied");
    }

    /** The choices of {@link #randomDecoding}. */
    private static Dims.Spec decodingChoices(Dims.Spec spec) {
        return spec.size("penalty", 0, 2).flag("greedy").flag("topP");
    }

    private static DecoderConfig randomConfig(Dims d) {
        AttentionVariant variant = List.of(AttentionVariant.MHA, AttentionVariant.MQA, AttentionVariant.GQA)
                .get(d.get("variant"));
        int numHeads = 2 * d.get("H/2");   // 4 or 6: each variant, GQA included, has a proper G
        return DecoderConfig.builder().vocabSize(d.get("V")).modelWidth(d.get("M"))
                .numLayers(d.get("N")).numHeads(numHeads).numKvHeads(DecoderConfig.numKvHeads(variant, numHeads, 0))
                .headDim(2 * d.get("D/2")).ffnWidth(d.get("F"))
                .ffn(FfnKind.values()[d.get("ffn")])
                .norm(d.flag("layerNorm") ? NormKind.LAYER : NormKind.RMS)
                .placement(d.flag("post") ? NormPlacement.POST : NormPlacement.PRE)
                .position(d.flag("learned") ? PositionEncoding.LEARNED : PositionEncoding.ROPE)
                .tiedHead(d.flag("tied")).build();
    }

    private static DecodingConfig randomDecoding(Dims d, SeededRandom random, int vocab) {
        RepetitionPenalty penalty = switch (d.get("penalty")) {
            case 0 -> RepetitionPenalty.none();
            case 1 -> RepetitionPenalty.scale(1.5);
            default -> RepetitionPenalty.subtract(2.0);
        };
        return new DecodingConfig(d.flag("greedy"), random.uniform(0.3, 2), random.nextInt(vocab + 1),
                d.flag("topP") ? 0.9 : 1.0, penalty);
    }

    /** Law: generation with the cache = without it, token for token and logit for logit. */
    static void cachedGenerationEqualsRecomputation(DecoderModel model, int[] prompt, int steps, DecodingConfig decoding,
            long samplingSeed) {
        List<GenerationStep> cached = Generator.generate(model, prompt, steps, decoding, new SeededRandom(samplingSeed), true);
        List<GenerationStep> recomputed = Generator.generate(model, prompt, steps, decoding, new SeededRandom(samplingSeed),
                false);
        assertEquals(steps, cached.size());
        for (int i = 0; i < steps; i++) {
            GenerationStep a = cached.get(i);
            GenerationStep b = recomputed.get(i);
            assertEquals(b.token(), a.token(), "token at step " + i);
            assertEquals(b.position(), a.position());
            Tensor la = Tensor.of(a.logits(), a.logits().length);
            Tensor lb = Tensor.of(b.logits(), b.logits().length);
            assertTrue(la.maxAbsDiff(lb) <= Tolerances.CACHED_GENERATION, "logits at step " + i + " differ by " + la.maxAbsDiff(lb));
            assertEquals(b.probability(), a.probability(), Tolerances.CACHED_GENERATION, "probability at step " + i);
        }
        Generator.Agreement agreement = Generator.compare(cached, recomputed);
        assertTrue(agreement.sameTokens() && agreement.maxLogitDifference() <= Tolerances.CACHED_GENERATION, agreement.toString());
    }

    @Test
    void generationWithCacheEqualsGenerationWithout() {
        Property.of("cachedGenerationEqualsUncachedGeneration", decodingChoices(configSizes()).size("prompt", 1, 4)
                .size("steps", 1, 6))
                .tries(24).check((d, random) -> {
            DecoderConfig config = randomConfig(d);
            DecoderModel model = DecoderModel.random(config, random);
            int[] prompt = new int[d.get("prompt")];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = random.nextInt(config.vocabSize());
            }
            cachedGenerationEqualsRecomputation(model, prompt, d.get("steps"), randomDecoding(d, random, config.vocabSize()),
                    random.nextLong());
        });
    }

    /** Law: feeding T tokens in consecutive chunks through one state gives the logits of one uncached forward. */
    static void chunkedPrefillEqualsOneForward(DecoderModel model, int[][] ids, SeededRandom random) {
        Tensor whole = model.forward(ids);                                             // [B, T, V]
        DecoderState state = model.newState(ids.length);
        int length = ids[0].length;
        int done = 0;
        while (done < length) {
            int chunk = random.intBetween(1, length - done);
            int[][] part = new int[ids.length][];
            for (int b = 0; b < ids.length; b++) {
                part[b] = Arrays.copyOfRange(ids[b], done, done + chunk);
            }
            Tensor logits = model.forward(part, state, ShapeTrace.off());              // [B, chunk, V]
            double diff = logits.maxAbsDiff(whole.narrow(1, done, chunk));
            assertTrue(diff <= Tolerances.CACHED_GENERATION, "positions " + done + "…" + (done + chunk - 1) + " differ by " + diff);
            done += chunk;
            assertEquals(done, state.length());
        }
    }

    @Test
    void anyChunkingOfThePrefillGivesTheSameLogits() {
        Property.of("chunkedPrefillEqualsOneForward", configSizes().size("B", 1, 3).size("T", 1, 7))
                .tries(20).check((d, random) -> {
            DecoderConfig config = randomConfig(d);
            DecoderModel model = DecoderModel.random(config, random);
            int[][] ids = new int[d.get("B")][d.get("T")];
            for (int[] row : ids) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = random.nextInt(config.vocabSize());
                }
            }
            chunkedPrefillEqualsOneForward(model, ids, random);
        });
    }

    @Test
    void comparisonSeesADifferentTokenAndTheLargestLogitGap() {
        // Step 0 agrees; step 1 differs in token and by 0.75 in logit 1 (|2 − 1.25|).
        List<GenerationStep> a = List.of(new GenerationStep(3, 0, 0.5, new double[] {1, 1}, new double[] {0.5, 0.5}),
                new GenerationStep(4, 1, 0.6, new double[] {0, 2}, new double[] {0.4, 0.6}));
        List<GenerationStep> b = List.of(a.get(0),
                new GenerationStep(4, 0, 0.7, new double[] {0.5, 1.25}, new double[] {0.7, 0.3}));
        Generator.Agreement agreement = Generator.compare(a, b);
        assertTrue(!agreement.sameTokens());
        assertEquals(0.75, agreement.maxLogitDifference(), 0);
        assertTrue(Generator.compare(a, a).sameTokens());
    }

    @Test
    void greedyDrawsNothingAndSamplingDrawsOncePerStep() {
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().numLayers(1).build(), new SeededRandom(81));
        SeededRandom greedyStream = new SeededRandom(5);
        Generator.generate(model, new int[] {1, 2}, 4, DecodingConfig.greedyDecoding(), greedyStream, true);
        assertEquals(new SeededRandom(5).nextLong(), greedyStream.nextLong(), "greedy decoding consumed random draws");

        SeededRandom samplingStream = new SeededRandom(5);
        Generator.generate(model, new int[] {1, 2}, 4, DecodingConfig.sampling(), samplingStream, true);
        SeededRandom reference = new SeededRandom(5);
        for (int i = 0; i < 4; i++) {
            reference.nextDouble();
        }
        assertEquals(reference.nextLong(), samplingStream.nextLong(), "sampling did not draw exactly once per step");
    }

    @Test
    void eachStepReportsTheProcessedDistributionOfItsLogits() {
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().numLayers(1).build(), new SeededRandom(83));
        DecodingConfig decoding = new DecodingConfig(false, 0.8, 6, 0.95, RepetitionPenalty.scale(1.3));
        int[] prompt = {4, 5, 6};
        List<GenerationStep> steps = Generator.generate(model, prompt, 5, decoding, new SeededRandom(9), true);
        int[] history = Arrays.copyOf(prompt, prompt.length + steps.size());
        for (int i = 0; i < steps.size(); i++) {
            GenerationStep step = steps.get(i);
            int[] seen = Arrays.copyOf(history, prompt.length + i);
            assertArrayEquals(decoding.probabilities(step.logits(), seen), step.probabilities(), 0);
            assertEquals(step.probabilities()[step.token()], step.probability(), 0);
            assertTrue(step.probability() > 0);
            assertEquals(prompt.length + i, step.position());
            history[prompt.length + i] = step.token();
        }
    }

    @Test
    void aLargeSubtractPenaltyNeverRepeatsATokenOfThePromptOrTheOutput() {
        // α = 1000 pushes every seen token 1000 below the rest, so greedy picks only unseen tokens
        // while there are any (V = 32 > 3 + 10).
        DecoderModel model = DecoderModel.random(DecoderConfig.builder().build(), new SeededRandom(85));
        int[] prompt = {7, 8, 9};
        DecodingConfig decoding = new DecodingConfig(true, 1.0, 0, 1.0, RepetitionPenalty.subtract(1000));
        Set<Integer> seen = new HashSet<>(List.of(7, 8, 9));
        for (GenerationStep step : Generator.generate(model, prompt, 10, decoding, new SeededRandom(1), true)) {
            assertTrue(seen.add(step.token()), "token " + step.token() + " repeated at position " + step.position());
        }
    }

    @Test
    void learnedPositionsRunOutWithAClearError() {
        // A 2-token prompt fills positions 0, 1; steps feed back all but the last token, so 3 steps
        // use positions up to 3 (fits a table of 4) and 4 steps need position 4.
        DecoderModel model = DecoderModel.random(
                DecoderConfig.builder().position(PositionEncoding.LEARNED).maxPositions(4).numLayers(1).build(),
                new SeededRandom(87));
        assertEquals(3, Generator.generate(model, new int[] {1, 2}, 3, DecodingConfig.greedyDecoding(), new SeededRandom(1),
                true).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Generator.generate(model,
                new int[] {1, 2}, 4, DecodingConfig.greedyDecoding(), new SeededRandom(1), true));
        assertTrue(e.getMessage().contains("position 4") && e.getMessage().contains("maxPositions (4)"), e.getMessage());
    }
}
