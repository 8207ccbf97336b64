package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * Attention shape of DeepSeek's multi-head latent attention (docs/MATH.md, "MLA"), in the names of the
 * models' {@code config.json}.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>symbol</th><th>contract</th></tr>
 *   <tr><td>modelWidth ({@code hidden_size})</td><td>M</td><td>≥ 1</td></tr>
 *   <tr><td>numHeads ({@code num_attention_heads})</td><td>H</td><td>≥ 1</td></tr>
 *   <tr><td>qLoraRank ({@code q_lora_rank})</td><td>C_q</td><td>≥ 0; 0 means no query compression ({@code null} in config.json)</td></tr>
 *   <tr><td>kvLoraRank ({@code kv_lora_rank})</td><td>C</td><td>≥ 1</td></tr>
 *   <tr><td>qkNopeHeadDim ({@code qk_nope_head_dim})</td><td>D_nope</td><td>≥ 1</td></tr>
 *   <tr><td>qkRopeHeadDim ({@code qk_rope_head_dim})</td><td>P</td><td>≥ 2, even (dimensions rotate in pairs)</td></tr>
 *   <tr><td>vHeadDim ({@code v_head_dim})</td><td>Dv</td><td>≥ 1</td></tr>
 * </table>
 *
 * <pre>
 *   query path  C_q &gt; 0:  W_DQ [C_q, M] + q_norm [C_q] + W_UQ [H·(D_nope + P), C_q]
 *               C_q = 0:  W_Q [H·(D_nope + P), M]
 *   kv path              W_DKV [C + P, M] + kv_norm [C] + W_UKV [H·(D_nope + Dv), C]
 *   output               W_O [M, H·Dv]
 *   cached per token     C + P  (absorbed form: c_kv and the rotated k_R)
 *   naive form caches    H·(D_nope + P) + H·Dv  (every head's key and value)
 * </pre>
 *
 * <p>Source: DeepSeek-AI, "DeepSeek-V2", arXiv:2405.04434, §2.1 (equations 9–19); the projection
 * layout of DeepSeek-V3 {@code inference/model.py} ({@code wq_a}, {@code q_norm}, {@code wq_b},
 * {@code wkv_a}, {@code kv_norm}, {@code wkv_b}, {@code wo}, no biases). Checked by
 * {@code ModelCatalogueTest}.
 */
public record MlaShape(int modelWidth, int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim,
        int qkRopeHeadDim, int vHeadDim) implements AttentionShape {

    public MlaShape {
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numHeads", numHeads);
        checkWidths(qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim);
    }

    /**
     * The contracts of the field table for the widths (M and H aside), written once here: the
     * decoder's {@code LatentAttention.Mla} states them before it knows M and H.
     */
    public static void checkWidths(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
        Checks.nonNegative("qLoraRank", qLoraRank);
        Checks.positive("kvLoraRank", kvLoraRank);
        Checks.positive("qkNopeHeadDim", qkNopeHeadDim);
        Checks.positive("qkRopeHeadDim", qkRopeHeadDim);
        if (qkRopeHeadDim % 2 != 0) {
            throw new IllegalArgumentException("qkRopeHeadDim (" + qkRopeHeadDim
                    + ") must be even: rotary dimensions rotate in pairs");
        }
        Checks.positive("vHeadDim", vHeadDim);
    }

    @Override
    public AttentionVariant variant() {
        return AttentionVariant.MLA;
    }

    /** MLA has no key/value heads: every head reads the one shared latent. */
    @Override
    public int numKvHeads() {
        return -1;
    }

    /** D_nope + P per q/k head, the softmax scale's denominator is its square root. */
    public int qkHeadDim() {
        return qkNopeHeadDim + qkRopeHeadDim;
    }

    @Override
    public String headDimLabel() {
        return qkNopeHeadDim + "+" + qkRopeHeadDim + " (" + vHeadDim + ")";
    }

    @Override
    public long parametersPerLayer() {
        long m = modelWidth;
        long queryOut = (long) numHeads * qkHeadDim();
        long query = qLoraRank == 0
                ? m * queryOut                                          // W_Q
                : m * qLoraRank + qLoraRank + (long) qLoraRank * queryOut;   // W_DQ + q_norm + W_UQ
        long kv = m * (kvLoraRank + qkRopeHeadDim)                      // W_DKV
                + kvLoraRank                                            // kv_norm
                + (long) kvLoraRank * numHeads * (qkNopeHeadDim + vHeadDim);  // W_UKV
        long output = (long) numHeads * vHeadDim * m;                   // W_O
        return query + kv + output;
    }

    @Override
    public long kvValuesPerTokenPerLayer() {
        return (long) kvLoraRank + qkRopeHeadDim;
    }

    /** What the naive form caches per token per layer: every head's full key and value. */
    public long naiveKvValuesPerTokenPerLayer() {
        return (long) numHeads * qkHeadDim() + (long) numHeads * vHeadDim;
    }
}
