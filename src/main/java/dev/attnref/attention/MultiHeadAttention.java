package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Multi-head self-attention: every query head has its own key and value head ({@code G = H}).
 *
 * <h2>Equation</h2>
 * <pre>
 *   q = split_H(x·W_Qᵀ + b_Q),  k = split_H(x·W_Kᵀ + b_K),  v = split_H(x·W_Vᵀ + b_V)
 *   q, k ← RoPE(q), RoPE(k) at absolute positions p₀ … p₀+T−1              (when configured)
 *   k, v ← concat_s(cache, k), concat_s(cache, v)                           (when a cache is given)
 *   logit[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,h,s,d]                    head h reads key head h
 *   logit ← c·tanh(logit / c)  (softcap c &gt; 0);  + additive mask;  −∞ where hidden
 *   p[b,h,t,·] = softmax_s(logit[b,h,t,·])                                   no visible key → zeros
 *   o[b,h,t,·] = Σ_s p[b,h,t,s] · v[b,h,s,·]
 *   out = merge_H(o)·W_Oᵀ + b_O
 * </pre>
 *
 * <h2>Shapes</h2>
 * <table>
 *   <caption>Arguments</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>finite; read only</td></tr>
 *   <tr><td>W_Q, W_K</td><td>[H·D, M]</td><td>{@link AttentionWeights}; read only</td></tr>
 *   <tr><td>W_V</td><td>[H·Dv, M]</td><td></td></tr>
 *   <tr><td>W_O</td><td>[M, H·Dv]</td><td></td></tr>
 *   <tr><td>cache</td><td>K [B, H, S₀, D], V [B, H, S₀, Dv]</td><td>optional; grown by T (keys after RoPE)</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 *   <tr><td>probabilities</td><td>[B, H, T, S], S = S₀ + T</td><td>new tensor</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * Scale 1/√D unless the configuration overrides it; softcap before masks; hidden logits −∞ and a
 * row with no visible key gives zeros; boolean masks read in a named convention, additive masks
 * added, both broadcasting from the right; causal queries numbered bottom-right unless the call
 * names another numbering ({@link AttentionOptions}). Positions are absolute.
 *
 * <h2>Source</h2>
 * Vaswani et al., "Attention Is All You Need" (2017), §3.2.1 (eq. 1) and §3.2.2 (multi-head);
 * RoPE: Su et al., RoFormer (2021), eq. 34; softcap: Gemma Team, "Gemma 2" (2024), attention logit soft-capping.
 * Differs from source: float64; RoPE, softcap, Dv ≠ D and biases are options; no dropout.
 *
 * <p>Checked by {@code MultiHeadAttentionTest} (hand-computed cases, bad input),
 * {@code GqaLawsTest} (GQA with G = H equals this), {@code OracleAgreementLawsTest} and the other
 * laws of {@code dev.attnref.attention}.
 */
public final class MultiHeadAttention implements SelfAttention<KvCache> {
    private final AttentionConfig config;
    private final AttentionWeights weights;

    /** A block with the given weights; {@code config} must have {@code numKvHeads = numHeads}. */
    public MultiHeadAttention(AttentionConfig config, AttentionWeights weights) {
        Checks.notNull("config", config);
        Checks.notNull("weights", weights);
        if (config.numKvHeads() != config.numHeads()) {
            throw new IllegalArgumentException("MultiHeadAttention needs numKvHeads (" + config.numKvHeads()
                    + ") equal to numHeads (" + config.numHeads() + "); use GroupedQueryAttention");
        }
        weights.requireFits(config);
        this.config = config;
        this.weights = weights;
    }

    /** A block with weights drawn from {@code random} ({@link AttentionWeights#init}). */
    public static MultiHeadAttention seeded(AttentionConfig config, SeededRandom random) {
        return new MultiHeadAttention(config, AttentionWeights.init(config, random));
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
        AttentionSteps.Call call = AttentionSteps.plan("MultiHeadAttention", config, x, cache, options);
        int numHeads = config.numHeads();
        int headDim = config.headDim();
        int valueDim = config.valueDim();

        // Step 1 — per-head projections: q = x·W_Qᵀ + b_Q split into H heads, likewise k and v.
        Tensor q = AttentionSteps.splitHeads(weights.query().forward(x), numHeads, headDim);    // [B, H, T, D]
        Tensor k = AttentionSteps.splitHeads(weights.key().forward(x), numHeads, headDim);      // [B, H, T, D]
        Tensor v = AttentionSteps.splitHeads(weights.value().forward(x), numHeads, valueDim);   // [B, H, T, Dv]

        // Step 2 — RoPE: row t of every head rotates by its absolute position p₀ + t.
        q = AttentionSteps.rotate(config, q, call.startPosition());                              // [B, H, T, D]
        k = AttentionSteps.rotate(config, k, call.startPosition());                              // [B, H, T, D]

        // Step 3 — k, v ← concat_s(cached, new): the new tokens take key indices S₀ … S₀+T−1.
        if (cache != null) {
            cache.append(k, v);
            k = cache.keys();                                                                    // [B, H, S, D]
            v = cache.values();                                                                  // [B, H, S, Dv]
        }

        // Step 4 — logit[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,h,s,d]: head h with key head h.
        // einsum: bhtd,bhsd->bhts
        Tensor scores = q.matmul(k.transpose(-2, -1)).mul(config.scale());                       // [B, H, T, S]

        // Step 5 — softcap, additive mask, −∞ where hidden; then p = softmax_s(logit).
        Tensor logits = AttentionSteps.logits(config, call, scores);                     // [B, H, T, S]
        Tensor p = AttentionSteps.softmaxOverKeys(logits);                               // [B, H, T, S]

        // Step 6 — o[b,h,t,·] = Σ_s p[b,h,t,s] · v[b,h,s,·].
        // einsum: bhts,bhsd->bhtd
        Tensor o = p.matmul(v);                                                                  // [B, H, T, Dv]

        // Step 7 — out = [o_0; …; o_{H−1}]·W_Oᵀ + b_O.
        Tensor out = weights.output().forward(AttentionSteps.mergeHeads(o));                     // [B, T, M]
        return new ForwardResult(out, logits, p);
    }
}
