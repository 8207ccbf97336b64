package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.checkInput;
import static dev.attnref.attention.AttentionSteps.gaussianLinear;
import static dev.attnref.attention.AttentionSteps.weight;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Multi-matrix factorization attention in Step-3's shape (docs/MATH.md, "MFA and MFA-KR"): H query
 * heads of width C from a low-rank, normalised query path, against one shared key/value head of
 * width C. It is MQA with a wide head and a factorized query projection.
 *
 * <h2>Equation (per token x, head i)</h2>
 * <pre>
 *   c_q  = RMSNorm(S_Q x) ⊙ w_q                   [C_q]
 *   q_i  = RoPE(Q_c,i c_q)                        [C]      every pair of the C dims rotates
 *   k    = RoPE(S_K x),   v = S_V x               [C]      one head, cached (k after rotation)
 *   logit_i[t,s] = q_i[t]·k[s] / √C,  −∞ for s &gt; S₀ + t;   p_i = softmax_s(logit_i)
 *   out  = W_O [o_1; …; o_H],   o_i[t] = Σ_s p_i[t,s] v[s]
 * </pre>
 *
 * <table>
 *   <caption>Weights (PyTorch {@code Linear} layout [out, in], no biases; the layout of {@code OracleMfa}) and shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>S_Q ({@code sQ})</td><td>[C_q, M]</td><td>query down-projection</td></tr>
 *   <tr><td>w_q ({@code qNorm})</td><td>[C_q]</td><td>RMSNorm weight</td></tr>
 *   <tr><td>Q_c ({@code qC})</td><td>[H·C, C_q]</td><td>rows [i·C, (i+1)·C) make head i</td></tr>
 *   <tr><td>S_K ({@code sK}), S_V ({@code sV})</td><td>[C, M]</td><td>the shared key and value</td></tr>
 *   <tr><td>W_O ({@code wO})</td><td>[M, H·C]</td><td>input column i·C + d reads o_i[d]</td></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite, T ≥ 1</td></tr>
 *   <tr><td>cache</td><td>{@link KvCache} with G = 1, D = Dv = C</td><td>2·C values per token, independent of H</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, S]</td></tr>
 * </table>
 *
 * <p>Conventions: causal, positions absolute ({@link SelfAttention}); scale 1/√C; masked logits −∞.
 * Source: Hu et al., "Multi-matrix Factorization Attention", arXiv:2412.19255; Step-3's
 * {@code config.json} ({@code num_attention_groups 1}, {@code head_dim 256}, {@code share_q_dim 2048}).
 *
 * <p>Checked by {@code MlaOracleAgreementTest} (against {@code OracleMfa}), {@code MfaLawTest}
 * (equals an independently written MQA of head width C), {@code LatentModulesCrosscheckTest},
 * {@code CachedAttentionLawTest}, {@code CacheSizeLawTest}.
 */
public final class Mfa extends FactorizedAttention<KvCache> {
    private final Tensor sV;

    private Mfa(MfaShape shape, MfaSettings settings, QueryAndKey queryAndKey, Tensor sV, Tensor wO) {
        super(shape, settings, queryAndKey, wO);
        this.sV = sV;
    }

    /** From explicit weights in the layout of the class table; {@code shape.keyReuse()} must be false. */
    public static Mfa of(MfaShape shape, MfaSettings settings, Tensor sQ, Tensor qNorm, Tensor qC, Tensor sK, Tensor sV,
            Tensor wO) {
        Checks.notNull("shape", shape);
        Checks.notNull("settings", settings);
        if (shape.keyReuse()) {
            throw new IllegalArgumentException("Mfa got a key-reuse shape (" + shape + "); expected keyReuse false "
                    + "(MfaKeyReuse is the key-reuse module)");
        }
        QueryAndKey queryAndKey = QueryAndKey.checked(shape, sQ, qNorm, qC, sK);
        Tensor value = weight("S_V (sV)", sV, shape.headDim(), shape.modelWidth());
        return new Mfa(shape, settings, queryAndKey, value, checkedOutput(shape, wO));
    }

    /**
     * Seeded weights, drawn in the order S_Q, w_q, Q_c, S_K, S_V, W_O, each row-major: projections
     * {@code N(0, 1)/√(fan-in)}, w_q {@code U(0.5, 1.5)}.
     */
    public static Mfa random(MfaShape shape, MfaSettings settings, SeededRandom random) {
        QueryAndKey drawn = QueryAndKey.random(shape, random);
        Tensor sV = gaussianLinear(random, shape.headDim(), shape.modelWidth());
        Tensor wO = randomOutput(shape, random);
        return of(shape, settings, drawn.sQ(), drawn.qNorm(), drawn.qC(), drawn.sK(), sV, wO);
    }

    public Tensor sV() {
        return sV;
    }

    @Override
    public KvCache newCache(int batchSize, int firstPosition) {
        return new KvCache(batchSize, 1, shape().headDim(), shape().headDim(), firstPosition);
    }

    @Override
    public ForwardResult forward(Tensor x, KvCache cache, AttentionOptions options) {
        Checks.notNull("cache", cache);
        checkInput("Mfa", x, modelWidth(), cache.batch(), options);
        cache.requireHeads("Mfa", 1, shape().headDim(), shape().headDim());
        int cachedBefore = cache.length();
        int start = cache.nextPosition();

        // Step 1. q_i = RoPE(Q_c,i · RMSNorm(S_Q x) ⊙ w_q).
        Tensor q = queries(x, start);                                                     // [B, H, T, C]

        // Step 2. The shared head: k = RoPE(S_K x), v = S_V x, appended to the cache as its one head (G = 1).
        Tensor key = rope().apply(x.matmul(sK().transpose(0, 1)), start);               // [B, T, C]
        Tensor value = x.matmul(sV.transpose(0, 1));                                     // [B, T, C]
        cache.append(key.unsqueeze(1), value.unsqueeze(1));                               // [B, 1, T, C]
        Tensor keys = cache.keys();                                                       // [B, 1, S, C]
        Tensor values = cache.values();                                                   // [B, 1, S, C]

        // Step 3. logit = q_i·k / √C, −∞ for s > S₀ + t; p = softmax_s.   einsum bhtc,bsc->bhts
        Tensor logits = logitsOverSharedKeys(q, keys, cachedBefore);                      // [B, H, T, S]
        Tensor probabilities = logits.softmax(-1);                                        // [B, H, T, S]

        // Step 4. o_i = Σ_s p_i[t,s] v[s]; out = W_O [o_1; …; o_H].   einsum bhts,bsc->bhtc
        Tensor heads = probabilities.matmul(values);                                      // [B, H, T, C]
        return projectHeads(heads, wO(), logits, probabilities);
    }
}
