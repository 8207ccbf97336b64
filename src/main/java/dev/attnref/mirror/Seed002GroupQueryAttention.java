package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Mirror of seed 002's {@code GroupQueryAttention} ({@code repeat_interleave},
 * {@code nums_key_value_head}) and of its example.
 *
 * <p><b>Computes</b> {@code q = split(x·W_qᵀ + b) [B,H,T,D]}, {@code k, v = split(x·Wᵀ + b) [B,G,T,D]}
 * each repeated {@code R = H/G} times in place ({@code repeat_interleave(R, dim=1)}, so query head
 * {@code h} reads kv head {@code ⌊h/R⌋}), {@code logit = q·kᵀ / √D}, {@code p = softmax_s(logit)},
 * {@code o = p·v}, heads merged to {@code [B,T,M]}, {@code o_proj}. No dropout, and as published no
 * mask: {@code forward} accepts {@code attention_mask} and ignores it (the comment above the class says
 * "忽略了 attention_mask, attention_dropout"; nothing at the call says so). With
 * {@code nums_key_value_head = 1} it is MQA, with {@code = nums_head} MHA, as the article states.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>X</td><td>[B, T, M]</td><td>M = hidden_dim, H divides M, G divides H (asserted)</td></tr>
 *   <tr><td>attention_mask</td><td>broadcastable to [B, H, T, T], or null</td>
 *       <td>ignored as published; FIXED: 1 = keep, 0 = hide, as seed 002's MHA</td></tr>
 *   <tr><td>result</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict:</b> {@code q_proj.* [H·D, M]}, {@code k_proj.* [G·D, M]}, {@code v_proj.* [G·D, M]},
 * {@code o_proj.* [M, M]}, all with biases, drawn in that order.
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-28 (FIXED; S002-GQA-MASK-IGNORED): the mask is applied (1 = keep; hidden logits {@code −∞};
 *       a row with every key hidden gives zeros).</li>
 *   <li>FIX-29 (documentation; S002-GQA-REPEAT-COPY): the comment calls {@code repeat_interleave} a
 *       broadcast ("广播操作"); it copies each kv head R times.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 002, "Group Query Attention". <b>Checked by</b>
 * {@code Seed002GroupQueryAttentionMirrorTest}, {@code SeedPyTorchAgreementTest},
 * {@code MirrorOracleAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed002GroupQueryAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int hiddenDim;
    private final int numsHead;
    private final int numsKeyValueHead;
    private final int headDim;
    private final NnLinear qProj;
    private final NnLinear kProj;
    private final NnLinear vProj;
    private final NnLinear oProj;

    /** {@code GroupQueryAttention(hidden_dim, nums_head, nums_key_value_head)}, weights from {@code random}. */
    // py: def __init__(self, hidden_dim, nums_head, nums_key_value_head):
    public Seed002GroupQueryAttention(int hiddenDim, int numsHead, int numsKeyValueHead, Fidelity fidelity,
            SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: non-positive sizes fail in Python too (ZeroDivisionError or an nn.Linear of negative size).
        Checks.positive("hidden_dim", hiddenDim);
        Checks.positive("nums_head", numsHead);
        Checks.positive("nums_key_value_head", numsKeyValueHead);
        // py: super().__init__()
        // py: assert hidden_dim % nums_head == 0 # 可以整除
        if (hiddenDim % numsHead != 0) {
            throw new MirroredPythonError("AssertionError", "assert hidden_dim % nums_head == 0 (hidden_dim "
                    + hiddenDim + ", nums_head " + numsHead + ")");
        }
        // py: assert nums_head % nums_key_value_head == 0 # N 个 query head 为一组
        if (numsHead % numsKeyValueHead != 0) {
            throw new MirroredPythonError("AssertionError", "assert nums_head % nums_key_value_head == 0 (nums_head "
                    + numsHead + ", nums_key_value_head " + numsKeyValueHead + ")");
        }
        // py: self.hidden_dim = hidden_dim
        this.hiddenDim = hiddenDim;
        // py: self.nums_head = nums_head
        this.numsHead = numsHead;
        // py: self.nums_key_value_head = nums_key_value_head
        this.numsKeyValueHead = numsKeyValueHead;
        // py: self.head_dim = hidden_dim // nums_head
        this.headDim = hiddenDim / numsHead;
        // py: self.q_proj = nn.Linear(hidden_dim, nums_head * self.head_dim) # out feature_size (nums_head * head_dim)
        this.qProj = register("q_proj", new NnLinear(hiddenDim, numsHead * headDim, true, random));
        // py: self.k_proj = nn.Linear(hidden_dim, nums_key_value_head * self.head_dim)
        this.kProj = register("k_proj", new NnLinear(hiddenDim, numsKeyValueHead * headDim, true, random));
        // py: self.v_proj = nn.Linear(hidden_dim, nums_key_value_head * self.head_dim)
        this.vProj = register("v_proj", new NnLinear(hiddenDim, numsKeyValueHead * headDim, true, random));
        // py: self.o_proj = nn.Linear(hidden_dim, hidden_dim) # input_size nums_head * head_dim
        this.oProj = register("o_proj", new NnLinear(hiddenDim, hiddenDim, true, random));
    }

    /** {@code forward(X)} without a mask. */
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * {@code forward(X, attention_mask=None)}.
     *
     * @param x             [B, T, M]
     * @param attentionMask keep-mask broadcastable to [B, H, T, T], or null; ignored as published
     * @return [B, T, M]
     */
    // py: def forward(self, X, attention_mask=None):
    public Tensor forward(Tensor x, Tensor attentionMask) {
        // guard: Python fails on these too (ValueError unpacking X.size()).
        Checks.notNull("X", x);
        if (x.dim() != 3) {
            throw new IllegalArgumentException("X has " + x.dim() + " axes; expected (batch, seq, hidden_dim)");
        }
        // py: batch_size, seq, _ = X.size()
        int batchSize = x.size(0);
        int seq = x.size(1);
        // py: q = self.q_proj(X) # (batch, seq, hidden_dim)
        Tensor q = qProj.forward(x);                                     // [B, T, H·D]
        // py: k = self.k_proj(X)
        Tensor k = kProj.forward(x);                                     // [B, T, G·D]
        // py: v = self.v_proj(X)
        Tensor v = vProj.forward(x);                                     // [B, T, G·D]
        // py: q = q.view(batch_size, seq, self.nums_head, self.head_dim)
        q = q.view(batchSize, seq, numsHead, headDim);                   // [B, T, H, D]
        // py: k = k.view(batch_size, seq, self.nums_key_value_head, self.head_dim)
        k = k.view(batchSize, seq, numsKeyValueHead, headDim);           // [B, T, G, D]
        // py: v = v.view(batch_size, seq, self.nums_key_value_head, self.head_dim)
        v = v.view(batchSize, seq, numsKeyValueHead, headDim);           // [B, T, G, D]
        // py: q = q.transpose(1, 2) # (b, nums_head, seq, head_dim)
        q = q.transpose(1, 2);                                           // [B, H, T, D]
        // py: k = k.transpose(1, 2) # (b, nums_key_value_head, seq, head_dim)
        k = k.transpose(1, 2);                                           // [B, G, T, D]
        // py: v = v.transpose(1, 2) # (b, nums_key_value_head, seq, head_dim)
        v = v.transpose(1, 2);                                           // [B, G, T, D]
        // py: # k v repeat; (广播操作)
        // FIX-29 (S002-GQA-REPEAT-COPY): repeat_interleave copies each kv head R times (not a broadcast).
        // py: k = k.repeat_interleave(self.nums_head // self.nums_key_value_head, dim=1)
        k = k.repeatInterleave(numsHead / numsKeyValueHead, 1);          // [B, H, T, D], kv head ⌊h/R⌋
        // py: v = v.repeat_interleave(self.nums_head // self.nums_key_value_head, dim=1)
        v = v.repeatInterleave(numsHead / numsKeyValueHead, 1);          // [B, H, T, D]
        // py: attention_score = (q @ k.transpose(2, 3)) / math.sqrt(self.head_dim)
        Tensor attentionScore = q.matmul(k.transpose(2, 3)).div(Math.sqrt(headDim));        // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            // FIX-28 (S002-GQA-MASK-IGNORED): attention_score = attention_score.masked_fill(attention_mask == 0, float("-inf"))
            attentionScore = attentionScore.maskedFill(attentionMask.eq(0), Double.NEGATIVE_INFINITY);
        }
        // py: attention_weight = torch.softmax(attention_score, dim=-1)
        Tensor attentionWeight = attentionScore.softmax(-1);             // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            // FIX-28: masked_fill((attention_mask == 0).all(dim=-1, keepdim=True), 0.0), a row with no visible key
            Tensor rowHidden = attentionMask.eq(0).sum(-1, true).eq(attentionMask.size(-1));   // [.., 1]
            attentionWeight = attentionWeight.maskedFill(rowHidden, 0.0);
        }
        // py: # (attention_mask 忽略) # 可以看前面的视频
        // py: output = attention_weight @ v # (b, nums_head, seq, head_dim)
        Tensor output = attentionWeight.matmul(v);                       // [B, H, T, D]
        // py: output = output.transpose(1, 2).contiguous()
        output = output.transpose(1, 2).contiguous();                    // [B, T, H, D]
        // py: final_output = self.o_proj(output.view(batch_size, seq, -1))
        Tensor finalOutput = oProj.forward(output.view(batchSize, seq, -1));                // [B, T, M]
        // py: return final_output
        return finalOutput;
    }

    /** The example after the class: {@code torch.rand(3, 2, 128)} (drawn first), then {@code GroupQueryAttention(128, 8, 4)}. */
    public static Tensor example(Fidelity fidelity, SeededRandom random) {
        // py: x = torch.rand(3, 2, 128)
        Tensor x = Tensor.uniform(random, 0, 1, 3, 2, 128);
        // py: net = GroupQueryAttention(128, 8, 4)
        Seed002GroupQueryAttention net = new Seed002GroupQueryAttention(128, 8, 4, fidelity, random);
        // py: net(x).shape
        return net.forward(x);
    }

    /** {@code self.nums_key_value_head}. */
    public int numsKeyValueHead() {
        return numsKeyValueHead;
    }
}
