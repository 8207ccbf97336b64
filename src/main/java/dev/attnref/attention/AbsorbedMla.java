package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.mergeHeads;
import static dev.attnref.attention.AttentionSteps.rmsNorm;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.Tensor;

/**
 * Multi-head latent attention in its absorbed form, re-associated at run time as DeepSeek-V3's
 * {@code inference/model.py} does with {@code attn_impl = "absorb"}: attention runs in latent space
 * against the cached {@code c_kv} and the one rotated {@code k_R}, so no per-head key or value is
 * ever formed or cached, and no weight product is stored. Same weights ({@link MlaWeights}), same
 * scale and same results as {@link NaiveMla}, up to float64 rounding (docs/MATH.md: ~1e-16 relative).
 * {@link PrecomputedAbsorbedMla} is the same attention with the weight products formed once.
 *
 * <h2>Steps (per call over T new tokens, S₀ cached)</h2>
 * <pre>
 *   c_q            = RMSNorm(W_DQ x) ⊙ w_q          (x itself when C_q = 0)      [B, T, C_q]
 *   q_C,i, q_R,i   = [q_C,i | q̃_R,i] = W_UQ,i c_q, then q_R,i = RoPE(q̃_R,i)     [B, H, T, D_nope], [B, H, T, P]
 *   c_kv, k_R      = RMSNorm(c̃_kv) ⊙ w_kv, RoPE(k̃_R), appended to the cache    [B, S, C], [B, S, P]
 *   q̂_i            = W_UK,iᵀ q_C,i                  the key side re-associated  [B, H, T, C]
 *   logit_i[t,s]   = scale · (q̂_i[t]·c_kv[s] + q_R,i[t]·k_R[s]),  −∞ for s &gt; S₀ + t
 *   ô_i[t]         = Σ_s p_i[t,s] c_kv[s]           the value side re-associated [B, H, T, C]
 *   out            = W_O [W_UV,1 ô_1; …; W_UV,H ô_H]                            [B, T, M]
 * </pre>
 * Both re-associations rest on identities exact in real arithmetic (docs/MATH.md, "Absorption"):
 * {@code q_C,i·(W_UK,i c_kv) = (W_UK,iᵀ q_C,i)·c_kv} and {@code Σ_s p_s W_UV,i c_kv,s = W_UV,i Σ_s p_s c_kv,s}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link LatentCache}</td><td>from {@link #newCache}; grows by T; C + P values per token</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute ({@link SelfAttention}); masked logits −∞. RoPE
 * rotates only the decoupled parts, which is what keeps absorption exact: a rotation between
 * W_UQ and W_UK would depend on both positions and could not be folded into one matrix.
 *
 * <p>Source: DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, §2.1.2–2.1.3; DeepSeek-V3
 * {@code inference/model.py}, {@code MLA.forward} with {@code attn_impl = "absorb"}. Differs from
 * source: the cache is grown by concatenation, not preallocated.
 *
 * <p>Checked by {@code MlaOracleAgreementTest}, {@code MlaAbsorptionLawTest} (equals
 * {@link NaiveMla}, and the mutants that must break it), {@code LatentModulesCrosscheckTest} (against
 * PyTorch's absorbed form), {@code CachedAttentionLawTest}, {@code CacheSizeLawTest}.
 */
public final class AbsorbedMla implements SelfAttention<LatentCache> {
    private final MlaWeights weights;

    public AbsorbedMla(MlaWeights weights) {
        this.weights = Checks.notNull("weights", weights);
    }

    public MlaWeights weights() {
        return weights;
    }

    @Override
    public int modelWidth() {
        return weights.shape().modelWidth();
    }

    @Override
    public int numHeads() {
        return weights.shape().numHeads();
    }

    @Override
    public LatentCache newCache(int batchSize, int firstPosition) {
        return new LatentCache(batchSize, firstPosition, weights.shape().kvLoraRank(), weights.shape().qkRopeHeadDim());
    }

    @Override
    public ForwardResult forward(Tensor x, LatentCache cache, AttentionOptions options) {
        Checks.notNull("cache", cache);
        checkInput("AbsorbedMla", x, modelWidth(), cache.batchSize(), options);
        MlaShape shape = weights.shape();
        int latentWidth = shape.kvLoraRank();
        int ropeDim = shape.qkRopeHeadDim();
        double eps = weights.settings().rmsEps();
        Rope rope = weights.rope();
        cache.requireWidths("AbsorbedMla", latentWidth, ropeDim);
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. c_q = RMSNorm(W_DQ x) ⊙ w_q; without query compression (C_q = 0) the query input is x.
        Tensor queryInput = shape.qLoraRank() == 0 ? x                                    // [B, T, M]
                : rmsNorm(x.matmul(weights.wDq().transpose(0, 1)), weights.qNorm(), eps);   // [B, T, C_q]

        // Step 2. [q_C,i | q̃_R,i] = W_UQ,i c_q (or W_Q,i x); q_R,i = RoPE(q̃_R,i).
        Tensor q = queryInput.matmul(weights.queryUp().transpose(0, 1))                  // [B, T, H·(D_nope + P)]
                .view(x.size(0), x.size(1), shape.numHeads(), shape.qkHeadDim())         // [B, T, H, D_nope + P]
                .transpose(1, 2);                                                         // [B, H, T, D_nope + P]
        Tensor queryNope = q.narrow(-1, 0, shape.qkNopeHeadDim());                        // [B, H, T, D_nope]
        Tensor ropeQuery = rope.apply(q.narrow(-1, shape.qkNopeHeadDim(), ropeDim), start);   // [B, H, T, P]

        // Step 3. [c̃_kv | k̃_R] = W_DKV x; c_kv = RMSNorm(c̃_kv) ⊙ w_kv and the rotated k_R join the cache.
        Tensor down = x.matmul(weights.wDkv().transpose(0, 1));                           // [B, T, C + P]
        cache.append(rmsNorm(down.narrow(-1, 0, latentWidth), weights.kvNorm(), eps),     // [B, T, C]
                rope.apply(down.narrow(-1, latentWidth, ropeDim), start));                // [B, T, P]
        Tensor latents = cache.latent().unsqueeze(1);                                     // [B, 1, S, C]
        Tensor ropeKeys = cache.ropeKey().unsqueeze(1);                                   // [B, 1, S, P]

        // Step 4. q̂_i = W_UK,iᵀ q_C,i: the query moved into latent space.   einsum bhtn,hnc->bhtc
        Tensor latentQuery = queryNope.matmul(weights.keyUp());                           // [B, H, T, C]

        // Step 5. logit = scale · (q̂·c_kv + q_R·k_R), the same scale as the naive form, −∞ for s > S₀ + t.
        //         einsum bhtc,bsc->bhts + bhtp,bsp->bhts
        Tensor scores = latentQuery.matmul(latents.transpose(2, 3))
                .add(ropeQuery.matmul(ropeKeys.transpose(2, 3)))
                .mul(weights.softmaxScale());                                             // [B, H, T, S]
        Tensor logits = causalLogits(scores, cachedBefore);                               // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 6. ô_i = Σ_s p_i[t,s] c_kv[s]: the weighted sum stays in latent space.   einsum bhts,bsc->bhtc
        Tensor latentHeads = probabilities.matmul(latents);                               // [B, H, T, C]

        // Step 7. o_i = W_UV,i ô_i, out = W_O [o_1; …; o_H].   einsum bhtc,hvc->bhtv
        Tensor heads = latentHeads.matmul(weights.valueUp().transpose(1, 2));             // [B, H, T, Dv]
        Tensor output = mergeHeads(heads).matmul(weights.wO().transpose(0, 1));           // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }
}
