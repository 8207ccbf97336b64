package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * Causal self-attention with a cache: the common shape of {@link NaiveMla}, {@link AbsorbedMla},
 * {@link Mfa} and {@link MfaKeyReuse}.
 *
 * <h2>Contract of {@link #forward}</h2>
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only; T ≥ 1 new tokens; finite</td></tr>
 *   <tr><td>cache</td><td>made by this module's {@link #newCache}</td><td>S₀ tokens before the call, S₀ + T after (appended); batch size B</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S₀ + T]</td></tr>
 * </table>
 * <ul>
 *   <li>Positions are absolute: new token {@code t} sits at {@code firstPosition + S₀ + t} and
 *       sees cached and new keys up to itself (bottom-right alignment over the {@code S₀ + T}
 *       keys). RoPE uses these positions.</li>
 *   <li>A fresh cache makes the call an ordinary causal prefill; {@code T = 1} on a filled cache
 *       is one decode step; anything between is chunked prefill.</li>
 *   <li>Law (MATH.md, "KV cache"): one call over T tokens equals any split of them into
 *       consecutive calls on the same cache. Checked by {@code CachedAttentionLawTest}.</li>
 * </ul>
 *
 * @param <C> the cache type this module stores into
 */
public interface CachedAttention<C extends LayerCache> {
    /** M, the width of input and output. */
    int modelWidth();

    /** H, the number of query heads (the head axis of the logits). */
    int numHeads();

    /** An empty cache for {@code batchSize} sequences whose first token sits at {@code firstPosition}. */
    C newCache(int batchSize, int firstPosition);

    /** An empty cache for {@code batchSize} sequences starting at position 0. */
    default C newCache(int batchSize) {
        return newCache(batchSize, 0);
    }

    /** Attends the T new tokens of {@code x [B, T, M]} over the cache plus themselves, and appends them. */
    ForwardResult forward(Tensor x, C cache);
}
