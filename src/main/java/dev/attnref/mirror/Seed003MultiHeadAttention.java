package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;

/**
 * Mirror of seed 003 §3: {@code MultiHeadAttention} with {@code split_heads} / {@code combine_heads},
 * returning the output and the attention weights.
 *
 * <p><b>Computes</b> {@code Q, K, V = split_heads(W_Q Q + b), … [B,H,·,d_k]},
 * {@code logit = Q·Kᵀ / √d_k}, logits where {@code mask == 0} filled with {@code −1e9},
 * {@code p = softmax_s(logit)}, {@code o = p·V}, {@code combine_heads(o) [B,T,M]}, {@code W_O}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>Q</td><td>[B, T, M]</td><td>M = d_model; num_heads divides d_model (asserted)</td></tr>
 *   <tr><td>K, V</td><td>[B, S, M]</td><td>same B</td></tr>
 *   <tr><td>mask</td><td>broadcastable to [B, H, T, S] (documented as [B, 1, T, S]), or null</td>
 *       <td>1 = keep, 0 = hide</td></tr>
 *   <tr><td>result.output</td><td>[B, T, M]</td><td>new tensor</td></tr>
 *   <tr><td>result.attentionWeights</td><td>[B, H, T, S]</td><td>every head (not "one of the heads")</td></tr>
 * </table>
 *
 * <p><b>State dict:</b> {@code W_Q.*}, {@code W_K.*}, {@code W_V.*}, {@code W_O.*}, all {@code [M, M]} with
 * biases, drawn in that order.
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-30 (documentation; S003-DOC): {@code forward}'s docstring says the weights come "from one
 *       of the heads"; they are those of every head, {@code [B, H, T, S]}, as the same docstring's shape
 *       says. {@link #forward} documents what is returned.</li>
 *   <li>FIX-31 (FIXED; S003-FULLMASK): hidden logits are {@code −∞}, not {@code −1e9}, and a row with
 *       every key hidden gives zeros; with {@code −1e9} such a row attends uniformly to every key.</li>
 *   <li>FIX-32 (FIXED; S003-FP16-FILL): the same {@code −∞} fill; {@code −1e9} overflows half precision,
 *       where {@code masked_fill} raises. No effect in float64.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 003 §3. <b>Checked by</b> {@code Seed003MultiHeadAttentionMirrorTest},
 * {@code SeedPyTorchAgreementTest}, {@code MirrorOracleAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed003MultiHeadAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int dModel;
    private final int numHeads;
    private final int dK;
    private final NnLinear wQ;
    private final NnLinear wK;
    private final NnLinear wV;
    private final NnLinear wO;
    private AttentionStep attentionStep = this::scaledDotProductAttention;

    /** The pair {@code (output, attention_weights)} that {@code forward} and the attention function return. */
    public record Result(Tensor output, Tensor attentionWeights) {
    }

    /** The signature of {@code scaled_dot_product_attention(Q, K, V, mask)}, for {@link #replaceScaledDotProductAttention}. */
    @FunctionalInterface
    public interface AttentionStep {
        /** {@code (Q, K, V, mask) → (output, attention_weights)}, heads split as {@code [B, H, ·, d_k]}. */
        Result apply(Tensor q, Tensor k, Tensor v, Tensor mask);
    }

    /** {@code MultiHeadAttention(d_model, num_heads)}, weights from {@code random}. */
    // py: def __init__(self, d_model, num_heads):
    public Seed003MultiHeadAttention(int dModel, int numHeads, Fidelity fidelity, SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: non-positive sizes fail in Python too (ZeroDivisionError or an nn.Linear of negative size).
        Checks.positive("d_model", dModel);
        Checks.positive("num_heads", numHeads);
        // py: super(MultiHeadAttention, self).__init__()
        // py: assert d_model % num_heads == 0, "d_model must be divisible by num_heads"
        if (dModel % numHeads != 0) {
            throw new MirroredPythonError("AssertionError", "d_model must be divisible by num_heads (d_model "
                    + dModel + ", num_heads " + numHeads + ")");
        }
        // py: self.d_model = d_model
        this.dModel = dModel;
        // py: self.num_heads = num_heads
        this.numHeads = numHeads;
        // py: self.d_k = d_model // num_heads # Dimension of each head's key/query/value
        this.dK = dModel / numHeads;
        // py: self.W_Q = nn.Linear(d_model, d_model)
        this.wQ = register("W_Q", new NnLinear(dModel, dModel, true, random));
        // py: self.W_K = nn.Linear(d_model, d_model)
        this.wK = register("W_K", new NnLinear(dModel, dModel, true, random));
        // py: self.W_V = nn.Linear(d_model, d_model)
        this.wV = register("W_V", new NnLinear(dModel, dModel, true, random));
        // py: self.W_O = nn.Linear(d_model, d_model)
        this.wO = register("W_O", new NnLinear(dModel, dModel, true, random));
    }

    /**
     * {@code scaled_dot_product_attention(Q, K, V, mask=None)}.
     *
     * @param q    [B, H, T, d_k]
     * @param k    [B, H, S, d_k]
     * @param v    [B, H, S, d_k]
     * @param mask keep-mask broadcastable to [B, H, T, S], or null
     * @return output [B, H, T, d_k] and weights [B, H, T, S]
     */
    // py: def scaled_dot_product_attention(self, Q, K, V, mask=None):
    public Result scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
        // py: attn_scores = torch.matmul(Q, K.transpose(-2, -1)) / math.sqrt(self.d_k) # (batch_size, num_heads, seq_len_q, seq_len_k)
        Tensor attnScores = q.matmul(k.transpose(-2, -1)).div(Math.sqrt(dK));              // [B, H, T, S]
        // py: if mask is not None:
        if (mask != null) {
            // py: attn_scores = attn_scores.masked_fill(mask == 0, -1e9) # Mask out invalid positions
            double fill = fidelity == Fidelity.AS_PUBLISHED ? -1e9 : Double.NEGATIVE_INFINITY;  // FIX-31, FIX-32: −∞
            attnScores = attnScores.maskedFill(mask.eq(0), fill);
        }
        // py: attention_weights = F.softmax(attn_scores, dim=-1) # (batch_size, num_heads, seq_len_q, seq_len_k)
        Tensor attentionWeights = attnScores.softmax(-1);               // [B, H, T, S]
        if (mask != null && fidelity == Fidelity.FIXED) {
            // FIX-31 (S003-FULLMASK): masked_fill((mask == 0).all(dim=-1, keepdim=True), 0.0), a row with no visible key
            Tensor rowHidden = mask.eq(0).sum(-1, true).eq(mask.size(-1));                 // [.., 1]
            attentionWeights = attentionWeights.maskedFill(rowHidden, 0.0);
        }
        // py: output = torch.matmul(attention_weights, V) # (batch_size, num_heads, seq_len_q, d_k)
        Tensor output = attentionWeights.matmul(v);                     // [B, H, T, d_k]
        // py: return output, attention_weights
        return new Result(output, attentionWeights);
    }

    /** {@code split_heads(x)}: {@code [B, T, M] → [B, H, T, d_k]}, a transposed (non-contiguous) view. */
    // py: def split_heads(self, x):
    public Tensor splitHeads(Tensor x) {
        // guard: Python fails on a tensor that is not 3-D too (ValueError unpacking x.size()).
        if (x.dim() != 3) {
            throw new IllegalArgumentException("x has " + x.dim() + " axes; expected (batch_size, seq_len, d_model)");
        }
        // py: batch_size, seq_len, d_model = x.size()
        int batchSize = x.size(0);
        int seqLen = x.size(1);
        // py: return x.view(batch_size, seq_len, self.num_heads, self.d_k).transpose(1, 2)
        return x.view(batchSize, seqLen, numHeads, dK).transpose(1, 2);
    }

    /** {@code combine_heads(x)}: {@code [B, H, T, d_k] → [B, T, M]}. */
    // py: def combine_heads(self, x):
    public Tensor combineHeads(Tensor x) {
        // guard: Python fails on a tensor that is not 4-D too (ValueError unpacking x.size()).
        if (x.dim() != 4) {
            throw new IllegalArgumentException("x has " + x.dim() + " axes; expected (batch_size, num_heads, seq_len, d_k)");
        }
        // py: batch_size, num_heads, seq_len, d_k = x.size()
        int batchSize = x.size(0);
        int seqLen = x.size(2);
        // py: return x.transpose(1, 2).contiguous().view(batch_size, seq_len, self.d_model)
        return x.transpose(1, 2).contiguous().view(batchSize, seqLen, dModel);
    }

    /**
     * {@code forward(Q, K, V, mask=None)}.
     *
     * @return the output {@code [B, T, M]} and the attention weights of <em>every</em> head
     *         {@code [B, H, T, S]} (FIX-30: the published docstring says "from one of the heads")
     */
    // py: def forward(self, Q, K, V, mask=None):
    public Result forward(Tensor q, Tensor k, Tensor v, Tensor mask) {
        // py: Q = self.W_Q(Q) # (batch_size, seq_len_q, d_model)
        q = wQ.forward(q);                                               // [B, T, M]
        // py: K = self.W_K(K) # (batch_size, seq_len_k, d_model)
        k = wK.forward(k);                                               // [B, S, M]
        // py: V = self.W_V(V) # (batch_size, seq_len_k, d_model)
        v = wV.forward(v);                                               // [B, S, M]
        // py: Q = self.split_heads(Q) # (batch_size, num_heads, seq_len_q, d_k)
        q = splitHeads(q);                                               // [B, H, T, d_k]
        // py: K = self.split_heads(K) # (batch_size, num_heads, seq_len_k, d_k)
        k = splitHeads(k);                                               // [B, H, S, d_k]
        // py: V = self.split_heads(V) # (batch_size, num_heads, seq_len_k, d_k)
        v = splitHeads(v);                                               // [B, H, S, d_k]
        // py: output, attention_weights = self.scaled_dot_product_attention(Q, K, V, mask) # (batch_size, num_heads, seq_len_q, d_k)
        Result attended = attentionStep.apply(q, k, v, mask);
        Tensor output = attended.output();                               // [B, H, T, d_k]
        Tensor attentionWeights = attended.attentionWeights();           // [B, H, T, S]
        // py: output = self.combine_heads(output) # (batch_size, seq_len_q, d_model)
        output = combineHeads(output);                                   // [B, T, M]
        // py: output = self.W_O(output) # (batch_size, seq_len_q, d_model)
        output = wO.forward(output);                                     // [B, T, M]
        // py: return output, attention_weights
        // FIX-30 (S003-DOC): attention_weights are every head's, [B, H, T, S], not "from one of the heads".
        return new Result(output, attentionWeights);
    }

    /**
     * {@code module.scaled_dot_product_attention = f}: what §7 proposes, putting its {@code torch.bmm}
     * version in place of the method. Python looks the attribute up on the instance, so {@link #forward}
     * calls {@code f} from then on. Returns this module.
     */
    public Seed003MultiHeadAttention replaceScaledDotProductAttention(AttentionStep step) {
        this.attentionStep = Checks.notNull("step", step);
        return this;
    }

    /** {@code self.num_heads}. */
    public int numHeads() {
        return numHeads;
    }

    /** {@code self.d_k}. */
    public int dK() {
        return dK;
    }
}
