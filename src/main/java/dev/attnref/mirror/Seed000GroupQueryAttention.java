package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Mirror of seed 000 §3.1: {@code GroupQueryAttention}, grouped-query attention with
 * {@code group_num} key/value heads, each shared by {@code num_heads / group_num} consecutive query heads.
 *
 * <p><b>Computes</b> {@code q = split(x·W_qᵀ + b_q) [B,H,T,D]}; {@code k, v = split(x·W_kᵀ + b_k) [B,G,T,D]},
 * each kv head repeated {@code R = H/G} times in place ({@code [:, :, None].expand(…).reshape(…)}, the
 * order of {@code repeat_interleave}, so query head {@code h} reads kv head {@code ⌊h/R⌋});
 * {@code logit = q·kᵀ / √D}; the published "mask" {@code logit += mask · (−1e-9)};
 * {@code p = softmax_s(logit)}; {@code o = p·v}; heads merged to {@code [B,T,H·D]}; {@code o_linear}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>hidden_state</td><td>[B, T, M]</td><td>M = hidden_size</td></tr>
 *   <tr><td>attention_mask</td><td>broadcastable to [B, H, T, T] without enlarging it, or null</td>
 *       <td>1 = hide, 0 = keep</td></tr>
 *   <tr><td>result</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict:</b> {@code q_linear.* [M, M]}, {@code k_linear.* [G·D, M]}, {@code v_linear.* [G·D, M]},
 * {@code o_linear.* [M, M]}, each with a bias; drawn in that order.
 *
 * <p><b>As published the class cannot be built:</b> its {@code __init__} calls
 * {@code super(MutiQueryAttention, self).__init__()}. Run after §2.1 in one file, Python raises
 * {@code TypeError: super(type, obj): obj must be an instance or subtype of type}; run alone it raises
 * {@code NameError} ({@code MutiQueryAttention} is undefined). The mirror raises the first, as a
 * {@link MirroredPythonError}. {@link #withOnlySuperCallFixed} builds the published code with FIX-11
 * alone, to show that the MQA bugs it copies (FIX-12, FIX-14, FIX-15) live on in it.
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-11 (FIXED, and {@link #withOnlySuperCallFixed}; S000-GQA-SUPER): {@code super().__init__()}.</li>
 *   <li>FIX-12 (FIXED; S000-GQA-MASK): hidden logits become {@code −∞} instead of moving by
 *       {@code −1e-9}; a row with every key hidden gives zeros.</li>
 *   <li>FIX-13 (both fidelities, no change of behaviour; S000-GQA-NEQ-NONE): {@code attention_mask != None}
 *       read as {@code is not None} (Python's identity fallback makes them agree on tensors).</li>
 *   <li>FIX-14 (FIXED; S000-GQA-TRANSPOSE): {@code output.transpose(1, 2)} instead of
 *       {@code transpose(-1, -2)} before merging heads.</li>
 *   <li>FIX-15 (FIXED; S000-GQA-SCALE-DTYPE): {@code math.sqrt(self.head_dim)} in float64 instead of
 *       {@code torch.sqrt(torch.tensor(self.head_dim))}, which is float32 under PyTorch's default dtype
 *       ({@link #torchDefaultDtype}).</li>
 *   <li>FIX-16 (FIXED; S000-GQA-DIVIDES): {@code num_heads} must divide {@code hidden_size} and
 *       {@code group_num} must divide {@code num_heads}; as published a bad pair fails later with a
 *       shape error (or, for the first, infers a wrong sequence length).</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 000 §3.1. <b>Checked by</b> {@code Seed000GroupQueryAttentionMirrorTest},
 * {@code SeedPyTorchAgreementTest}, {@code MirrorOracleAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed000GroupQueryAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int numHeads;
    private final int headDim;
    private final int groupNum;
    private final NnLinear qLinear;
    private final NnLinear kLinear;
    private final NnLinear vLinear;
    private final NnLinear oLinear;
    private TorchDefaultDtype torchDefaultDtype = TorchDefaultDtype.FLOAT32;

    /**
     * {@code GroupQueryAttention(hidden_size, num_heads, group_num)}. As published this throws
     * {@link MirroredPythonError} {@code TypeError} (S000-GQA-SUPER); FIXED builds it with weights drawn
     * from {@code random}.
     */
    public Seed000GroupQueryAttention(int hiddenSize, int numHeads, int groupNum, Fidelity fidelity,
            SeededRandom random) {
        this(hiddenSize, numHeads, groupNum, fidelity, fidelity == Fidelity.FIXED, random);
    }

    /**
     * The published class with only FIX-11 (the {@code super} call) applied: the forward pass is
     * AS_PUBLISHED. This is what the article's author could have run; it carries the MQA bugs.
     */
    public static Seed000GroupQueryAttention withOnlySuperCallFixed(int hiddenSize, int numHeads, int groupNum,
            SeededRandom random) {
        return new Seed000GroupQueryAttention(hiddenSize, numHeads, groupNum, Fidelity.AS_PUBLISHED, true, random);
    }

    // py: def __init__(self, hidden_size, num_heads, group_num):
    private Seed000GroupQueryAttention(int hiddenSize, int numHeads, int groupNum, Fidelity fidelity,
            boolean superCallFixed, SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // py: super(MutiQueryAttention, self).__init__()
        if (!superCallFixed) {
            throw new MirroredPythonError("TypeError", "super(type, obj): obj must be an instance or subtype of type");
        }
        // FIX-11 (S000-GQA-SUPER): super().__init__()
        // guard: non-positive sizes fail in Python too (ZeroDivisionError, or a negative nn.Linear size).
        Checks.positive("num_heads", numHeads);
        Checks.positive("group_num", groupNum);
        if (fidelity == Fidelity.FIXED) {
            Checks.divides("num_heads", numHeads, "hidden_size", hiddenSize);    // FIX-16 (S000-GQA-DIVIDES)
            Checks.divides("group_num", groupNum, "num_heads", numHeads);        // FIX-16 (S000-GQA-DIVIDES)
        }
        // py: self.num_heads = num_heads
        this.numHeads = numHeads;
        // py: self.head_dim = hidden_size // num_heads
        this.headDim = hiddenSize / numHeads;
        // py: self.group_num = group_num
        this.groupNum = groupNum;
        // py: self.q_linear = nn.Linear(hidden_size, hidden_size)
        this.qLinear = register("q_linear", new NnLinear(hiddenSize, hiddenSize, true, random));
        // py: self.k_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)
        this.kLinear = register("k_linear", new NnLinear(hiddenSize, groupNum * headDim, true, random));
        // py: self.v_linear = nn.Linear(hidden_size, self.group_num * self.head_dim)
        this.vLinear = register("v_linear", new NnLinear(hiddenSize, groupNum * headDim, true, random));
        // py: self.o_linear = nn.Linear(hidden_size, hidden_size)
        this.oLinear = register("o_linear", new NnLinear(hiddenSize, hiddenSize, true, random));
    }

    /** {@code forward(hidden_state)} without a mask. */
    public Tensor forward(Tensor hiddenState) {
        return forward(hiddenState, null);
    }

    /**
     * {@code forward(hidden_state, attention_mask=None)}.
     *
     * @param hiddenState   [B, T, M]
     * @param attentionMask 1 = hide, broadcastable to [B, H, T, T]; null for none
     * @return [B, T, M]
     */
    // py: def forward(self, hidden_state, attention_mask=None):
    public Tensor forward(Tensor hiddenState, Tensor attentionMask) {
        // guard: Python fails on None or a tensor of rank 0 too (AttributeError, IndexError).
        Checks.notNull("hidden_state", hiddenState);
        if (hiddenState.dim() == 0) {
            throw new IllegalArgumentException("hidden_state is 0-dimensional; expected [batch, seq, hidden_size]");
        }
        // py: batch_size = hidden_state.size()[0]
        int batchSize = hiddenState.size(0);
        // py: query = self.q_linear(hidden_state)
        Tensor query = qLinear.forward(hiddenState);                     // [B, T, M]
        // py: key = self.k_linear(hidden_state)
        Tensor key = kLinear.forward(hiddenState);                       // [B, T, G·D]
        // py: value = self.v_linear(hidden_state)
        Tensor value = vLinear.forward(hiddenState);                     // [B, T, G·D]
        // py: query = self.split_head(query)
        query = splitHead(query, null);                                  // [B, H, T, D]
        // py: key = self.split_head(key, self.group_num)
        key = splitHead(key, groupNum);                                  // [B, H, T, D], kv head ⌊h/R⌋
        // py: value = self.split_head(value, self.group_num)
        value = splitHead(value, groupNum);                              // [B, H, T, D]
        // py: attention_scores = torch.matmul(query, key.transpose(-1, -2)) / torch.sqrt(torch.tensor(self.head_dim))
        Tensor attentionScores = query.matmul(key.transpose(-1, -2)).div(sqrtHeadDim());   // FIX-15; [B, H, T, T]
        // py: if attention_mask != None:
        if (attentionMask != null) {                                     // FIX-13 (S000-GQA-NEQ-NONE): `is not None`, same truth value
            if (fidelity == Fidelity.AS_PUBLISHED) {
                // py: attention_scores += attention_mask * -1e-9
                attentionScores = addInPlace(attentionScores, attentionMask.mul(-1e-9));
            } else {
                // FIX-12 (S000-GQA-MASK): attention_scores = attention_scores.masked_fill(attention_mask != 0, float('-inf'))
                attentionScores = attentionScores.maskedFill(attentionMask.eq(0).eq(0), Double.NEGATIVE_INFINITY);
            }
        }
        // py: attention_probs = torch.softmax(attention_scores, dim=-1)
        Tensor attentionProbs = attentionScores.softmax(-1);             // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            // FIX-12 (S000-GQA-MASK): a row with every key hidden gives zeros, not NaN.
            Tensor hidden = attentionMask.eq(0).eq(0).expand(attentionProbs.shape());     // [B, H, T, T]
            Tensor rowHidden = hidden.sum(-1, true).eq(attentionProbs.size(-1));          // [B, H, T, 1]
            attentionProbs = attentionProbs.maskedFill(rowHidden, 0.0);
        }
        // py: output = torch.matmul(attention_probs, value)
        Tensor output = attentionProbs.matmul(value);                    // [B, H, T, D]
        // py: output = output.transpose(-1, -2).contiguous().view(batch_size, -1, self.head_dim * self.num_heads)
        output = (fidelity == Fidelity.AS_PUBLISHED ? output.transpose(-1, -2)  // [B, H, D, T]
                : output.transpose(1, 2))                                        // FIX-14 (S000-GQA-TRANSPOSE): [B, T, H, D]
                .contiguous().view(batchSize, -1, headDim * numHeads);          // [B, T, H·D]
        // py: output = self.o_linear(output)
        output = oLinear.forward(output);                                // [B, T, M]
        // py: return output
        return output;
    }

    // py: def split_head(self, x, group_num=None):
    private Tensor splitHead(Tensor x, Integer groupNum) {
        // py: batch_size,seq_len = x.size()[:2]
        int batchSize = x.size(0);
        int seqLen = x.size(1);
        // py: if group_num == None:
        if (groupNum == null) {
            // py: return x.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1,2)
            return x.view(batchSize, -1, numHeads, headDim).transpose(1, 2);
        } else {
            // py: x = x.view(batch_size, -1, group_num, self.head_dim).transpose(1,2)
            x = x.view(batchSize, -1, groupNum, headDim).transpose(1, 2);                 // [B, G, T, D]
            // py: x = x[:, :, None, :, :].expand(batch_size, group_num, self.num_heads // group_num, seq_len, self.head_dim).reshape(batch_size, self.num_heads // group_num * group_num, seq_len, self.head_dim)
            x = x.unsqueeze(2)                                                              // [B, G, 1, T, D]
                    .expand(batchSize, groupNum, numHeads / groupNum, seqLen, headDim)      // [B, G, R, T, D]
                    .reshape(batchSize, numHeads / groupNum * groupNum, seqLen, headDim);   // [B, R·G, T, D]
            // py: return x
            return x;
        }
    }

    /**
     * {@code torch.sqrt(torch.tensor(self.head_dim))}: an int64 tensor's root, taken in the default dtype.
     * FIX-15 (S000-GQA-SCALE-DTYPE): {@code math.sqrt(self.head_dim)} in float64 when FIXED.
     */
    private double sqrtHeadDim() {
        double root = Math.sqrt(headDim);
        boolean float32 = fidelity == Fidelity.AS_PUBLISHED && torchDefaultDtype == TorchDefaultDtype.FLOAT32;
        // float64 root rounded to float32 = the correctly rounded float32 root (double rounding is exact for sqrt).
        return float32 ? (double) (float) root : root;                   // FIX-15 (S000-GQA-SCALE-DTYPE)
    }

    /**
     * Sets PyTorch's default dtype under which the published forward runs (default
     * {@link TorchDefaultDtype#FLOAT32}, PyTorch's own); only the published scale depends on it (FIX-15).
     */
    public Seed000GroupQueryAttention torchDefaultDtype(TorchDefaultDtype dtype) {
        this.torchDefaultDtype = Checks.notNull("dtype", dtype);
        return this;
    }

    /** {@code target += addend}: the broadcast may not enlarge {@code target}, as for PyTorch's in-place add. */
    private static Tensor addInPlace(Tensor target, Tensor addend) {
        int[] result = Tensor.broadcastShapes(target.shape(), addend.shape());
        if (!Arrays.equals(result, target.shape())) {
            throw new IllegalArgumentException("output with shape " + Arrays.toString(target.shape())
                    + " doesn't match the broadcast shape " + Arrays.toString(result));
        }
        return target.add(addend);
    }
}
