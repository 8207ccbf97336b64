package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Grouped-query self-attention: H query heads in G contiguous groups of {@code R = H / G}; query
 * head {@code h} reads key/value head {@code g(h) = ⌊h / R⌋}. MHA is {@code G = H}, MQA is
 * {@code G = 1}.
 *
 * <h2>Equation</h2>
 * <pre>
 *   q = split_H(x·W_Qᵀ + b_Q),  k = split_G(x·W_Kᵀ + b_K),  v = split_G(x·W_Vᵀ + b_V)
 *   q, k ← RoPE(q), RoPE(k) at absolute positions p₀ … p₀+T−1              (when configured)
 *   k, v ← concat_s(cache, k), concat_s(cache, v)                           (when a cache is given)
 *   h = g·R + r  (g = ⌊h / R⌋, r = h mod R)                                 contiguous groups
 *   logit[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,g(h),s,d]
 *   logit ← c·tanh(logit / c)  (softcap c &gt; 0);  + additive mask;  −∞ where hidden
 *   p[b,h,t,·] = softmax_s(logit[b,h,t,·])                                   no visible key → zeros
 *   o[b,h,t,·] = Σ_s p[b,h,t,s] · v[b,g(h),s,·]
 *   out = merge_H(o)·W_Oᵀ + b_O
 * </pre>
 * The grouping is a view, not a copy: q {@code [B, H, T, D]} is read as {@code [B, G, R, T, D]}
 * and each key/value head is broadcast over its R query heads ({@code [B, G, 1, S, D]}). That is
 * the same map as {@code repeat_interleave(k, R, dim=1)} (HF {@code repeat_kv}) without copying the
 * cache R times; tiling ({@code g = h mod G}) would be a different, wrong map.
 *
 * <h2>Shapes</h2>
 * <table>
 *   <caption>Arguments</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>finite; read only</td></tr>
 *   <tr><td>W_Q</td><td>[H·D, M]</td><td>{@link AttentionWeights}; read only</td></tr>
 *   <tr><td>W_K</td><td>[G·D, M]</td><td></td></tr>
 *   <tr><td>W_V</td><td>[G·Dv, M]</td><td></td></tr>
 *   <tr><td>W_O</td><td>[M, H·Dv]</td><td></td></tr>
 *   <tr><td>cache</td><td>K [B, G, S₀, D], V [B, G, S₀, Dv]</td><td>optional; grown by T (keys after RoPE)</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 *   <tr><td>probabilities</td><td>[B, H, T, S], S = S₀ + T</td><td>new tensor</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * As {@link MultiHeadAttention}: scale 1/√D unless overridden; softcap before masks; hidden
 * logits −∞, empty rows give zeros; named mask convention; causal queries bottom-right unless the
 * call says otherwise; absolute positions.
 *
 * <h2>Source</h2>
 * Ainslie et al., "GQA: Training Generalized Multi-Query Transformer Models from Multi-Head
 * Checkpoints" (2023), §2.2; contiguous groups as ONNX Attention-23 and HF {@code repeat_kv}.
 * Differs from source: float64; RoPE, softcap, Dv ≠ D and biases are options.
 *
 * <p>Checked by {@code GroupedQueryAttentionTest} (hand-computed cases, bad input),
 * {@code GqaLawsTest} (G = H is MHA, G = 1 is MQA, every G equals MHA on repeat-interleaved K/V,
 * tiling is caught), {@code OracleAgreementLawsTest} and the other laws of
 * {@code dev.attnref.attention}.
 */
public final class GroupedQueryAttention implements SelfAttention<KvCache> {
    private final AttentionConfig config;
    private final AttentionWeights weights;

    /** A block with the given weights (any G that divides H, which the configuration guarantees). */
    public GroupedQueryAttention(AttentionConfig config, AttentionWeights weights) {
        Checks.notNull("config", config);
        Checks.notNull("weights", weights);
        weights.requireFits(config);
        this.config = config;
        this.weights = weights;
    }

    /** A block with weights drawn from {@code random} ({@link AttentionWeights#init}). */
    public static GroupedQueryAttention seeded(AttentionConfig config, SeededRandom random) {
        return new GroupedQueryAttention(config, AttentionWeights.init(config, random));
    }

    public AttentionConfig config() {
        return config;
    }

    public AttentionWeights weights() {
        return weights;
    }

    @Override
    public int modelWidth() {
        return config.modelWidth();
    }

    @Override
    public int numHeads() {
        return config.numHeads();
    }

    /** An empty cache of this block's G, D and Dv. */
    @Override
    public KvCache newCache(int batchSize, int firstPosition) {
        return new KvCache(batchSize, config.numKvHeads(), config.headDim(), config.valueDim(), firstPosition);
    }

    @Override
    public ForwardResult forward(Tensor x, KvCache cache, AttentionOptions options) {
        // Step 0 — validate everything before computing or appending anything.
        AttentionSteps.Call call = AttentionSteps.plan("GroupedQueryAttention", config, x, cache, options);
        int batch = call.batch();
        int qLen = call.qLen();
        int kvLen = call.kvLen();
        int numHeads = config.numHeads();
        int numKvHeads = config.numKvHeads();
        int groupSize = config.groupSize();
        int valueDim = config.valueDim();

        // Step 1 — projections: H query heads, G key heads, G value heads.
        Tensor q = AttentionSteps.splitHeads(weights.query().forward(x), numHeads, config.headDim());    // [B, H, T, D]
        Tensor k = AttentionSteps.splitHeads(weights.key().forward(x), numKvHeads, config.headDim());    // [B, G, T, D]
        Tensor v = AttentionSteps.splitHeads(weights.value().forward(x), numKvHeads, valueDim);          // [B, G, T, Dv]

        // Step 2 — RoPE: row t of every head rotates by its absolute position p₀ + t.
        q = AttentionSteps.rotate(config, q, call.startPosition());                                       // [B, H, T, D]
        k = AttentionSteps.rotate(config, k, call.startPosition());                                       // [B, G, T, D]

        // Step 3 — k, v ← concat_s(cached, new): the new tokens take key indices S₀ … S₀+T−1.
        if (cache != null) {
            cache.append(k, v);
            k = cache.keys();                                                                             // [B, G, S, D]
            v = cache.values();                                                                           // [B, G, S, Dv]
        }

        // Step 4 — group the query heads: h = g·R + r, so head h lands in group ⌊h / R⌋.
        Tensor qGrouped = q.reshape(batch, numKvHeads, groupSize, qLen, config.headDim());               // [B, G, R, T, D]

        // Step 5 — logit[b,g,r,t,s] = scale · Σ_d q[b,g,r,t,d] · k[b,g,s,d]: key head g broadcast over its R heads.
        // einsum: bgrtd,bgsd->bgrts
        Tensor keysT = k.transpose(-2, -1).unsqueeze(2);                                                  // [B, G, 1, D, S]
        Tensor scores = qGrouped.matmul(keysT).mul(config.scale())                                        // [B, G, R, T, S]
                .view(batch, numHeads, qLen, kvLen);                                                      // [B, H, T, S]

        // Step 6 — softcap, additive mask, −∞ where hidden; then p = softmax_s(logit).
        Tensor logits = AttentionSteps.logits(config, call, scores);                              // [B, H, T, S]
        Tensor p = AttentionSteps.softmaxOverKeys(logits);                                        // [B, H, T, S]

        // Step 7 — o[b,g,r,t,·] = Σ_s p[b,g,r,t,s] · v[b,g,s,·]: value head g broadcast over its R heads.
        // einsum: bgrts,bgsd->bgrtd
        Tensor o = p.view(batch, numKvHeads, groupSize, qLen, kvLen)                                      // [B, G, R, T, S]
                .matmul(v.unsqueeze(2))                                                                   // [B, G, R, T, Dv]
                .view(batch, numHeads, qLen, valueDim);                                                   // [B, H, T, Dv]

        // Step 8 — out = [o_0; …; o_{H−1}]·W_Oᵀ + b_O.
        Tensor out = weights.output().forward(AttentionSteps.mergeHeads(o));                              // [B, T, M]
        return new ForwardResult(out, logits, p);
    }
}
