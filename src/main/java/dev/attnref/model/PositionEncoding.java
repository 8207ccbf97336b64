package dev.attnref.model;

/**
 * How a {@link DecoderConfig} encodes positions (seed 001, "Embedding"):
 * <ul>
 *   <li>{@link #LEARNED}: absolute learned table added to the embedding, {@code X = X + P} (GPT-2);
 *       see {@link LearnedPositionEmbedding}.</li>
 *   <li>{@link #ROPE}: nothing is added; attention rotates q and k by their absolute positions
 *       (LLaMA; {@link dev.attnref.core.Rope}).</li>
 * </ul>
 */
public enum PositionEncoding {
    LEARNED,
    ROPE
}
