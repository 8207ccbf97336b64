package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.mergeHeads;
import static dev.attnref.attention.AttentionSteps.rmsNorm;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.Tensor;

/**
 * Multi-head latent attention absorbed into precomputed weight products, the form the DeepSeek-V2
 * paper describes in §2.1.2 (W_UK absorbed into the query projection, W_UV into W_O): the per-head
 * products are formed once at construction, so a call never forms {@code q_C,i} or {@code o_i}.
 * Same cache ({@link LatentCache}), scale and results as {@link AbsorbedMla} (which re-associates at
 * run time instead) and {@link NaiveMla}, up to float64 rounding.
 *
 * <h2>Steps (per call over T new tokens, S₀ cached)</h2>
 * <pre>
 *   W_UK,iᵀ W_UQ,i  and  W_O,i W_UV,i                 formed once            [H, C, Q_in], [M, H·C]
 *   c_q            = RMSNorm(W_DQ x) ⊙ w_q          (x itself when C_q = 0)   [B, T, C_q]
 *   c_kv, k_R      = RMSNorm(c̃_kv) ⊙ w_kv, RoPE(k̃_R), appended to the cache  [B, S, C], [B, S, P]
 *   q̂_i            = (W_UK,iᵀ W_UQ,i) c_q,   q_R,i = RoPE(W_QR,i c_q)          [B, H, T, C], [B, H, T, P]
 *   logit_i[t,s]   = scale · (q̂_i[t]·c_kv[s] + q_R,i[t]·k_R[s]),  −∞ for s &gt; S₀ + t
 *   ô_i[t]         = Σ_s p_i[t,s] c_kv[s]                                     [B, H, T, C]
 *   out            = [W_O,1 W_UV,1, …, W_O,H W_UV,H] [ô_1; …; ô_H]             [B, T, M]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link LatentCache}</td><td>from {@link #newCache}; grows by T; C + P values per token</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 *   <tr><td>(W_UK,iᵀ W_UQ,i)ᵀ</td><td>[H, Q_in, C]</td><td>formed once from the weights</td></tr>
 *   <tr><td>W_O,i W_UV,i</td><td>[M, H·C]</td><td>formed once; column h·C + c reads ô_h[c]</td></tr>
 * </table>
 *
 * <p>Conventions: as {@link AbsorbedMla}. Source: DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434,
 * §2.1.2. Checked by {@code MlaOracleAgreementTest}, {@code MlaAbsorptionLawTest},
 * {@code LatentModulesCrosscheckTest}, {@code CachedAttentionLawTest}, {@code CacheSizeLawTest}.
 */
public final class PrecomputedAbsorbedMla implements SelfAttention<LatentCache> {
    private final MlaWeights weights;
    /** (W_UK,iᵀ W_UQ,i)ᵀ per head, [H, Q_in, C]. */
    private final Tensor queryToLatent;
    /** [W_O,1 W_UV,1, …, W_O,H W_UV,H], [M, H·C]. */
    private final Tensor latentToOutput;

    public PrecomputedAbsorbedMla(MlaWeights weights) {
        this.weights = Checks.notNull("weights", weights);
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
        checkInput("PrecomputedAbsorbedMla", x, modelWidth(), cache.batchSize(), options);
        MlaShape shape = weights.shape();
        int latentWidth = shape.kvLoraRank();
        int ropeDim = shape.qkRopeHeadDim();
        double eps = weights.settings().rmsEps();
        Rope rope = weights.rope();
        cache.requireWidths("PrecomputedAbsorbedMla", latentWidth, ropeDim);
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. [c̃_kv | k̃_R] = W_DKV x; c_kv = RMSNorm(c̃_kv) ⊙ w_kv and the rotated k_R join the cache.
        Tensor down = x.matmul(weights.wDkv().transpose(0, 1));                           // [B, T, C + P]
        cache.append(rmsNorm(down.narrow(-1, 0, latentWidth), weights.kvNorm(), eps),     // [B, T, C]
                rope.apply(down.narrow(-1, latentWidth, ropeDim), start));                // [B, T, P]
        Tensor latents = cache.latent().unsqueeze(1);                                     // [B, 1, S, C]
        Tensor ropeKeys = cache.ropeKey().unsqueeze(1);                                   // [B, 1, S, P]

        // Step 2. c_q = RMSNorm(W_DQ x) ⊙ w_q (x itself when C_q = 0); q̂_i = (W_UK,iᵀ W_UQ,i) c_q;
        //         q_R,i = RoPE(W_QR,i c_q).   einsum btq,hqc->bhtc
        Tensor queryInput = shape.qLoraRank() == 0 ? x
                : rmsNorm(x.matmul(weights.wDq().transpose(0, 1)), weights.qNorm(), eps);   // [B, T, Q_in]
        Tensor input = queryInput.unsqueeze(1);                                           // [B, 1, T, Q_in]
        Tensor latentQuery = input.matmul(queryToLatent);                                 // [B, H, T, C]
        Tensor ropeQuery = rope.apply(input.matmul(weights.queryRopeUp().transpose(1, 2)), start);   // [B, H, T, P]

        // Step 3. logit = scale · (q̂·c_kv + q_R·k_R), the same scale as the naive form, −∞ for s > S₀ + t.
        //         einsum bhtc,bsc->bhts + bhtp,bsp->bhts
        Tensor scores = latentQuery.matmul(latents.transpose(2, 3))
                .add(ropeQuery.matmul(ropeKeys.transpose(2, 3)))
                .mul(weights.softmaxScale());                                             // [B, H, T, S]
        Tensor logits = causalLogits(scores, cachedBefore);                               // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 4. ô_i = Σ_s p_i[t,s] c_kv[s], then out = [W_O,i W_UV,i]_i [ô_1; …; ô_H].
        //         einsum bhts,bsc->bhtc, bthc,mhc->btm
        Tensor latentHeads = probabilities.matmul(latents);                               // [B, H, T, C]
        Tensor output = mergeHeads(latentHeads).matmul(latentToOutput.transpose(0, 1));   // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }
}
