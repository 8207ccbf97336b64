package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.mergeHeads;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;

/**
 * Multi-head latent attention in its absorbed form: attention runs in latent space against the
 * cached {@code c_kv} and the one rotated {@code k_R}, so no per-head key or value is ever formed or
 * cached. Same weights ({@link MlaWeights}), same scale and same results as {@link NaiveMla}, up to
 * float64 rounding (MATH.md: ~1e-16 relative).
 *
 * <h2>Steps (per call over T new tokens, S₀ cached; realisation as {@link MlaAbsorption} names)</h2>
 * <pre>
 *   c_kv, k_R         = compress(x), appended to the cache                     [B, S, C], [B, S, P]
 *   q_R,i             = RoPE(W_QR,i c_q)                                       [B, H, T, P]
 *   q̂_i               = W_UK,iᵀ q_C,i                   run-time re-association [B, H, T, C]
 *                     = (W_UK,iᵀ W_UQ,i) c_q            precomputed products
 *   logit_i[t,s]      = scale · (q̂_i[t]·c_kv[s] + q_R,i[t]·k_R[s]),  −∞ for s &gt; S₀ + t
 *   ô_i[t]            = Σ_s p_i[t,s] c_kv[s]                                  [B, H, T, C]
 *   out               = W_O [W_UV,1 ô_1; …; W_UV,H ô_H]  run-time re-association [B, T, M]
 *                     = [W_O,1 W_UV,1, …, W_O,H W_UV,H] [ô_1; …; ô_H]   precomputed products
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link LatentCache}</td><td>from {@link #newCache}; grows by T; C + P values per token</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 *   <tr><td>W_UK,iᵀ W_UQ,i (precomputed)</td><td>[H, C, Q_in]</td><td>formed once from the weights</td></tr>
 *   <tr><td>W_O,i W_UV,i (precomputed)</td><td>[M, H·C]</td><td>formed once; column h·C + c reads ô_h[c]</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute ({@link SelfAttention}); masked logits −∞. RoPE
 * rotates only the decoupled parts, which is what keeps absorption exact: a rotation between
 * W_UQ and W_UK would depend on both positions and could not be folded into one matrix.
 *
 * <p>Source: DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, §2.1.2–2.1.3; DeepSeek-V3
 * {@code inference/model.py}, {@code MLA.forward} with {@code attn_impl = "absorb"} (the run-time
 * re-association). Differs from source: the cache is grown by concatenation, not preallocated.
 *
 * <p>Checked by {@code MlaOracleAgreementTest}, {@code MlaAbsorptionLawTest} (equals
 * {@link NaiveMla}, and the mutants that must break it), {@code LatentModulesCrosscheckTest} (against
 * PyTorch's absorbed form), {@code CachedAttentionLawTest}, {@code CacheSizeLawTest}.
 */
public final class AbsorbedMla implements SelfAttention<LatentCache> {
    private final MlaWeights weights;
    private final MlaAbsorption absorption;
    /** Precomputed products only: (W_UK,iᵀ W_UQ,i)ᵀ per head, [H, Q_in, C]; null otherwise. */
    private final Tensor queryToLatent;
    /** Precomputed products only: [W_O,1 W_UV,1, …, W_O,H W_UV,H], [M, H·C]; null otherwise. */
    private final Tensor latentToOutput;

    public AbsorbedMla(MlaWeights weights, MlaAbsorption absorption) {
        this.weights = Checks.notNull("weights", weights);
        this.absorption = Checks.notNull("absorption", absorption);
        if (absorption == MlaAbsorption.PRECOMPUTED_PRODUCTS) {
            MlaShape shape = weights.shape();
            int modelWidth = shape.modelWidth();
            int numHeads = shape.numHeads();
            // W_UK,iᵀ W_UQ,i for every head.   einsum hnc,hnq->hcq
            Tensor queryKey = weights.keyUp().transpose(1, 2).matmul(weights.queryNopeUp());   // [H, C, Q_in]
            this.queryToLatent = queryKey.transpose(1, 2).contiguous();                          // [H, Q_in, C]
            // W_O,i W_UV,i for every head, laid side by side.   einsum mhv,hvc->mhc
            Tensor outputPerHead = weights.wO().view(modelWidth, numHeads, shape.vHeadDim())
                    .permute(1, 0, 2);                                                            // [H, M, Dv]
            this.latentToOutput = outputPerHead.matmul(weights.valueUp())                         // [H, M, C]
                    .permute(1, 0, 2)                                                             // [M, H, C]
                    .reshape(modelWidth, numHeads * shape.kvLoraRank());                          // [M, H·C]
        } else {
            this.queryToLatent = null;
            this.latentToOutput = null;
        }
    }

    public MlaWeights weights() {
        return weights;
    }

    public MlaAbsorption absorption() {
        return absorption;
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
        cache.requireWidths("AbsorbedMla", shape.kvLoraRank(), shape.qkRopeHeadDim());
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. c_kv and the rotated k_R of the new tokens join the cache: C + P values per token.
        MlaWeights.Compressed compressed = weights.compress(x, start);
        cache.append(compressed.latent(), compressed.ropeKey());
        Tensor latents = cache.latent().unsqueeze(1);                                     // [B, 1, S, C]
        Tensor ropeKeys = cache.ropeKey().unsqueeze(1);                                   // [B, 1, S, P]

        // Step 2. The query in latent space, q̂_i, and the rotated query part q_R,i.
        Tensor queryInput = weights.queryInput(x);                                        // [B, T, Q_in]
        Tensor latentQuery;                                                               // [B, H, T, C]
        Tensor ropeQuery;                                                                 // [B, H, T, P]
        if (absorption == MlaAbsorption.RUN_TIME_REASSOCIATION) {
            // q̂_i = W_UK,iᵀ q_C,i.   einsum bhtn,hnc->bhtc
            MlaWeights.QueryHeads q = weights.queryHeads(queryInput, start);
            latentQuery = q.nope().matmul(weights.keyUp());                               // [B, H, T, C]
            ropeQuery = q.rotated();
        } else {
            // q̂_i = (W_UK,iᵀ W_UQ,i) c_q; q_R,i = RoPE(W_QR,i c_q).   einsum btq,hqc->bhtc
            Tensor input = queryInput.unsqueeze(1);                                       // [B, 1, T, Q_in]
            latentQuery = input.matmul(queryToLatent);                                    // [B, H, T, C]
            ropeQuery = weights.rope().apply(input.matmul(weights.queryRopeUp().transpose(1, 2)), start);   // [B, H, T, P]
        }

        // Step 3. logit = scale · (q̂·c_kv + q_R·k_R), the same scale as the naive form.
        //         einsum bhtc,bsc->bhts + bhtp,bsp->bhts
        Tensor scores = latentQuery.matmul(latents.transpose(2, 3))
                .add(ropeQuery.matmul(ropeKeys.transpose(2, 3)))
                .mul(weights.softmaxScale());                                             // [B, H, T, S]

        // Step 4. −∞ for s > S₀ + t, p = softmax_s(logit).
        Tensor logits = causalLogits(scores, cachedBefore);                               // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 5. ô_i = Σ_s p_i[t,s] c_kv[s]: the weighted sum stays in latent space.   einsum bhts,bsc->bhtc
        Tensor latentHeads = probabilities.matmul(latents);                               // [B, H, T, C]

        // Step 6. Back to model width through W_UV and W_O.
        Tensor output;
        if (absorption == MlaAbsorption.RUN_TIME_REASSOCIATION) {
            // o_i = W_UV,i ô_i, out = W_O [o_1; …; o_H].   einsum bhtc,hvc->bhtv
            Tensor heads = latentHeads.matmul(weights.valueUp().transpose(1, 2));        // [B, H, T, Dv]
            output = mergeHeads(heads).matmul(weights.wO().transpose(0, 1));             // [B, T, M]
        } else {
            // out = [W_O,i W_UV,i]_i [ô_1; …; ô_H].   einsum bthc,mhc->btm
            output = mergeHeads(latentHeads).matmul(latentToOutput.transpose(0, 1));     // [B, T, M]
        }
        return new ForwardResult(output, logits, probabilities);
    }
}
