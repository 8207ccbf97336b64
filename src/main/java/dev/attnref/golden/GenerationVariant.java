package dev.attnref.golden;

import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.model.DecoderBlock;
import dev.attnref.model.DecoderModel;
import dev.attnref.model.DecodingConfig;
import dev.attnref.model.GenerationStep;
import dev.attnref.model.Generator;
import dev.attnref.model.LearnedPositionEmbedding;
import dev.attnref.model.LmHead;
import dev.attnref.model.TokenEmbedding;
import java.util.ArrayList;
import java.util.List;

/**
 * Variant {@code generation}: greedy decoding with a KV cache through seed 001's decoder-only model
 * (token embedding, learned positions or RoPE, N blocks as in variant {@code decoder_block}, optional
 * final norm, tied or untied LM head).
 * <pre>
 *   logits = model(prompt) (cache filled);  repeat steps times:
 *     l = logits[last position];  token = argmax_v l (lowest id on a tie);  logits = model([token]) on the cache
 * </pre>
 * Outputs: {@code tokens [steps]} int64 and {@code logits [steps, V]} (row i is the l token i was chosen
 * from). Reference: {@link Generator} with a cache; checked against generation without a cache
 * (every step recomputes the whole prefix), and the generator requires the top logit of every step to
 * lead the next by at least {@link Tolerance#GREEDY_MARGIN}, so that a float32 port picks the same tokens.
 */
final class GenerationVariant extends GoldenVariant<GenerationVariant.Settings> {
    record Settings(int vocabSize, int modelWidth, int numLayers, ModelParts.BlockSettings block, boolean finalNorm,
            int learnedPositions, boolean tiedHead, int promptLength, int steps) {
    }

    GenerationVariant() {
        super("generation");
    }

    @Override
    public String reference(Settings settings) {
        return Generator.class.getName();
    }

    @Override
    public List<String> checkedAgainst(Settings settings) {
        return List.of(Generator.class.getName() + " without cache");
    }

    /** The most layers a case may have (reference-data/README.md, "Limits"). */
    static final int MAX_LAYERS = 4096;

    @Override
    protected Settings parse(CaseConfig c) {
        int vocab = c.positive("vocab_size");
        int width = c.positive("model_width");
        int layers = c.positive("num_layers");
        if (layers > MAX_LAYERS) {
            // The reader lists every layer's tensors before it reads any: bound the list, not only the payload.
            throw new IllegalArgumentException("config.num_layers (" + layers + ") must be ≤ " + MAX_LAYERS);
        }
        // Not dynamic NTK: with a cache each step rotates its key at its own length, without one at the whole
        // sequence's, so the two traces a port may choose between would differ.
        ModelParts.BlockSettings block = ModelParts.BlockSettings.parse(c, AttentionKeys.without(AttentionKeys.ROPE_TYPES,
                "dynamic"));
        if (block.ffn().bias()) {
            throw new IllegalArgumentException("config.ffn.bias is true; the decoder model's FFN layers have no bias");
        }
        boolean finalNorm = c.bool("final_norm");
        int learned = c.nonNegative("learned_positions");
        boolean tied = c.bool("tied_head");
        c.choice("decoding", "greedy");
        int prompt = c.positive("prompt_length");
        int steps = c.positive("steps");
        if (learned > 0 && prompt + steps - 1 > learned) {
            throw new IllegalArgumentException("config.learned_positions (" + learned + ") must cover positions 0 … "
                    + (prompt + steps - 2) + " (prompt_length + steps − 1 = " + (prompt + steps - 1) + " positions)");
        }
        return new Settings(vocab, width, layers, block, finalNorm, learned, tied, prompt, steps);
    }

    @Override
    protected void checkValues(Settings s, CaseInputs in) {
        in.requireWithin("prompt", 0, s.vocabSize() - 1L, "[0, V) = [0, " + s.vocabSize() + ")");
    }

    @Override
    protected long scoreElements(Settings s) {
        long tokens = (long) s.promptLength() + s.steps();
        return s.numLayers() * s.block().attention().numHeads() * tokens * tokens;
    }

    @Override
    protected List<TensorSpec> inputs(Settings s) {
        int m = s.modelWidth();
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(TensorSpec.integers("prompt", List.of("T"), s.promptLength()));
        specs.add(TensorSpec.floats("embedding.weight", TensorSpec.Fill.ACTIVATION, List.of("V", "M"), s.vocabSize(), m));
        if (s.learnedPositions() > 0) {
            specs.add(TensorSpec.floats("positions.weight", TensorSpec.Fill.SMALL, List.of("positions", "M"),
                    s.learnedPositions(), m));
        }
        for (int i = 0; i < s.numLayers(); i++) {
            specs.addAll(s.block().specs("blocks." + i + ".", m));
        }
        if (s.finalNorm()) {
            s.block().norm().specs(specs, "final_norm", m);
        }
        if (!s.tiedHead()) {
            specs.add(TensorSpec.weight("lm_head.weight", "V", "M", s.vocabSize(), m));
        }
        return specs;
    }

    private static DecoderModel model(Settings s, CaseInputs in) {
        int m = s.modelWidth();
        TokenEmbedding embedding = new TokenEmbedding(in.tensor("embedding.weight"));
        LearnedPositionEmbedding positions = s.learnedPositions() > 0
                ? new LearnedPositionEmbedding(in.tensor("positions.weight")) : null;
        List<DecoderBlock<?>> blocks = new ArrayList<>();
        for (int i = 0; i < s.numLayers(); i++) {
            blocks.add(s.block().build(in, "blocks." + i + ".", m));
        }
        LmHead head = s.tiedHead() ? LmHead.tied(embedding) : LmHead.untied(new Linear(in.tensor("lm_head.weight"), null));
        return new DecoderModel(embedding, positions, blocks, s.finalNorm() ? s.block().norm().build(in, "final_norm", m) : null, head);
    }

    private static List<GenerationStep> generate(Settings s, CaseInputs in, boolean useCache) {
        return Generator.generate(model(s, in), in.ints("prompt"), s.steps(), DecodingConfig.greedyDecoding(),
                new SeededRandom(0), useCache);
    }

    @Override
    protected CaseOutputs compute(Settings s, CaseInputs in) {
        List<GenerationStep> steps = generate(s, in, true);
        long[] tokens = new long[steps.size()];
        double[] logits = new double[steps.size() * s.vocabSize()];
        for (int i = 0; i < steps.size(); i++) {
            tokens[i] = steps.get(i).token();
            System.arraycopy(steps.get(i).logits(), 0, logits, i * s.vocabSize(), s.vocabSize());
        }
        return new CaseOutputs()
                .add("tokens", StoredTensor.i64(new int[] {steps.size()}, tokens), List.of("steps"))
                .add("logits", logits, List.of("steps", "V"), steps.size(), s.vocabSize());
    }

    @Override
    protected void crossCheck(Settings s, CaseInputs in, CaseOutputs expected) {
        List<GenerationStep> uncached = generate(s, in, false);
        long[] tokens = expected.get("tokens").integers();
        double[] logits = expected.get("logits").values();
        for (int i = 0; i < uncached.size(); i++) {
            if (uncached.get(i).token() != tokens[i]) {
                throw new IllegalStateException("generation without cache picks token " + uncached.get(i).token()
                        + " at step " + i + "; with cache " + tokens[i]);
            }
            double[] row = java.util.Arrays.copyOfRange(logits, i * s.vocabSize(), (i + 1) * s.vocabSize());
            Tolerance.FLOAT64.require("logits without cache, step " + i, row, uncached.get(i).logits());
            double runnerUp = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < row.length; v++) {
                if (v != tokens[i]) {
                    runnerUp = Math.max(runnerUp, row[v]);
                }
            }
            if (row[(int) tokens[i]] - runnerUp < Tolerance.GREEDY_MARGIN) {
                throw new IllegalStateException("step " + i + ": token " + tokens[i] + " leads the runner-up logit by only "
                        + (row[(int) tokens[i]] - runnerUp) + " < " + Tolerance.GREEDY_MARGIN + "; a float32 port could pick another");
            }
        }
    }
}
