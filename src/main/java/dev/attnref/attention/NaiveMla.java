package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.mergeHeads;
import static dev.attnref.attention.AttentionSteps.rmsNorm;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;
import dev.attnref.core.Tensor;
import java.util.List;

/**
 * Multi-head latent attention in its naive form: every head's key and value are formed from the
 * latent and cached, as in training and in DeepSeek-V3's {@code inference/model.py} with
 * {@code attn_impl = "naive"}. The weights are those of {@link MlaWeights}; {@link #forward} computes
 * every equation in order, as {@code MLA.forward} does.
 *
 * <h2>Steps (per call over T new tokens, S₀ cached)</h2>
 * <pre>
 *   c_q           = RMSNorm(W_DQ x) ⊙ w_q        (x itself when C_q = 0)          [B, T, C_q]
 *   q_i           = [q_C,i | RoPE(q̃_R,i)],  [q_C,i | q̃_R,i] = W_UQ,i c_q          [B, H, T, D_nope + P]
 *   c_kv, k_R     = RMSNorm(c̃_kv) ⊙ w_kv, RoPE(k̃_R),  [c̃_kv | k̃_R] = W_DKV x     [B, T, C], [B, T, P]
 *   [k_C,i | v_i] = W_UKV,i c_kv                                                 [B, H, T, D_nope], [B, H, T, Dv]
 *   k_i           = [k_C,i | k_R]            (k_R copied to every head)          [B, H, T, D_nope + P]
 *   K, V          = cache ++ (k, v)                                              [B, H, S, ·], S = S₀ + T
 *   logit         = scale · q·Kᵀ, −∞ for s &gt; S₀ + t;  p = softmax_s(logit)        [B, H, T, S]
 *   out           = W_O [p·V merged over heads]                                  [B, T, M]
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link KvCache} with G = H, D = D_nope + P</td><td>from {@link #newCache}; grows by T</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute ({@link SelfAttention}); masked logits −∞.
 * Cache per token per layer: {@code H·(D_nope + P) + H·Dv} ({@link MlaShape#naiveKvValuesPerTokenPerLayer()}).
 * Source: DeepSeek-V2, arXiv:2405.04434, §2.1, equations 9–19.
 *
 * <p>Checked by {@code MlaOracleAgreementTest} (against {@code OracleMla}), {@code MlaAbsorptionLawTest},
 * {@code LatentModulesCrosscheckTest} (against PyTorch), {@code CachedAttentionLawTest},
 * {@code MlaStructureLawTest}, {@code CacheSizeLawTest}.
 */
public final class NaiveMla implements SelfAttention<KvCache> {
    private final MlaWeights weights;

    public NaiveMla(MlaWeights weights) {
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
    public KvCache newCache(int batchSize, int firstPosition) {
        MlaShape shape = weights.shape();
        return new KvCache(batchSize, shape.numHeads(), shape.qkHeadDim(), shape.vHeadDim(), firstPosition);
    }

    @Override
    public ForwardResult forward(Tensor x, KvCache cache, AttentionOptions options) {
        Checks.notNull("cache", cache);
        checkInput("NaiveMla", x, modelWidth(), cache.batch(), options);
        MlaShape shape = weights.shape();
        int numHeads = shape.numHeads();
        int latentWidth = shape.kvLoraRank();
        int nopeDim = shape.qkNopeHeadDim();
        int ropeDim = shape.qkRopeHeadDim();
        int valueDim = shape.vHeadDim();
        double eps = weights.settings().rmsEps();
        Rope rope = weights.rope();
        cache.requireHeads("NaiveMla", numHeads, shape.qkHeadDim(), valueDim);
        int batch = x.size(0);
        int qLen = x.size(1);
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. c_q = RMSNorm(W_DQ x) ⊙ w_q; without query compression (C_q = 0) the query input is x.
        Tensor queryInput = shape.qLoraRank() == 0 ? x                                    // [B, T, M]
                : rmsNorm(x.matmul(weights.wDq().transpose(0, 1)), weights.qNorm(), eps);   // [B, T, C_q]

        // Step 2. [q_C,i | q̃_R,i] = W_UQ,i c_q (or W_Q,i x); q_R,i = RoPE(q̃_R,i); q_i = [q_C,i | q_R,i].
        Tensor q = queryInput.matmul(weights.queryUp().transpose(0, 1))                  // [B, T, H·(D_nope + P)]
                .view(batch, qLen, numHeads, shape.qkHeadDim())                           // [B, T, H, D_nope + P]
                .transpose(1, 2);                                                         // [B, H, T, D_nope + P]
        Tensor queryRope = rope.apply(q.narrow(-1, nopeDim, ropeDim), start);            // [B, H, T, P]
        Tensor query = Tensor.cat(List.of(q.narrow(-1, 0, nopeDim), queryRope), -1);     // [B, H, T, D_nope + P]

        // Step 3. [c̃_kv | k̃_R] = W_DKV x; c_kv = RMSNorm(c̃_kv) ⊙ w_kv (never k̃_R); k_R = RoPE(k̃_R).
        Tensor down = x.matmul(weights.wDkv().transpose(0, 1));                           // [B, T, C + P]
        Tensor latent = rmsNorm(down.narrow(-1, 0, latentWidth), weights.kvNorm(), eps);  // [B, T, C]
        Tensor ropeKey = rope.apply(down.narrow(-1, latentWidth, ropeDim), start);        // [B, T, P]

        // Step 4. [k_C,i | v_i] = W_UKV,i c_kv.   einsum btc,hec->bhte
        Tensor upProjected = latent.matmul(weights.wUkv().transpose(0, 1))                // [B, T, H·(D_nope + Dv)]
                .view(batch, qLen, numHeads, nopeDim + valueDim)                          // [B, T, H, D_nope + Dv]
                .transpose(1, 2);                                                         // [B, H, T, D_nope + Dv]
        Tensor keyNope = upProjected.narrow(-1, 0, nopeDim);                               // [B, H, T, D_nope]
        Tensor value = upProjected.narrow(-1, nopeDim, valueDim);                          // [B, H, T, Dv]

        // Step 5. k_i = [k_C,i | k_R]: the one rotated k_R is copied into every head's key; K, V = cache ++ (k, v).
        Tensor sharedRopeKey = ropeKey.unsqueeze(1).expand(batch, numHeads, qLen, ropeDim);   // [B, H, T, P]
        cache.append(Tensor.cat(List.of(keyNope, sharedRopeKey), -1), value);
        Tensor keys = cache.keys();                                                        // [B, H, S, D_nope + P]

        // Step 6. logit = scale · q·Kᵀ, scale = (0.1·m·ln f + 1)² / √(D_nope + P).   einsum bhtd,bhsd->bhts
        Tensor scores = query.matmul(keys.transpose(2, 3)).mul(weights.softmaxScale());   // [B, H, T, S]

        // Step 7. −∞ for s > S₀ + t, p = softmax_s(logit).
        Tensor logits = causalLogits(scores, cachedBefore);                               // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 8. o_i = Σ_s p_i[t,s] v_i[s]; out = W_O [o_1; …; o_H].   einsum bhts,bhsv->bhtv
        Tensor heads = probabilities.matmul(cache.values());                              // [B, H, T, Dv]
        Tensor output = mergeHeads(heads).matmul(weights.wO().transpose(0, 1));          // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }
}
