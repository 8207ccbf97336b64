package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Multi-query self-attention: H query heads share one key head and one value head ({@code G = 1}).
 * The single key/value head is never copied per query head: it is broadcast over the head axis.
 *
 * <h2>Equation</h2>
 * <pre>
 *   q = split_H(x·W_Qᵀ + b_Q)                 [B, H, T, D]
 *   k = x·W_Kᵀ + b_K,   v = x·W_Vᵀ + b_V      [B, T, D], [B, T, Dv]     one head, no head axis
 *   q, k ← RoPE(q), RoPE(k) at absolute positions p₀ … p₀+T−1          (when configured)
 *   k, v ← concat_s(cache, k), concat_s(cache, v)                       (when a cache is given)
 *   logit[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,s,d]                  every head reads the one key head
 *   logit ← c·tanh(logit / c)  (softcap c &gt; 0);  + additive mask;  −∞ where hidden
 *   p[b,h,t,·] = softmax_s(logit[b,h,t,·])                               no visible key → zeros
 *   o[b,h,t,·] = Σ_s p[b,h,t,s] · v[b,s,·]
 *   out = merge_H(o)·W_Oᵀ + b_O
 * </pre>
 *
 * <h2>Shapes</h2>
 * <table>
 *   <caption>Arguments</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>finite; read only</td></tr>
 *   <tr><td>W_Q</td><td>[H·D, M]</td><td>{@link AttentionWeights}; read only</td></tr>
 *   <tr><td>W_K</td><td>[D, M]</td><td>one key head</td></tr>
 *   <tr><td>W_V</td><td>[Dv, M]</td><td>one value head</td></tr>
 *   <tr><td>W_O</td><td>[M, H·Dv]</td><td></td></tr>
 *   <tr><td>cache</td><td>K [B, 1, S₀, D], V [B, 1, S₀, Dv]</td><td>optional; grown by T (keys after RoPE)</td></tr>
 *   <tr><td>out</td><td>[B, T, M]</td><td>new tensor</td></tr>
 *   <tr><td>probabilities</td><td>[B, H, T, S], S = S₀ + T</td><td>new tensor</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * As {@link MultiHeadAttention}: scale 1/√D unless overridden; softcap before masks; hidden
 * logits −∞, empty rows give zeros; named mask convention; causal queries bottom-right unless the
 * call says otherwise; absolute positions. The cache keeps a head axis of size 1 so that one
 * {@link KvCache} layout serves the whole family.
 *
 * <h2>Source</h2>
 * Shazeer, "Fast Transformer Decoding: One Write-Head is All You Need" (2019); Falcon-7B uses it
 * (docs/MATH.md catalogue). Differs from source: float64; RoPE, softcap, Dv ≠ D and biases are options.
 *
 * <p>Checked by {@code MultiQueryAttentionTest} (hand-computed cases, bad input),
 * {@code GqaLawsTest} (GQA with G = 1 equals this), {@code OracleAgreementLawsTest} and the other
 * laws of {@code dev.attnref.attention}.
 */
public final class MultiQueryAttention implements SelfAttention<KvCache> {
    private final AttentionConfig config;
    private final AttentionWeights weights;

    /** A block with the given weights; {@code config} must have {@code numKvHeads = 1}. */
    public MultiQueryAttention(AttentionConfig config, AttentionWeights weights) {
        Checks.notNull("config", config);
        Checks.notNull("weights", weights);
        if (config.numKvHeads() != 1) {
            throw new IllegalArgumentException("MultiQueryAttention needs numKvHeads (" + config.numKvHeads()
                    + ") equal to 1; use GroupedQueryAttention");
        }
        weights.requireFits(config);
        this.config = config;
        this.weights = weights;
    }

    /** A block with weights drawn from {@code random} ({@link AttentionWeights#init}). */
    public static MultiQueryAttention seeded(AttentionConfig config, SeededRandom random) {
        return new MultiQueryAttention(config, AttentionWeights.init(config, random));
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
        AttentionSteps.Call call = AttentionSteps.plan("MultiQueryAttention", config, x, cache, options);

        // Step 1 — projections: H query heads; one key head and one value head, kept without a head axis.
        Tensor q = AttentionSteps.splitHeads(weights.query().forward(x), config.numHeads(), config.headDim());  // [B, H, T, D]
        Tensor k = weights.key().forward(x);                                                    // [B, T, D]
        Tensor v = weights.value().forward(x);                                                  // [B, T, Dv]

        // Step 2 — RoPE: query row t of every head, and key row t, rotate by position p₀ + t.
        q = AttentionSteps.rotate(config, q, call.startPosition());                             // [B, H, T, D]
        k = AttentionSteps.rotate(config, k, call.startPosition());                             // [B, T, D]

        // Step 3 — k, v ← concat_s(cached, new); the cache stores the one head as G = 1.
        if (cache != null) {
            cache.append(k.unsqueeze(1), v.unsqueeze(1));                                       // [B, 1, T, ·]
            k = cache.keys().squeeze(1);                                                        // [B, S, D]
            v = cache.values().squeeze(1);                                                      // [B, S, Dv]
        }

        // Step 4 — logit[b,h,t,s] = scale · Σ_d q[b,h,t,d] · k[b,s,d]: k broadcast over the H heads.
        // einsum: bhtd,bsd->bhts
        Tensor keysT = k.transpose(-2, -1).unsqueeze(1);                                        // [B, 1, D, S]
        Tensor scores = q.matmul(keysT).mul(config.scale());                                    // [B, H, T, S]

        // Step 5 — softcap, additive mask, −∞ where hidden; then p = softmax_s(logit).
        Tensor logits = AttentionSteps.logits(config, call, scores);                    // [B, H, T, S]
        Tensor p = AttentionSteps.softmaxOverKeys(logits);                              // [B, H, T, S]

        // Step 6 — o[b,h,t,·] = Σ_s p[b,h,t,s] · v[b,s,·]: v broadcast over the H heads.
        // einsum: bhts,bsd->bhtd
        Tensor o = p.matmul(v.unsqueeze(1));                                                    // [B, H, T, Dv]

        // Step 7 — out = [o_0; …; o_{H−1}]·W_Oᵀ + b_O.
        Tensor out = weights.output().forward(AttentionSteps.mergeHeads(o));                    // [B, T, M]
        return new ForwardResult(out, logits, p);
    }
}
