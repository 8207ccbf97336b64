package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * A self-attention block of the GQA family: {@code [B, T, M] → [B, T, M]}, with optional cache and
 * per-call options. Implemented separately by {@link MultiHeadAttention}, {@link MultiQueryAttention}
 * and {@link GroupedQueryAttention}; the laws run all three through this interface.
 */
public interface SelfAttention {

    AttentionConfig config();

    AttentionWeights weights();

    /**
     * One forward pass. With a cache, the T new tokens take positions {@code S … S+T−1} after its S
     * cached ones (bottom-right alignment), attend to all S+T keys, and their keys and values (after
     * RoPE) are appended; without one (null) they take positions from {@code options} (default 0).
     *
     * @param x       {@code [B, T, M]}, finite; read only
     * @param cache   null, or a cache with this block's G, D, Dv and batch B; grown by T
     * @param options masks, padding, numbering; see {@link AttentionOptions}
     */
    AttentionOutput forward(Tensor x, KvCache cache, AttentionOptions options);

    /** {@link #forward(Tensor, KvCache, AttentionOptions)} without a cache or options. */
    default AttentionOutput forward(Tensor x) {
        return forward(x, null, AttentionOptions.none());
    }

    /** {@link #forward(Tensor, KvCache, AttentionOptions)} without a cache. */
    default AttentionOutput forward(Tensor x, AttentionOptions options) {
        return forward(x, null, options);
    }

    /** {@link #forward(Tensor, KvCache, AttentionOptions)} with a cache and no options. */
    default AttentionOutput forward(Tensor x, KvCache cache) {
        return forward(x, cache, AttentionOptions.none());
    }
}
