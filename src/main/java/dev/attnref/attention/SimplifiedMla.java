package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * The simplified MLA of seed 000 §4.1 ({@code MultiHeadLatentAttention}) in canonical form: the
 * query–key matrix the seed calls "precomputed" is built from explicit up-projection factors, so
 * that the naive form (per-head queries and keys) and the absorbed form (the seed's computation)
 * are the same model with the same scale.
 *
 * <h2>Equation (per token x, head i; D = M / H)</h2>
 * <pre>
 *   c_q  = W_DQ x + b_DQ                  [C_q]      seed: Wq_d
 *   c_kv = W_DKV x + b_DKV                [C]        seed: Wkv_d
 *   q_i  = W_UQ,i c_q,   k_i = W_UK,i c_kv  [D]      explicit factors, no bias (naive form)
 *   W_qk,i = W_UK,iᵀ W_UQ,i               [C, C_q]   seed: W_qk, built here, not free
 *   logit_i[t,s] = q_i[t]·k_i[s] / √D                naive
 *                = (W_qk,i c_q[t])·c_kv[s] / √D      absorbed (the seed's form)
 *   v_i  = W_UV,i c_kv + b_UV,i           [D]        seed: Wv_u
 *   p_i  = softmax_s(logit_i),   out = W_O [Σ_s p_i[t,s] v_i[s]]_i + b_O     seed: Wo
 * </pre>
 *
 * <table>
 *   <caption>Weights (PyTorch {@code Linear} layout [out, in]) and shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>W_DQ, b_DQ</td><td>[C_q, M], [C_q]</td><td>{@code Linear} with bias, as the seed</td></tr>
 *   <tr><td>W_UQ</td><td>[H·D, C_q]</td><td>rows [i·D, (i+1)·D) make head i; no bias</td></tr>
 *   <tr><td>W_DKV, b_DKV</td><td>[C, M], [C]</td><td>{@code Linear} with bias</td></tr>
 *   <tr><td>W_UK</td><td>[H·D, C]</td><td>rows [i·D, (i+1)·D) make head i; no bias</td></tr>
 *   <tr><td>W_UV, b_UV</td><td>[H·D, C], [H·D]</td><td>{@code Linear} with bias</td></tr>
 *   <tr><td>W_O, b_O</td><td>[M, H·D], [M]</td><td>{@code Linear} with bias</td></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only, finite</td></tr>
 *   <tr><td>result</td><td>{@link ForwardResult}</td><td>output [B, T, M]; logits, probabilities [B, H, T, T], nothing masked</td></tr>
 * </table>
 *
 * <h2>Conventions</h2>
 * As the seed: no mask and no RoPE (bidirectional and position-free, bug catalogue S000-MLA-NOMASK);
 * the canonical {@link NaiveMla} / {@link AbsorbedMla} have both. The absorbed form caches only
 * c_kv (C values per token) and forms v from it, as the seed does.
 *
 * <h2>Source and what differs from it</h2>
 * Seed 000 §4.1 ({@code shared/seeds/000_fadc730364d408d5.txt}). Fixes, as the bug catalogue records:
 * S000-MLA-SCALE (the seed divides by √C; both forms here divide by √D, the head width the naive
 * form uses) and S000-MLA-FREE-WQK (the seed's W_qk is a free {@code Linear} with bias, so its
 * per-head rank is not bounded by D; here it is the product of bias-free factors, rank ≤ D).
 *
 * <p>Checked by {@code SimplifiedMlaTest}.
 */
public final class SimplifiedMla {

    /** Sizes in the seed's names: d_model (M), num_heads (H), q_latent_dim (C_q), kv_latent_dim (C). */
    public record Config(int dModel, int numHeads, int qLatentDim, int kvLatentDim) {
        public Config {
            Checks.positive("dModel", dModel);
            Checks.divides("numHeads", numHeads, "dModel", dModel);
            Checks.positive("qLatentDim", qLatentDim);
            Checks.positive("kvLatentDim", kvLatentDim);
        }

        /** D = d_model / num_heads, the seed's {@code head_dim}. */
        public int headDim() {
            return dModel / numHeads;
        }
    }

    private final Config config;
    private final Linear queryDown;
    private final Tensor queryUp;
    private final Linear kvDown;
    private final Tensor keyUp;
    private final Linear valueUp;
    private final Linear output;
    private final Tensor queryKey;

    /** From explicit weights: W_DQ, W_UQ [H·D, C_q], W_DKV, W_UK [H·D, C], W_UV, W_O (shapes in the class table). */
    public SimplifiedMla(Config config, Linear queryDown, Tensor queryUp, Linear kvDown, Tensor keyUp, Linear valueUp,
            Linear output) {
        this.config = Checks.notNull("config", config);
        int m = config.dModel();
        int cq = config.qLatentDim();
        int c = config.kvLatentDim();
        int width = config.numHeads() * config.headDim();
        this.queryDown = layer("W_DQ (Wq_d)", queryDown, m, cq);
        this.queryUp = AttentionSteps.weight("W_UQ", queryUp, width, cq);
        this.kvDown = layer("W_DKV (Wkv_d)", kvDown, m, c);
        this.keyUp = AttentionSteps.weight("W_UK", keyUp, width, c);
        this.valueUp = layer("W_UV (Wv_u)", valueUp, c, width);
        this.output = layer("W_O (Wo)", output, width, m);
        // W_qk,i = W_UK,iᵀ W_UQ,i, stacked as the seed's W_qk rows: [H·C, C_q].   einsum hdc,hdq->hcq
        Tensor perHeadKey = this.keyUp.view(config.numHeads(), config.headDim(), c);      // [H, D, C]
        Tensor perHeadQuery = this.queryUp.view(config.numHeads(), config.headDim(), cq); // [H, D, C_q]
        this.queryKey = perHeadKey.transpose(1, 2).matmul(perHeadQuery)                    // [H, C, C_q]
                .reshape(config.numHeads() * c, cq);                                       // [H·C, C_q]
    }

    /** PyTorch-default initialised weights ({@link Linear#init}), drawn W_DQ, W_UQ, W_DKV, W_UK, W_UV, W_O. */
    public static SimplifiedMla random(Config config, SeededRandom random) {
        Checks.notNull("config", config);
        Checks.notNull("random", random);
        int m = config.dModel();
        int width = config.numHeads() * config.headDim();
        Linear queryDown = Linear.init(m, config.qLatentDim(), true, random);
        Tensor queryUp = Linear.init(config.qLatentDim(), width, false, random).weight();
        Linear kvDown = Linear.init(m, config.kvLatentDim(), true, random);
        Tensor keyUp = Linear.init(config.kvLatentDim(), width, false, random).weight();
        Linear valueUp = Linear.init(config.kvLatentDim(), width, true, random);
        Linear output = Linear.init(width, m, true, random);
        return new SimplifiedMla(config, queryDown, queryUp, kvDown, keyUp, valueUp, output);
    }

    private static Linear layer(String name, Linear layer, int in, int out) {
        Checks.notNull(name, layer);
        if (layer.inFeatures() != in || layer.outFeatures() != out) {
            throw new IllegalArgumentException(name + " maps " + layer.inFeatures() + " → " + layer.outFeatures()
                    + "; expected " + in + " → " + out);
        }
        return layer;
    }

    public Config config() {
        return config;
    }

    /** W_DQ and b_DQ, the query down-projection (seed: {@code Wq_d}). */
    public Linear queryDown() {
        return queryDown;
    }

    /** W_DKV and b_DKV, the key/value down-projection (seed: {@code Wkv_d}). */
    public Linear kvDown() {
        return kvDown;
    }

    /** W_UV and b_UV, the value up-projection (seed: {@code Wv_u}). */
    public Linear valueUp() {
        return valueUp;
    }

    /** W_O and b_O (seed: {@code Wo}). */
    public Linear output() {
        return output;
    }

    /** W_UQ {@code [H·D, C_q]}. */
    public Tensor queryUp() {
        return queryUp;
    }

    /** W_UK {@code [H·D, C]}. */
    public Tensor keyUp() {
        return keyUp;
    }

    /** The seed's "precomputed" W_qk, built as {@code W_qk,i = W_UK,iᵀ W_UQ,i}: {@code [H·C, C_q]}, head i in rows [i·C, (i+1)·C). */
    public Tensor queryKeyProduct() {
        return queryKey;
    }

    /** 1/√D, the scale of both forms. */
    public double softmaxScale() {
        return 1.0 / Math.sqrt(config.headDim());
    }

    /** The naive form: per-head queries and keys from the explicit factors. */
    public ForwardResult forwardNaive(Tensor x) {
        checkInput(x);
        int batch = x.size(0);
        int seqLen = x.size(1);
        int numHeads = config.numHeads();
        int headDim = config.headDim();

        // Step 1. c_q = W_DQ x + b, c_kv = W_DKV x + b.
        Tensor queryLatent = queryDown.forward(x);                                       // [B, T, C_q]
        Tensor kvLatent = kvDown.forward(x);                                             // [B, T, C]

        // Step 2. q_i = W_UQ,i c_q, k_i = W_UK,i c_kv.
        Tensor q = queryLatent.matmul(queryUp.transpose(0, 1))
                .view(batch, seqLen, numHeads, headDim).transpose(1, 2);                  // [B, H, T, D]
        Tensor k = kvLatent.matmul(keyUp.transpose(0, 1))
                .view(batch, seqLen, numHeads, headDim).transpose(1, 2);                  // [B, H, T, D]

        // Step 3. logit = q·kᵀ / √D, p = softmax_s (no mask).   einsum bhtd,bhsd->bhts
        Tensor logits = q.matmul(k.transpose(2, 3)).mul(softmaxScale());                 // [B, H, T, T]
        return attend(logits, kvLatent);
    }

    /** The absorbed form, the seed's computation with W_qk built from the factors. */
    public ForwardResult forwardAbsorbed(Tensor x) {
        checkInput(x);
        int batch = x.size(0);
        int seqLen = x.size(1);

        // Step 1. c_q = W_DQ x + b, c_kv = W_DKV x + b (c_kv is all this form would cache).
        Tensor queryLatent = queryDown.forward(x);                                       // [B, T, C_q]
        Tensor kvLatent = kvDown.forward(x);                                             // [B, T, C]

        // Step 2. q̂_i = W_qk,i c_q, in latent space.
        Tensor latentQuery = queryLatent.matmul(queryKey.transpose(0, 1))
                .view(batch, seqLen, config.numHeads(), config.kvLatentDim())
                .transpose(1, 2);                                                         // [B, H, T, C]

        // Step 3. logit = q̂·c_kv / √D (the seed's √C fixed: S000-MLA-SCALE).   einsum bhtc,bsc->bhts
        Tensor logits = latentQuery.matmul(kvLatent.transpose(-2, -1).unsqueeze(1))
                .mul(softmaxScale());                                                     // [B, H, T, T]
        return attend(logits, kvLatent);
    }

    /** p = softmax_s(logit); v_i = W_UV,i c_kv + b; out = W_O [Σ_s p v]_i + b. */
    private ForwardResult attend(Tensor logits, Tensor kvLatent) {
        int batch = kvLatent.size(0);
        int seqLen = kvLatent.size(1);
        Tensor probabilities = logits.softmax(-1);                                       // [B, H, T, T]
        Tensor values = valueUp.forward(kvLatent)
                .view(batch, seqLen, config.numHeads(), config.headDim()).transpose(1, 2);   // [B, H, T, D]
        Tensor heads = probabilities.matmul(values);                                     // [B, H, T, D]
        return new ForwardResult(output.forward(AttentionSteps.mergeHeads(heads)), logits, probabilities);
    }

    private void checkInput(Tensor x) {
        Checks.notNull("input x", x);
        if (x.dim() != 3 || x.size(2) != config.dModel() || x.size(0) == 0 || x.size(1) == 0) {
            throw new IllegalArgumentException("SimplifiedMla of width " + config.dModel() + " got input of shape "
                    + Arrays.toString(x.shape()) + "; expected [B ≥ 1, T ≥ 1, " + config.dModel() + "]");
        }
        Checks.allFinite("input x", x.toArray());
    }
}
