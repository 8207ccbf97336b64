package dev.attnref.attention;

import static dev.attnref.attention.AttentionSteps.rmsNorm;

import dev.attnref.core.Rope;
import dev.attnref.core.Tensor;

/**
 * The low-rank query path of {@link Mfa} and {@link MfaKeyReuse}:
 * {@code q_i = RoPE(Q_c,i · (RMSNorm(S_Q x) ⊙ w_q))}, H heads of width C, every pair rotating.
 * Weights are validated by the owning module.
 */
final class FactorizedQuery {
    private final int numHeads;
    private final int headDim;
    private final Tensor sQ;
    private final Tensor qNorm;
    private final Tensor qC;
    private final double rmsEps;
    private final Rope rope;

    FactorizedQuery(int numHeads, int headDim, Tensor sQ, Tensor qNorm, Tensor qC, double rmsEps, Rope rope) {
        this.numHeads = numHeads;
        this.headDim = headDim;
        this.sQ = sQ;
        this.qNorm = qNorm;
        this.qC = qC;
        this.rmsEps = rmsEps;
        this.rope = rope;
    }

    /** {@code x [B, T, M] → q [B, H, T, C]}, rotated at positions {@code start …}. */
    Tensor heads(Tensor x, int start) {
        int batch = x.size(0);
        int qLen = x.size(1);
        // c_q = RMSNorm(S_Q x) ⊙ w_q
        Tensor queryLatent = rmsNorm(x.matmul(sQ.transpose(0, 1)), qNorm, rmsEps);       // [B, T, C_q]
        // q̃_i = Q_c,i c_q, then q_i = RoPE(q̃_i)
        Tensor q = queryLatent.matmul(qC.transpose(0, 1))                                // [B, T, H·C]
                .view(batch, qLen, numHeads, headDim).transpose(1, 2);                    // [B, H, T, C]
        return rope.apply(q, start);                                                      // [B, H, T, C]
    }
}
