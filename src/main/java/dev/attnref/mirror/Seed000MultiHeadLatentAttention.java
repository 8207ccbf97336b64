package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.Linear;
import dev.attnref.core.Masks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Mirror of seed 000 §4.1: a simplified {@code MultiHeadLatentAttention}, MLA in its absorbed form
 * without RoPE.
 *
 * <p><b>Computes</b>, per token {@code x [M]} and head {@code h}: latents {@code c_q = W_q^d x + b [C_q]},
 * {@code c_kv = W_kv^d x + b [C]}; a query moved into key-latent space {@code u_h = (W_qk c_q + b)_h [C]};
 * {@code logit_h[t,s] = u_h[t]·c_kv[s] / √C} as published; {@code p = softmax_s(logit)};
 * {@code v_h[s] = (W_v^u c_kv[s] + b)_h [hd]}; {@code o_h[t] = Σ_s p_h[t,s] v_h[s]};
 * {@code out = W_o [o_1; …; o_H] + b}. Here {@code hd = d_model // num_heads}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>M = d_model</td></tr>
 *   <tr><td>result</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict as published</b> (drawn in this order): {@code Wq_d.* [C_q, M]}, {@code W_qk.* [H·C, C_q]},
 * {@code Wkv_d.* [C, M]}, {@code Wv_u.* [H·hd, C]}, {@code Wo.* [M, H·hd]}, all with biases.
 * <b>FIXED</b> replaces {@code W_qk} by {@code Wq_u.weight [H·hd, C_q]}, {@code Wq_u.bias [H·hd]} and
 * {@code Wk_u.weight [H·hd, C]} (no bias), in that place of the order.
 *
 * <p><b>Conventions:</b> as published there is no mask and no position information. FIXED takes
 * {@code causal} (query {@code t} sees keys {@code s ≤ t}) and {@code absorbed} (false: per-head
 * {@code q} and {@code k} formed explicitly, the naive form the absorbed one must equal) and stays
 * position-free: the decoupled RoPE of DeepSeek's MLA needs weights the snippet does not have.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-17 (FIXED; S000-MLA-SCALE): logits divided by {@code √hd}, the naive form's head dimension,
 *       not {@code √kv_latent_dim}.</li>
 *   <li>FIX-18 (FIXED; S000-MLA-FREE-WQK): the comment calls {@code W_qk} the "precomputed" product of
 *       {@code W_q^U} and {@code W_k^U}, but it is a free {@code nn.Linear}, so its per-head block
 *       {@code [C, C_q]} can have rank up to {@code min(C, C_q)}, above {@code hd} when
 *       {@code hd < min(C, C_q)}: then no naive MLA has these logits. Fixed: explicit factors
 *       {@code Wq_u} (with bias) and {@code Wk_u}; {@code W_qk,h = Wk_u,hᵀ·Wq_u,h} and
 *       {@code b_qk,h = Wk_u,hᵀ·b_q,h} are computed from them, so that
 *       {@code u_h·c_kv = (Wq_u,h c_q + b_q,h)·(Wk_u,h c_kv)}, the naive per-head logit.</li>
 *   <li>FIX-19 (FIXED; S000-MLA-NOMASK): causal masking on request ({@code −∞} above the diagonal).</li>
 *   <li>FIX-20 (both fidelities; S000-MLA-DEFAULTS): the published defaults ({@code d_model=128*128},
 *       {@code num_heads=128}, {@code q_latent_dim=12}, {@code kv_latent_dim=4}) are not offered:
 *       {@code Wo} alone would hold 2.7·10⁸ weights.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 000 §4.1. <b>Checked by</b> {@code Seed000MultiHeadLatentAttentionMirrorTest},
 * {@code SeedPyTorchAgreementTest}, {@code MirrorCanonicalAgreementTest} (FIXED = {@code SimplifiedMla}).
 */
public final class Seed000MultiHeadLatentAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int dModel;
    private final int numHeads;
    private final int qLatentDim;
    private final int kvLatentDim;
    private final int headDim;
    private final NnLinear wqD;
    private final NnLinear wQk;
    private final NnLinear wqU;
    private final NnLinear wkU;
    private final NnLinear wkvD;
    private final NnLinear wvU;
    private final NnLinear wo;

    /** {@code MultiHeadLatentAttention(d_model, num_heads, q_latent_dim, kv_latent_dim)}, weights from {@code random}. */
    // py: def __init__(self, d_model=128*128, num_heads=128, q_latent_dim=12, kv_latent_dim=4):
    // FIX-20 (S000-MLA-DEFAULTS): no 16384-wide defaults.
    public Seed000MultiHeadLatentAttention(int dModel, int numHeads, int qLatentDim, int kvLatentDim,
            Fidelity fidelity, SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: these fail in Python too (ZeroDivisionError, or an nn.Linear of non-positive size).
        Checks.positive("d_model", dModel);
        Checks.positive("num_heads", numHeads);
        Checks.positive("q_latent_dim", qLatentDim);
        Checks.positive("kv_latent_dim", kvLatentDim);
        if (numHeads > dModel) {
            throw new IllegalArgumentException("num_heads (" + numHeads + ") must not exceed d_model (" + dModel
                    + "): head_dim = d_model // num_heads would be 0");
        }
        // py: super().__init__()
        // py: self.d_model = d_model
        this.dModel = dModel;
        // py: self.num_heads = num_heads
        this.numHeads = numHeads;
        // py: self.q_latent_dim = q_latent_dim
        this.qLatentDim = qLatentDim;
        // py: self.kv_latent_dim = kv_latent_dim
        this.kvLatentDim = kvLatentDim;
        // py: head_dim = d_model // num_heads
        this.headDim = dModel / numHeads;
        // py: self.Wq_d = nn.Linear(d_model, q_latent_dim)
        this.wqD = register("Wq_d", new NnLinear(dModel, qLatentDim, true, random));
        if (fidelity == Fidelity.AS_PUBLISHED) {
            // py: self.W_qk = nn.Linear(q_latent_dim, num_heads * kv_latent_dim)
            this.wQk = register("W_qk", new NnLinear(qLatentDim, numHeads * kvLatentDim, true, random));
            this.wqU = null;
            this.wkU = null;
        } else {
            this.wQk = null;
            // FIX-18 (S000-MLA-FREE-WQK): self.Wq_u = nn.Linear(q_latent_dim, num_heads * head_dim)
            this.wqU = register("Wq_u", new NnLinear(qLatentDim, numHeads * headDim, true, random));
            // FIX-18 (S000-MLA-FREE-WQK): self.Wk_u = nn.Linear(kv_latent_dim, num_heads * head_dim, bias=False)
            this.wkU = register("Wk_u", new NnLinear(kvLatentDim, numHeads * headDim, false, random));
        }
        // py: self.Wkv_d = nn.Linear(d_model, kv_latent_dim)
        this.wkvD = register("Wkv_d", new NnLinear(dModel, kvLatentDim, true, random));
        // py: self.Wv_u = nn.Linear(kv_latent_dim, num_heads * head_dim)
        this.wvU = register("Wv_u", new NnLinear(kvLatentDim, numHeads * headDim, true, random));
        // py: self.Wo = nn.Linear(num_heads * head_dim, d_model)
        this.wo = register("Wo", new NnLinear(numHeads * headDim, dModel, true, random));
    }

    /** {@code forward(x)}: as published, and FIXED with its defaults ({@code causal=False, absorbed=True}). */
    public Tensor forward(Tensor x) {
        return forward(x, false, true);
    }

    /**
     * FIXED's {@code forward(x, causal=False, absorbed=True)} (FIX-19, FIX-18). The published
     * {@code forward(x)} takes neither argument: asking it for a causal or naive pass raises Python's
     * {@code TypeError} as a {@link MirroredPythonError}.
     *
     * @param x        [B, T, M]
     * @param causal   hide key {@code s} from query {@code t} when {@code s > t}
     * @param absorbed true: logits through {@code W_qk}; false: per-head {@code q·k} from the factors
     * @return [B, T, M]
     */
    // py: def forward(self, x):
    public Tensor forward(Tensor x, boolean causal, boolean absorbed) {
        if (fidelity == Fidelity.AS_PUBLISHED && (causal || !absorbed)) {
            throw new MirroredPythonError("TypeError", "forward() got an unexpected keyword argument '"
                    + (causal ? "causal" : "absorbed") + "'");
        }
        // guard: Python fails on these too (ValueError unpacking x.shape).
        Checks.notNull("x", x);
        if (x.dim() != 3) {
            throw new IllegalArgumentException("x has " + x.dim() + " axes; expected [batch, seq, d_model]");
        }
        // py: batch_size, seq_len, d_model = x.shape
        int batchSize = x.size(0);
        int seqLen = x.size(1);
        // py: C_q = self.Wq_d(x) # shape: (batch_size, seq_len, q_latent_dim)
        Tensor cQ = wqD.forward(x);                                      // [B, T, C_q]
        // py: C_kv = self.Wkv_d(x) # shape: (batch_size, seq_len, kv_latent_dim)
        Tensor cKv = wkvD.forward(x);                                    // [B, T, C]
        double scaleDim = fidelity == Fidelity.AS_PUBLISHED ? kvLatentDim : headDim;   // FIX-17 (S000-MLA-SCALE): √head_dim
        Tensor scores;
        if (absorbed) {
            // py: C_qW_qk = self.W_qk(C_q).view(batch_size, seq_len, self.num_heads, self.kv_latent_dim)
            Tensor cQWQk = qkLinear().forward(cQ).view(batchSize, seqLen, numHeads, kvLatentDim);   // [B, T, H, C]
            // py: scores = torch.matmul(C_qW_qk.transpose(1, 2), C_kv.transpose(-2, -1)[:, None, ...]) / math.sqrt(self.kv_latent_dim)
            scores = cQWQk.transpose(1, 2)                               // [B, H, T, C]
                    .matmul(cKv.transpose(-2, -1).unsqueeze(1))          // [B, 1, C, T]
                    .div(Math.sqrt(scaleDim));                           // [B, H, T, T]
        } else {
            // FIX-18: q = self.Wq_u(C_q).view(batch_size, seq_len, self.num_heads, self.head_dim).transpose(1, 2)
            Tensor q = wqU.forward(cQ).view(batchSize, seqLen, numHeads, headDim).transpose(1, 2);    // [B, H, T, hd]
            // FIX-18: k = self.Wk_u(C_kv).view(batch_size, seq_len, self.num_heads, self.head_dim).transpose(1, 2)
            Tensor k = wkU.forward(cKv).view(batchSize, seqLen, numHeads, headDim).transpose(1, 2);   // [B, H, T, hd]
            // FIX-18, FIX-17: scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
            scores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(scaleDim));                          // [B, H, T, T]
        }
        if (causal) {
            // FIX-19 (S000-MLA-NOMASK): scores = scores.masked_fill(future, float('-inf')), key s hidden when s > t
            scores = scores.maskedFill(Masks.causal(seqLen, seqLen, 0).eq(0), Double.NEGATIVE_INFINITY);
        }
        // py: attn_weight = torch.softmax(scores, dim=-1)
        Tensor attnWeight = scores.softmax(-1);                          // [B, H, T, T]
        // py: V = self.Wv_u(C_kv).view(batch_size, seq_len, self.num_heads, -1)
        Tensor v = wvU.forward(cKv).view(batchSize, seqLen, numHeads, -1);                  // [B, T, H, hd]
        // py: output = torch.matmul(attn_weight, V.transpose(1,2)).transpose(1,2).contiguous()
        Tensor output = attnWeight.matmul(v.transpose(1, 2)).transpose(1, 2).contiguous();  // [B, T, H, hd]
        // py: output = self.Wo(output.view(batch_size, seq_len, -1))
        output = wo.forward(output.view(batchSize, seqLen, -1));         // [B, T, M]
        // py: return output
        return output;
    }

    /**
     * The layer {@code self.W_qk} applies, weight {@code [H·C, C_q]} and bias {@code [H·C]}: the free
     * parameter as published; when FIXED (FIX-18) computed from the factors, one block per head,
     * {@code W_qk,h = Wk_u,hᵀ · Wq_u,h} ({@code [C, hd]·[hd, C_q]}) and {@code b_qk,h = Wk_u,hᵀ · b_q,h}.
     * Row block {@code h} is head {@code h}'s bilinear form {@code logit ∝ (W_qk,h c_q + b_qk,h)·c_kv}.
     */
    public Linear qkLinear() {
        if (fidelity == Fidelity.AS_PUBLISHED) {
            return wQk.linear();
        }
        Tensor qUp = wqU.linear().weight().view(numHeads, headDim, qLatentDim);            // [H, hd, C_q]
        Tensor qBias = wqU.linear().bias().view(numHeads, headDim, 1);                     // [H, hd, 1]
        Tensor kUpT = wkU.linear().weight().view(numHeads, headDim, kvLatentDim).transpose(1, 2);   // [H, C, hd]
        // hdc,hdq->hcq and hdc,hd1->hc1 as batched products over h
        Tensor weight = kUpT.matmul(qUp).reshape(numHeads * kvLatentDim, qLatentDim);       // [H·C, C_q]
        Tensor bias = kUpT.matmul(qBias).reshape(-1);                                      // [H·C]
        return new Linear(weight, bias);
    }

    /** {@code head_dim = d_model // num_heads}. */
    public int headDim() {
        return headDim;
    }

    /** {@code self.d_model}. */
    public int dModel() {
        return dModel;
    }
}
