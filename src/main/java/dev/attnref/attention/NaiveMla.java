package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.causalLogits;
import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.mergeHeads;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.List;

/**
 * Multi-head latent attention in its naive form: every head's key and value are formed from the
 * latent and cached, as in training and in DeepSeek-V3's {@code inference/model.py} with
 * {@code attn_impl = "naive"}. The weights and equations are those of {@link MlaWeights}.
 *
 * <h2>Steps (per call over T new tokens, S₀ cached)</h2>
 * <pre>
 *   q_C,i, q_R,i  from the query input (MlaWeights), q_i = [q_C,i | q_R,i]       [B, H, T, D_nope + P]
 *   c_kv, k_R     = compress(x)                                                  [B, T, C], [B, T, P]
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
        int nopeDim = shape.qkNopeHeadDim();
        int valueDim = shape.vHeadDim();
        cache.requireHeads("NaiveMla", numHeads, shape.qkHeadDim(), valueDim);
        int batch = x.size(0);
        int qLen = x.size(1);
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. q_i = [q_C,i | RoPE(q̃_R,i)] from c_q = RMSNorm(W_DQ x) ⊙ w_q (or from x).
        MlaWeights.QueryHeads q = weights.queryHeads(weights.queryInput(x), start);
        Tensor query = Tensor.cat(List.of(q.nope(), q.rotated()), -1);                 // [B, H, T, D_nope + P]

        // Step 2. c_kv = RMSNorm(c̃_kv) ⊙ w_kv and k_R = RoPE(k̃_R) from [c̃_kv | k̃_R] = W_DKV x.
        MlaWeights.Compressed compressed = weights.compress(x, start);

        // Step 3. [k_C,i | v_i] = W_UKV,i c_kv.   einsum btc,hec->bhte
        Tensor upProjected = compressed.latent().matmul(weights.wUkv().transpose(0, 1))   // [B, T, H·(D_nope + Dv)]
                .view(batch, qLen, numHeads, nopeDim + valueDim)                          // [B, T, H, D_nope + Dv]
                .transpose(1, 2);                                                         // [B, H, T, D_nope + Dv]
        Tensor keyNope = upProjected.narrow(-1, 0, nopeDim);                               // [B, H, T, D_nope]
        Tensor value = upProjected.narrow(-1, nopeDim, valueDim);                          // [B, H, T, Dv]

        // Step 4. k_i = [k_C,i | k_R]: the one rotated k_R is copied into every head's key.
        Tensor sharedRopeKey = compressed.ropeKey().unsqueeze(1)
                .expand(batch, numHeads, qLen, shape.qkRopeHeadDim());                    // [B, H, T, P]
        cache.append(Tensor.cat(List.of(keyNope, sharedRopeKey), -1), value);
        Tensor keys = cache.keys();                                                        // [B, H, S, D_nope + P]

        // Step 5. logit = scale · q·Kᵀ, scale = (0.1·m·ln f + 1)² / √(D_nope + P).   einsum bhtd,bhsd->bhts
        Tensor scores = query.matmul(keys.transpose(2, 3)).mul(weights.softmaxScale());   // [B, H, T, S]

        // Step 6. −∞ for s > S₀ + t, p = softmax_s(logit).
        Tensor logits = causalLogits(scores, cachedBefore);                               // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 7. o_i = Σ_s p_i[t,s] v_i[s]; out = W_O [o_1; …; o_H].   einsum bhts,bhsv->bhtv
        Tensor heads = probabilities.matmul(cache.values());                              // [B, H, T, Dv]
        Tensor output = mergeHeads(heads).matmul(weights.wO().transpose(0, 1));          // [B, T, M]
        return new ForwardResult(output, logits, probabilities);
    }
}
