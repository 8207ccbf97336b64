package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.Rope;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Seed 001's decoder-only transformer: embedding, N blocks, final norm, LM head.
 *
 * <pre>
 *   X₀ = E[ids] (+ P[positions] when positions are learned)       (B, T) → (B, T, M)
 *   Xᵢ = Blockᵢ(Xᵢ₋₁),  i = 1 … N                                   (B, T, M)
 *   h  = FinalNorm(X_N)   (identity when the model has none)        (B, T, M)
 *   logits = h·Wᵀ,  W = E when tied                                 (B, T, V)
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>ids</td><td>[B][T] ints</td><td>rectangular, each in [0, V)</td></tr>
 *   <tr><td>state</td><td>{@link DecoderState}</td><td>made by this model's {@link #newState}; the new tokens sit at
 *       absolute positions {@code state.length() …}; grown by T</td></tr>
 *   <tr><td>logits</td><td>[B, T, V]</td><td>new tensor, one row per new position</td></tr>
 * </table>
 *
 * <p>Law: feeding tokens in any chunks through one state gives the logits of one uncached forward
 * over all of them (checked by {@code GenerationTest}). Source: seed 001, "Transformers 结构
 * (decode only)". Checked by {@code DecoderModelTest}, {@code GenerationTest}, {@code LatentDecoderTest}.
 */
public final class DecoderModel {
    private final TokenEmbedding embedding;
    private final LearnedPositionEmbedding positions;
    private final List<DecoderBlock<?>> blocks;
    private final Norm finalNorm;
    private final LmHead head;

    /**
     * A model from its parts; {@code positions} is null with RoPE (or no position encoding) and
     * {@code finalNorm} null for none. All parts must agree on M, embedding and head on V.
     */
    public DecoderModel(TokenEmbedding embedding, LearnedPositionEmbedding positions, List<DecoderBlock<?>> blocks,
            Norm finalNorm, LmHead head) {
        this.embedding = Checks.notNull("embedding", embedding);
        this.head = Checks.notNull("head", head);
        Checks.notNull("blocks", blocks);
        Checks.positive("number of blocks", blocks.size());
        int width = embedding.modelWidth();
        checkWidth("LM head", head.modelWidth(), width);
        if (head.vocabSize() != embedding.vocabSize()) {
            throw new IllegalArgumentException("LM head has vocabulary " + head.vocabSize() + "; the embedding has "
                    + embedding.vocabSize());
        }
        if (positions != null) {
            checkWidth("position embedding", positions.modelWidth(), width);
        }
        for (int i = 0; i < blocks.size(); i++) {
            checkWidth("block " + i, Checks.notNull("block " + i, blocks.get(i)).modelWidth(), width);
        }
        if (finalNorm != null) {
            checkWidth("final norm", finalNorm.width(), width);
        }
        this.positions = positions;
        this.blocks = List.copyOf(blocks);
        this.finalNorm = finalNorm;
    }

    private static void checkWidth(String part, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(part + " has model width " + actual + "; the embedding has " + expected);
        }
    }

    /**
     * A model of {@code config} with seeded weights and {@link WalkthroughAttention} in every block,
     * or the {@link LatentAttention} the config names (MLA, MFA, MFA-KR through
     * {@link LatentAttentionLayer}). Draw order: embedding table, position table (learned only), then
     * per block the attention weights (W_Q, W_K, W_V, W_O, or the latent module's own order) and the
     * FFN matrices, then the untied head. The MLA form does not change the draws: a naive and an
     * absorbed model of one seed hold the same weights. Tables are {@code N(0, 1/M)}: rows of unit
     * expected norm, so a tied head's logits {@code h·Eᵀ} (with {@code |h| ≈ √M} after the final
     * norm) are O(1)–O(√M) rather than O(M), which keeps a random model's next-token distribution
     * from collapsing onto the current token. Linear layers use {@link Linear#init} (PyTorch's
     * default). Norm gains start at 1 and LayerNorm biases at 0, so they draw nothing.
     */
    public static DecoderModel random(DecoderConfig config, SeededRandom random) {
        int width = config.modelWidth();
        double tableStd = 1.0 / Math.sqrt(width);
        TokenEmbedding embedding = TokenEmbedding.random(config.vocabSize(), width, tableStd, random);
        LearnedPositionEmbedding positions = config.position() == PositionEncoding.LEARNED
                ? LearnedPositionEmbedding.random(config.maxPositions(), width, tableStd, random)
                : null;
        Rope rope = config.position() == PositionEncoding.ROPE
                ? new Rope(config.headDim(), config.ropeTheta(), config.ropePairing())
                : null;
        List<DecoderBlock<?>> blocks = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            AttentionLayer<?> attention = config.latent() == null
                    ? WalkthroughAttention.random(width, config.numHeads(), config.numKvHeads(), config.headDim(), rope, random)
                    : config.latent().random(width, config.numHeads(), config.ropeTheta(), config.ropePairing(), random);
            FeedForward ffn = config.ffn() == FfnKind.SWIGLU
                    ? SwiGlu.random(width, config.ffnWidth(), random)
                    : Mlp.random(width, config.ffnWidth(), config.ffn().activation(), random);
            blocks.add(block(config, attention, ffn));
        }
        Norm finalNorm = config.finalNorm() ? newNorm(config) : null;
        LmHead head = config.tiedHead()
                ? LmHead.tied(embedding)
                : LmHead.untied(Linear.init(width, config.vocabSize(), false, random));
        return new DecoderModel(embedding, positions, blocks, finalNorm, head);
    }

    private static <C> DecoderBlock<C> block(DecoderConfig config, AttentionLayer<C> attention, FeedForward ffn) {
        return new DecoderBlock<>(config.placement(), newNorm(config), attention, newNorm(config), ffn);
    }

    private static Norm newNorm(DecoderConfig config) {
        int width = config.modelWidth();
        Tensor gain = config.normAffine() ? Tensor.ones(width) : null;
        if (config.norm() == NormKind.RMS) {
            return new RmsNorm(width, config.normEps(), gain);
        }
        return new LayerNorm(width, config.normEps(), gain, config.normAffine() ? Tensor.zeros(width) : null);
    }

    public TokenEmbedding embedding() {
        return embedding;
    }

    /** The learned position table, or {@code null} when positions are not learned. */
    public LearnedPositionEmbedding positions() {
        return positions;
    }

    public List<DecoderBlock<?>> blocks() {
        return blocks;
    }

    /** The final norm, or {@code null} when the model has none. */
    public Norm finalNorm() {
        return finalNorm;
    }

    public LmHead head() {
        return head;
    }

    /** Empty caches for {@code batchSize} sequences (one per block). */
    public DecoderState newState(int batchSize) {
        Checks.positive("batchSize", batchSize);
        return new DecoderState(this, batchSize, blocks);
    }

    /**
     * A batch of sequences of different lengths, right-padded: row b holds {@code sequences[b]} at
     * positions {@code 0 … len_b − 1} and {@code padId} after it, up to the longest; one uncached
     * forward over the padded {@code [B, T_max]} gives {@code logits [B, T_max, V]}. Causal attention
     * never lets position t see a later one, so the valid positions {@code t < len_b} of row b equal
     * the forward of {@code sequences[b]} alone; the positions after it are the logits of pad tokens
     * and mean nothing. Law checked by {@code LatentDecoderTest} for every attention variant.
     */
    public Tensor forwardRightPadded(int[][] sequences, int padId) {
        Checks.notNull("sequences", sequences);
        Checks.positive("number of sequences", sequences.length);
        if (padId < 0 || padId >= embedding.vocabSize()) {
            throw new IllegalArgumentException("padId (" + padId + ") must be a token id in [0, vocabSize ("
                    + embedding.vocabSize() + "))");
        }
        int longest = 0;
        for (int b = 0; b < sequences.length; b++) {
            Checks.notNull("sequence " + b, sequences[b]);
            Checks.positive("length of sequence " + b, sequences[b].length);
            longest = Math.max(longest, sequences[b].length);
        }
        int[][] padded = new int[sequences.length][longest];
        for (int b = 0; b < sequences.length; b++) {
            Arrays.fill(padded[b], padId);
            System.arraycopy(sequences[b], 0, padded[b], 0, sequences[b].length);
        }
        return forward(padded);                                                                 // [B, T_max, V]
    }

    /** The uncached forward pass: {@code ids [B][T] → logits [B, T, V]} from a fresh state. */
    public Tensor forward(int[][] ids) {
        return forward(ids, newState(TokenEmbedding.tokenShape(ids)[0]), ShapeTrace.off());
    }

    /** {@code ids [B][T] → logits [B, T, V]} for T new positions after those in {@code state}; grows the state. */
    public Tensor forward(int[][] ids, DecoderState state, ShapeTrace trace) {
        int[] shape = TokenEmbedding.tokenShape(ids);
        Checks.notNull("state", state);
        if (state.owner() != this) {
            throw new IllegalArgumentException("the decoder state was not made by this model's newState()");
        }
        if (state.batchSize() != shape[0]) {
            throw new IllegalArgumentException("decoder state holds " + state.batchSize() + " sequences; input has batch "
                    + shape[0]);
        }
        int start = state.length();
        trace.recordShape("token ids", "B, T", shape);

        // X₀ = E[ids] (+ P[start … start+T−1])
        Tensor x = trace.record("embedding  E[ids]", "B, T, M", embedding.forward(ids));        // [B, T, M]
        if (positions != null) {
            x = trace.record("+ learned positions P[start:start+T]", "B, T, M", positions.forward(x, start));
        }

        // Xᵢ = Blockᵢ(Xᵢ₋₁)
        for (int i = 0; i < blocks.size(); i++) {
            trace.enter("block " + i + "  (" + blocks.get(i).placement().name().toLowerCase() + "-norm)");
            x = state.forward(i, x, trace);                                                     // [B, T, M]
            trace.exit();
        }

        // h = FinalNorm(X_N)
        if (finalNorm != null) {
            x = trace.record("final norm  " + finalNorm.describe(), "B, T, M", finalNorm.forward(x));
        }

        // logits = h·Wᵀ
        Tensor logits = trace.record("LM head  h·Wᵀ, " + head.describe(), "B, T, V", head.forward(x));  // [B, T, V]
        state.advance(shape[1]);
        return logits;
    }
}
