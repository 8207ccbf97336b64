package dev.attnref.model;

/**
 * The keys and values one {@link AttentionLayer} has seen so far, for {@code B} sequences of equal
 * length. Created empty by {@link AttentionLayer#newCache(int)}, grown only by that layer's
 * {@link AttentionLayer#forward}; what it stores (rotated keys, latents) is the layer's business.
 */
public interface AttentionCache {
    /** Number of positions cached, {@code S}: the absolute position the next token will take. */
    int length();

    /** Number of sequences {@code B}. */
    int batchSize();
}
