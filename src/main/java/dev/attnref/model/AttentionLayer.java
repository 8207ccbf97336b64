package dev.attnref.model;

import dev.attnref.core.Tensor;

/**
 * What a decoder block needs from attention: causal self-attention with a cache, model width in
 * and out. Any attention module (MHA, MQA, GQA, MLA, MFA) fits behind it.
 *
 * <h2>Contract of {@link #forward}</h2>
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only; the T new positions</td></tr>
 *   <tr><td>cache</td><td>made by this layer's {@link #newCache}: a
 *       {@link dev.attnref.attention.KvCache} or {@link dev.attnref.attention.LatentCache}</td><td>length {@code S₀} before the
 *       call, {@code S₀ + T} after (appended); batch size must be B</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 * <ul>
 *   <li>Positions are absolute: new position {@code t} is {@code S₀ + t}; it sees cached and new
 *       keys at positions {@code ≤ S₀ + t} (bottom-right alignment over {@code S = S₀ + T} keys).
 *       Position-dependent parts (RoPE) use these positions.</li>
 *   <li>With a fresh (empty) cache the call is the ordinary causal forward over T tokens (top-left
 *       and bottom-right coincide when {@code S = T}).</li>
 *   <li>Chunking law: one call over T tokens equals any split of them into consecutive calls on the
 *       same cache, position for position (docs/MATH.md, "KV cache").</li>
 * </ul>
 * Checked by {@code DecoderModelTest} and {@code GenerationTest} (cache = no cache).
 *
 * @param <C> the cache this layer stores into
 */
public interface AttentionLayer<C> {
    /** The model width {@code M} of input and output. */
    int modelWidth();

    /** An empty cache for {@code batchSize} sequences. */
    C newCache(int batchSize);

    /** Attends the T new positions of {@code x [B, T, M]} over the cache plus themselves; appends them. */
    Tensor forward(Tensor x, C cache, ShapeTrace trace);

    /** A short description for traces, e.g. {@code GQA(H=4, G=2, D=4, RoPE)}. */
    String describe();
}
