package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * Mirror of seed 000 §2.1: {@code MutiQueryAttention} (sic), multi-query attention with one shared
 * key/value head.
 *
 * <p><b>Computes</b> {@code q = split(x·W_qᵀ + b_q) [B,H,T,D]}, {@code k, v = split(x·W_kᵀ + b_k) [B,1,T,D]},
 * {@code logit = q·kᵀ / √D}, the published "mask" {@code logit += mask · (−1e-9)},
 * {@code p = softmax_s(logit)}, {@code o = p·v [B,H,T,D]}, heads merged to {@code [B,T,H·D]}, then
 * {@code o_linear}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>hidden_state</td><td>[B, T, M]</td><td>M = hidden_size</td></tr>
 *   <tr><td>attention_mask</td><td>broadcastable to [B, H, T, T] without enlarging it, or null</td>
 *       <td>1 = hide, 0 = keep (the code adds {@code mask · −big})</td></tr>
 *   <tr><td>result</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict:</b> {@code q_linear.* [M, M]}, {@code k_linear.* [D, M]}, {@code v_linear.* [D, M]},
 * {@code o_linear.* [M, M]}, each with a bias; drawn in that order.
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-6 (FIXED; S000-MQA-MASK): {@code attention_scores += attention_mask * -1e-9} moves a hidden
 *       logit by 1e-9, which hides nothing. Fixed: hidden logits become {@code −∞}
 *       ({@code masked_fill(attention_mask != 0, -inf)}), and a row with every key hidden gives zeros.</li>
 *   <li>FIX-7 (both fidelities, no change of behaviour; S000-NEQ-NONE): {@code attention_mask != None}
 *       is read as {@code is not None}. On a tensor PyTorch's {@code __ne__} rejects {@code None},
 *       Python falls back to identity and the test is true for every tensor, so the two agree.</li>
 *   <li>FIX-8 (FIXED; S000-MQA-TRANSPOSE): {@code output.transpose(-1, -2)} swaps positions and
 *       features before the heads are merged, scrambling positions whenever T &gt; 1. Fixed:
 *       {@code transpose(1, 2)}.</li>
 *   <li>FIX-9 (FIXED; S000-MQA-SCALE-DTYPE): {@code torch.sqrt(torch.tensor(self.head_dim))} is computed
 *       in PyTorch's default dtype: under the out-of-the-box float32 default a float64 model divides by
 *       {@code √D} rounded to float32 (relative error up to 6e-8, none when D is a perfect square).
 *       Mirrored as {@code (double) (float) √D} when {@link #torchDefaultDtype} is
 *       {@link TorchDefaultDtype#FLOAT32} (the default). Fixed: {@code math.sqrt(self.head_dim)}.</li>
 *   <li>FIX-10 (FIXED; S000-MQA-DIVIDES): {@code num_heads} must divide {@code hidden_size}; as
 *       published the query split infers a wrong length and the call fails later with a shape error.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 000 §2.1. <b>Checked by</b> {@code Seed000MutiQueryAttentionMirrorTest},
 * {@code SeedPyTorchAgreementTest}, {@code MirrorOracleAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed000MutiQueryAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int numHeads;
    private final int headDim;
    private final NnLinear qLinear;
    private final NnLinear kLinear;
    private final NnLinear vLinear;
    private final NnLinear oLinear;
    private TorchDefaultDtype torchDefaultDtype = TorchDefaultDtype.FLOAT32;

    /** {@code MutiQueryAttention(hidden_size, num_heads)} with weights drawn from {@code random}. */
    // py: def __init__(self, hidden_size, num_heads):
    public Seed000MutiQueryAttention(int hiddenSize, int numHeads, Fidelity fidelity, SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: num_heads ≤ 0 fails in Python too (ZeroDivisionError, or a negative nn.Linear size).
        Checks.positive("num_heads", numHeads);
        if (fidelity == Fidelity.FIXED) {
            Checks.divides("num_heads", numHeads, "hidden_size", hiddenSize);    // FIX-10 (S000-MQA-DIVIDES)
        }
        // py: super(MutiQueryAttention, self).__init__()
        // py: self.num_heads = num_heads
        this.numHeads = numHeads;
        // py: self.head_dim = hidden_size // num_heads
        this.headDim = hiddenSize / numHeads;
        // py: self.q_linear = nn.Linear(hidden_size, hidden_size)
        this.qLinear = register("q_linear", new NnLinear(hiddenSize, hiddenSize, true, random));
        // py: self.k_linear = nn.Linear(hidden_size, self.head_dim) ###
        this.kLinear = register("k_linear", new NnLinear(hiddenSize, headDim, true, random));
        // py: self.v_linear = nn.Linear(hidden_size, self.head_dim) ###
        this.vLinear = register("v_linear", new NnLinear(hiddenSize, headDim, true, random));
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
        Tensor key = kLinear.forward(hiddenState);                       // [B, T, D]
        // py: value = self.v_linear(hidden_state)
        Tensor value = vLinear.forward(hiddenState);                     // [B, T, D]
        // py: query = self.split_head(query)
        query = splitHead(query, null);                                  // [B, H, T, D]
        // py: key = self.split_head(key, 1)
        key = splitHead(key, 1);                                         // [B, 1, T, D]
        // py: value = self.split_head(value, 1)
        value = splitHead(value, 1);                                     // [B, 1, T, D]
        // py: attention_scores = torch.matmul(query, key.transpose(-1, -2)) / torch.sqrt(torch.tensor(self.head_dim))
        Tensor attentionScores = query.matmul(key.transpose(-1, -2)).div(sqrtHeadDim());   // FIX-9; [B, H, T, T]
        // py: if attention_mask != None:
        if (attentionMask != null) {                                     // FIX-7 (S000-NEQ-NONE): `is not None`, same truth value
            if (fidelity == Fidelity.AS_PUBLISHED) {
                // py: attention_scores += attention_mask * -1e-9
                attentionScores = addInPlace(attentionScores, attentionMask.mul(-1e-9));
            } else {
                // FIX-6 (S000-MQA-MASK): attention_scores = attention_scores.masked_fill(attention_mask != 0, float('-inf'))
                attentionScores = hideWithMinusInfinity(attentionScores, attentionMask);
            }
        }
        // py: attention_probs = torch.softmax(attention_scores, dim=-1)
        Tensor attentionProbs = attentionScores.softmax(-1);             // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            attentionProbs = zeroFullyHiddenRows(attentionProbs, attentionMask);    // FIX-6 (S000-MQA-MASK)
        }
        // py: output = torch.matmul(attention_probs, value)
        Tensor output = attentionProbs.matmul(value);                    // [B, H, T, D]
        // py: output = output.transpose(-1, -2).contiguous().view(batch_size, -1, self.head_dim * self.num_heads)
        output = (fidelity == Fidelity.AS_PUBLISHED ? output.transpose(-1, -2)  // [B, H, D, T]
                : output.transpose(1, 2))                                        // FIX-8 (S000-MQA-TRANSPOSE): [B, T, H, D]
                .contiguous().view(batchSize, -1, headDim * numHeads);          // [B, T, H·D]
        // py: output = self.o_linear(output)
        output = oLinear.forward(output);                                // [B, T, M]
        // py: return output
        return output;
    }

    // py: def split_head(self, x, head_num=None):
    private Tensor splitHead(Tensor x, Integer headNum) {
        // py: batch_size = x.size()[0]
        int batchSize = x.size(0);
        // py: if head_num == None:
        if (headNum == null) {
            // py: return x.view(batch_size, -1, self.num_heads, self.head_dim).transpose(1,2)
            return x.view(batchSize, -1, numHeads, headDim).transpose(1, 2);
        } else {
            // py: return x.view(batch_size, -1, head_num, self.head_dim).transpose(1,2)
            return x.view(batchSize, -1, headNum, headDim).transpose(1, 2);
        }
    }

    /**
     * {@code torch.sqrt(torch.tensor(self.head_dim))}: an int64 tensor's root, taken in the default dtype.
     * FIX-9 (S000-MQA-SCALE-DTYPE): {@code math.sqrt(self.head_dim)} in float64 when FIXED.
     */
    private double sqrtHeadDim() {
        double root = Math.sqrt(headDim);
        boolean float32 = fidelity == Fidelity.AS_PUBLISHED && torchDefaultDtype == TorchDefaultDtype.FLOAT32;
        // The float64 root rounded to float32 is the correctly rounded float32 root (double rounding is
        // exact for sqrt), i.e. what torch.sqrt returns in float32.
        return float32 ? (double) (float) root : root;                   // FIX-9 (S000-MQA-SCALE-DTYPE)
    }

    /**
     * Sets PyTorch's default dtype under which the published forward runs (default
     * {@link TorchDefaultDtype#FLOAT32}, PyTorch's own); only the published scale depends on it (FIX-9).
     */
    public Seed000MutiQueryAttention torchDefaultDtype(TorchDefaultDtype dtype) {
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

    /** Logits where the (1 = hide) mask is non-zero become −∞. */
    private static Tensor hideWithMinusInfinity(Tensor scores, Tensor hideMask) {
        return scores.maskedFill(hideMask.eq(0).eq(0), Double.NEGATIVE_INFINITY);
    }

    /** Probability rows whose keys are all hidden (1 = hide mask) become zeros instead of NaN. */
    private static Tensor zeroFullyHiddenRows(Tensor probs, Tensor hideMask) {
        Tensor hidden = hideMask.eq(0).eq(0).expand(probs.shape());    // [B, H, T, S]
        Tensor rowHidden = hidden.sum(-1, true).eq(probs.size(-1));    // [B, H, T, 1]
        return probs.maskedFill(rowHidden, 0.0);
    }
}
