package dev.attnref.model;

import dev.attnref.attention.AbsorbedMla;
import dev.attnref.attention.Mfa;
import dev.attnref.attention.MfaKeyReuse;
import dev.attnref.attention.MfaShape;
import dev.attnref.attention.MlaShape;
import dev.attnref.attention.MlaWeights;
import dev.attnref.attention.NaiveMla;
import dev.attnref.attention.PrecomputedAbsorbedMla;
import dev.attnref.attention.SelfAttention;
import dev.attnref.core.Rope;
import dev.attnref.core.Tensor;
import java.util.List;

/**
 * The projection steps of MLA, MFA and MFA-KR for a {@link ShapeTrace}, as {@link WalkthroughAttention}
 * records GQA's: every down- and up-projection, the heads, RoPE, and the way back to model width.
 * The module computes the layer's output; these steps form the same projections from the module's
 * own weights, for the trace only, so that each printed shape is the shape of a real tensor.
 *
 * <table>
 *   <caption>Steps recorded (letters of {@code core/package-info}; C_q the query latent, Dn = D_nope)</caption>
 *   <tr><th>variant</th><th>before attention</th><th>after the softmax</th></tr>
 *   <tr><td>MLA</td><td>c_q = RMSNorm(x·W_DQᵀ), q = c_q·W_UQᵀ split into q_C and RoPE(q_R);
 *       [c̃_kv | k̃_R] = x·W_DKVᵀ, c_kv = RMSNorm(c̃_kv), k_R = RoPE(k̃_R); naive: k_C, v = c_kv·W_UK,iᵀ,
 *       c_kv·W_UV,iᵀ; absorbed: q̂ = q_C·W_UK,i</td>
 *       <td>naive: o = p·V; absorbed: ô = p·c_kv, o = ô·W_UV,iᵀ; merge</td></tr>
 *   <tr><td>MFA, MFA-KR</td><td>c_q = RMSNorm(x·S_Qᵀ), q = RoPE(c_q·Q_Cᵀ) per head; k̄ = x·S_Kᵀ,
 *       k = RoPE(k̄); MFA: v = x·S_Vᵀ</td><td>o = p·v (MFA-KR: ō = p·k̄, folded into W_O); merge</td></tr>
 * </table>
 *
 * <p>Checked by {@code ModelCommandsTest} (every step of each variant, with its shape).
 */
final class LatentProjections {
    private LatentProjections() {
    }

    /** Records the steps that form queries and keys from {@code x [B, T, M]} at positions {@code start …}. */
    static void queriesAndKeys(SelfAttention<?> module, Tensor x, int start, ShapeTrace trace) {
        if (module instanceof NaiveMla naive) {
            Tensor latent = mlaQueriesAndLatent(naive.weights(), x, start, trace).latent;
            MlaWeights w = naive.weights();
            trace.record("k_C = c_kv·W_UK,iᵀ per head", "B, H, T, Dn", latent.unsqueeze(1).matmul(w.keyUp().transpose(1, 2)));
            trace.record("v = c_kv·W_UV,iᵀ per head", "B, H, T, Dv", latent.unsqueeze(1).matmul(w.valueUp().transpose(1, 2)));
        } else if (absorbedWeights(module) != null) {
            MlaWeights w = absorbedWeights(module);
            Tensor queryNope = mlaQueriesAndLatent(w, x, start, trace).queryNope;
            trace.record("q̂ = q_C·W_UK,i (query in latent space)", "B, H, T, C",
                    queryNope.matmul(w.keyUp()));                                           // [B, H, T, C]
        } else if (module instanceof Mfa mfa) {
            mfaQueriesAndKeys(new QueryAndKey(mfa.shape(), mfa.settings().rmsEps(), mfa.sQ(), mfa.qNorm(), mfa.qC(),
                    mfa.sK(), mfa.rope()), x, start, trace, "k̃ = x·S_Kᵀ");
            trace.record("v = x·S_Vᵀ, one for all heads", "B, T, C", x.matmul(mfa.sV().transpose(0, 1)));
        } else if (module instanceof MfaKeyReuse keyReuse) {
            mfaQueriesAndKeys(new QueryAndKey(keyReuse.shape(), keyReuse.settings().rmsEps(), keyReuse.sQ(),
                    keyReuse.qNorm(), keyReuse.qC(), keyReuse.sK(), keyReuse.rope()), x, start, trace,
                    "k̄ = x·S_Kᵀ (cached before RoPE)");
        }
    }

    /**
     * Records the steps from the probabilities {@code p [B, H, T, S]} to the merged heads, over the
     * tensors the module cached ({@code stored}, in its cache's order).
     */
    static void valuesAndHeads(SelfAttention<?> module, Tensor p, List<Tensor> stored, ShapeTrace trace) {
        Tensor heads;
        String width = "Dv";
        if (module instanceof NaiveMla) {
            heads = trace.record("o = p·V", "B, H, T, Dv", p.matmul(stored.get(1)));           // [B, H, T, Dv]
        } else if (absorbedWeights(module) != null) {
            Tensor latentHeads = trace.record("ô = p·c_kv (stays in latent space)", "B, H, T, C",
                    p.matmul(stored.get(0).unsqueeze(1)));                                     // [B, H, T, C]
            heads = trace.record("o = ô·W_UV,iᵀ per head", "B, H, T, Dv",
                    latentHeads.matmul(absorbedWeights(module).valueUp().transpose(1, 2)));    // [B, H, T, Dv]
        } else {
            String value = module instanceof Mfa ? "o = p·v" : "ō = p·k̄ (v = (I + diag(α)N)k̄ folded into W_O)";
            heads = trace.record(value, "B, H, T, C", p.matmul(stored.get(module instanceof Mfa ? 1 : 0).unsqueeze(1)));
            width = "C";
        }
        Tensor merged = trace.record("transpose(1, 2)", "B, T, H, " + width, heads.transpose(1, 2));
        trace.record("merge heads (reshape)", "B, T, H·" + width,
                merged.reshape(merged.size(0), merged.size(1), merged.size(2) * merged.size(3)));
    }

    /** The weights of an absorbed MLA module (run-time re-association or precomputed products), else null. */
    private static MlaWeights absorbedWeights(SelfAttention<?> module) {
        if (module instanceof AbsorbedMla absorbed) {
            return absorbed.weights();
        }
        return module instanceof PrecomputedAbsorbedMla precomputed ? precomputed.weights() : null;
    }

    private record MlaQuery(Tensor queryNope, Tensor latent) {
    }

    private static MlaQuery mlaQueriesAndLatent(MlaWeights w, Tensor x, int start, ShapeTrace trace) {
        MlaShape s = w.shape();
        int batch = x.size(0);
        int qLen = x.size(1);
        double eps = w.settings().rmsEps();
        Tensor queryInput = x;                                                                 // [B, T, M] without compression
        Tensor up = w.wQ();
        if (s.qLoraRank() > 0) {
            Tensor down = trace.record("c̃_q = x·W_DQᵀ", "B, T, C_q", x.matmul(w.wDq().transpose(0, 1)));
            queryInput = trace.record("c_q = RMSNorm(c̃_q)", "B, T, C_q",
                    new RmsNorm(s.qLoraRank(), eps, w.qNorm()).forward(down));                 // [B, T, C_q]
            up = w.wUq();
        }
        Tensor q = trace.record((s.qLoraRank() > 0 ? "q = c_q·W_UQᵀ" : "q = x·W_Qᵀ") + ", split heads", "B, H, T, Dn+P",
                queryInput.matmul(up.transpose(0, 1))                                          // [B, T, H·(Dn+P)]
                        .view(batch, qLen, s.numHeads(), s.qkHeadDim()).transpose(1, 2));      // [B, H, T, Dn+P]
        Tensor queryNope = trace.record("q_C (no position)", "B, H, T, Dn", q.narrow(-1, 0, s.qkNopeHeadDim()));
        trace.record("q_R ← RoPE(q̃_R)", "B, H, T, P",
                w.rope().apply(q.narrow(-1, s.qkNopeHeadDim(), s.qkRopeHeadDim()), start));
        Tensor kvDown = trace.record("[c̃_kv | k̃_R] = x·W_DKVᵀ", "B, T, C+P", x.matmul(w.wDkv().transpose(0, 1)));
        Tensor latent = trace.record("c_kv = RMSNorm(c̃_kv)", "B, T, C",
                new RmsNorm(s.kvLoraRank(), eps, w.kvNorm()).forward(kvDown.narrow(-1, 0, s.kvLoraRank())));
        trace.record("k_R ← RoPE(k̃_R), one for all heads", "B, T, P",
                w.rope().apply(kvDown.narrow(-1, s.kvLoraRank(), s.qkRopeHeadDim()), start));
        return new MlaQuery(queryNope, latent);
    }

    /** The weights MFA and MFA-KR share for their queries and their one key head. */
    private record QueryAndKey(MfaShape shape, double eps, Tensor sQ, Tensor qNorm, Tensor qC, Tensor sK, Rope rope) {
    }

    private static void mfaQueriesAndKeys(QueryAndKey m, Tensor x, int start, ShapeTrace trace, String keyLabel) {
        MfaShape s = m.shape();
        Tensor down = trace.record("c̃_q = x·S_Qᵀ", "B, T, C_q", x.matmul(m.sQ().transpose(0, 1)));
        Tensor queryInput = trace.record("c_q = RMSNorm(c̃_q)", "B, T, C_q",
                new RmsNorm(s.queryRank(), m.eps(), m.qNorm()).forward(down));                  // [B, T, C_q]
        Tensor q = trace.record("q = c_q·Q_Cᵀ, split heads", "B, H, T, C", queryInput.matmul(m.qC().transpose(0, 1))
                .view(x.size(0), x.size(1), s.numHeads(), s.headDim()).transpose(1, 2));       // [B, H, T, C]
        trace.record("q ← RoPE(q)", "B, H, T, C", m.rope().apply(q, start));
        Tensor key = trace.record(keyLabel, "B, T, C", x.matmul(m.sK().transpose(0, 1)));      // [B, T, C]
        trace.record("k ← RoPE(k), one for all heads", "B, T, C", m.rope().apply(key, start));
    }
}
