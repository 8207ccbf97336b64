package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * Causal or bidirectional self-attention {@code [B, T, M] → [B, T, M]} over a cache: the one shape
 * of every module here — {@link MultiHeadAttention}, {@link MultiQueryAttention} and
 * {@link GroupedQueryAttention} (cache {@link KvCache}), {@link NaiveMla} and {@link Mfa}
 * ({@link KvCache}), {@link AbsorbedMla} and {@link MfaKeyReuse} ({@link LatentCache}).
 *
 * <h2>Contract of {@link #forward}</h2>
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only; T ≥ 1 new tokens; finite</td></tr>
 *   <tr><td>cache</td><td>made by {@link #newCache}</td><td>S₀ tokens before the call, S₀ + T after (appended); batch size B.
 *       The GQA family also takes null: no cache, S₀ = 0</td></tr>
 *   <tr><td>options</td><td>{@link AttentionOptions}</td><td>masks, padding, numbering: the GQA family only;
 *       the latent and factorized modules are causal over their cache and refuse anything but {@link AttentionOptions#none()}</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S₀ + T]</td></tr>
 * </table>
 * <ul>
 *   <li>Positions are absolute: new token {@code t} sits at {@code firstPosition + S₀ + t} and,
 *       when causal, sees cached and new keys up to itself (bottom-right alignment over the
 *       {@code S₀ + T} keys). RoPE uses these positions.</li>
 *   <li>A fresh cache makes the call an ordinary prefill; {@code T = 1} on a filled cache is one
 *       decode step; anything between is chunked prefill.</li>
 *   <li>Law (docs/MATH.md, "KV cache"): one call over T tokens equals any split of them into
 *       consecutive calls on the same cache. Checked by {@code AttentionLawsTest} and {@code CachedAttentionLawTest}.</li>
 * </ul>
 *
 * @param <C> the cache this module stores into: {@link KvCache} or {@link LatentCache}
 */
public interface SelfAttention<C> {
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
    ForwardResult forward(Tensor x, C cache, AttentionOptions options);

    /** {@link #forward(Tensor, Object, AttentionOptions)} with no options. */
    default ForwardResult forward(Tensor x, C cache) {
        return forward(x, cache, AttentionOptions.none());
    }

    /** {@link #forward(Tensor, Object, AttentionOptions)} without a cache: the GQA family only. */
    default ForwardResult forward(Tensor x, AttentionOptions options) {
        return forward(x, null, options);
    }

    /** {@link #forward(Tensor, Object, AttentionOptions)} without a cache or options: the GQA family only. */
    default ForwardResult forward(Tensor x) {
        return forward(x, null, AttentionOptions.none());
    }
}
