package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * Attention shape of StepFun's multi-matrix factorization attention (docs/MATH.md, "MFA and MFA-KR"):
 * H query heads of width C against one shared key/value head of width C, with a low-rank query path.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>symbol</th><th>contract</th></tr>
 *   <tr><td>modelWidth ({@code hidden_size})</td><td>M</td><td>≥ 1</td></tr>
 *   <tr><td>numHeads ({@code num_attention_heads})</td><td>H</td><td>≥ 1</td></tr>
 *   <tr><td>queryRank ({@code share_q_dim})</td><td>C_q</td><td>≥ 1</td></tr>
 *   <tr><td>headDim ({@code head_dim})</td><td>C</td><td>≥ 2, even (RoPE rotates every pair)</td></tr>
 *   <tr><td>keyReuse</td><td></td><td>false: MFA (separate S_V); true: MFA-KR (v derived from the key)</td></tr>
 * </table>
 *
 * <pre>
 *   query path       S_Q [C_q, M] + q_norm [C_q] + Q_c [H·C, C_q]
 *   key              S_K [C, M]
 *   value   MFA      S_V [C, M]
 *           MFA-KR   N [C, C] + α [C]        v = (I + diag(α) N) k̄
 *   output           W_O [M, H·C]
 *   cached per token 2·C (MFA) or C (MFA-KR: only k̄)
 * </pre>
 *
 * <p>Source: Hu et al., "Multi-matrix Factorization Attention", arXiv:2412.19255; Step-3's
 * {@code config.json} ({@code share_q_dim}, {@code head_dim}, {@code num_attention_groups = 1}).
 * The MFA-KR count of N and α is this project's reading of the paper's re-parameterisation; no
 * published model uses MFA-KR, so no published figure checks it. Checked by {@code ModelCatalogueTest}.
 */
public record MfaShape(int modelWidth, int numHeads, int queryRank, int headDim, boolean keyReuse)
        implements AttentionShape {

    public MfaShape {
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numHeads", numHeads);
        Checks.positive("queryRank", queryRank);
        Checks.positive("headDim", headDim);
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim (" + headDim
                    + ") must be even: RoPE rotates every pair of the shared head");
        }
    }

    @Override
    public AttentionVariant variant() {
        return keyReuse ? AttentionVariant.MFA_KR : AttentionVariant.MFA;
    }

    /** One shared key/value head. */
    @Override
    public int numKvHeads() {
        return 1;
    }

    @Override
    public String headDimLabel() {
        return Integer.toString(headDim);
    }

    @Override
    public long parametersPerLayer() {
        long m = modelWidth;
        long query = m * queryRank + queryRank + (long) queryRank * numHeads * headDim;   // S_Q + q_norm + Q_c
        long key = m * headDim;                                                           // S_K
        long value = keyReuse ? (long) headDim * headDim + headDim : m * headDim;         // N + α, or S_V
        long output = (long) numHeads * headDim * m;                                      // W_O
        return query + key + value + output;
    }

    @Override
    public long kvValuesPerTokenPerLayer() {
        return keyReuse ? headDim : 2L * headDim;
    }
}
