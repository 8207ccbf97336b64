package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * Mirror of seed 002's {@code MultiHeadAttention} (mask and dropout) and of the example that follows it.
 *
 * <p><b>Computes</b> {@code q, k, v = split(x·Wᵀ + b) [B,H,T,D]}, {@code logit = q·kᵀ / √D}, logits
 * where {@code attention_mask == 0} filled with {@code −1e20}, {@code p = softmax_s(logit)},
 * dropout(0.1) on {@code p}, {@code o = p·v}, heads merged to {@code [B,T,M]}, {@code o_proj}. Prints the
 * mask's type and the whole weight tensor on every call, as published.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>X</td><td>[B, T, M]</td><td>M = hidden_dim</td></tr>
 *   <tr><td>attention_mask</td><td>broadcastable to [B, H, T, T], or null</td>
 *       <td>1 = keep, 0 = hide; FIXED requires rank 4 (FIX-3)</td></tr>
 *   <tr><td>result</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict:</b> {@code q_proj.*}, {@code k_proj.*}, {@code v_proj.*}, {@code o_proj.*}, all
 * {@code [M, M]} with biases, drawn in that order. {@code att_dropout} has no parameters.
 *
 * <p><b>Conventions:</b> starts in training mode, so dropout is active until {@link #eval()}; its masks
 * come from the {@link SeededRandom} the module was built with. {@code print} goes to
 * {@link #printTo(PrintStream)} (default {@code System.out}).
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }):
 * <ul>
 *   <li>FIX-1 (FIXED; S002-PRINT): both {@code print} calls in {@code forward} removed.</li>
 *   <li>FIX-2 (FIXED; S002-FULLMASK): hidden logits are {@code −∞}, not {@code −1e20}, and a row with
 *       every key hidden gives zeros; with {@code −1e20} such a row attends uniformly to every key.</li>
 *   <li>FIX-3 (FIXED; S002-MASK-SHAPE): the comment says {@code attention_mask shape is (batch, seq)},
 *       but {@code masked_fill} broadcasts a mask against {@code [B, H, T, T]} from the right, so a
 *       {@code (batch, seq)} mask lines batch rows up with query positions: silently wrong when
 *       {@code B = T}, an error otherwise. Fixed: the mask must have four axes.</li>
 *   <li>FIX-4 (FIXED example; S002-DROPOUT): the example's module is left in training mode, so its
 *       output is random on every call; the fixed example calls {@code net.eval()} first.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 002, "multi-head self-attention". <b>Checked by</b>
 * {@code Seed002MultiHeadAttentionMirrorTest}, {@code SeedPyTorchAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed002MultiHeadAttention extends MirrorModule {
    private final Fidelity fidelity;
    private final int numsHead;
    private final int headDim;
    private final int hiddenDim;
    private final NnLinear qProj;
    private final NnLinear kProj;
    private final NnLinear vProj;
    private final NnDropout attDropout;
    private final NnLinear oProj;
    private PrintStream out = System.out;

    /** {@code MultiHeadAttention(hidden_dim, nums_head)}; weights from {@code random}, which also drives dropout. */
    // py: def __init__(self, hidden_dim, nums_head) -> None:
    public Seed002MultiHeadAttention(int hiddenDim, int numsHead, Fidelity fidelity, SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: nums_head ≤ 0 fails in Python too (ZeroDivisionError, or a view with a negative size).
        Checks.positive("nums_head", numsHead);
        // py: super().__init__()
        // py: self.nums_head = nums_head
        this.numsHead = numsHead;
        // py: self.head_dim = hidden_dim // nums_head
        this.headDim = hiddenDim / numsHead;
        // py: self.hidden_dim = hidden_dim
        this.hiddenDim = hiddenDim;
        // py: self.q_proj = nn.Linear(hidden_dim, hidden_dim)
        this.qProj = register("q_proj", new NnLinear(hiddenDim, hiddenDim, true, random));
        // py: self.k_proj = nn.Linear(hidden_dim, hidden_dim)
        this.kProj = register("k_proj", new NnLinear(hiddenDim, hiddenDim, true, random));
        // py: self.v_proj = nn.Linear(hidden_dim, hidden_dim)
        this.vProj = register("v_proj", new NnLinear(hiddenDim, hiddenDim, true, random));
        // py: self.att_dropout = nn.Dropout(0.1)
        this.attDropout = register("att_dropout", new NnDropout(0.1, random));
        // py: self.o_proj = nn.Linear(hidden_dim, hidden_dim)
        this.oProj = register("o_proj", new NnLinear(hiddenDim, hiddenDim, true, random));
    }

    /** Where the published {@code print} calls write (default {@code System.out}); returns this module. */
    public Seed002MultiHeadAttention printTo(PrintStream stream) {
        this.out = Checks.notNull("stream", stream);
        return this;
    }

    /**
     * {@code forward(X, attention_mask=None)}.
     *
     * @param x             [B, T, M]
     * @param attentionMask keep-mask (1 = keep) broadcastable to [B, H, T, T], or null
     * @return [B, T, M]
     */
    // py: def forward(self, X, attention_mask=None):
    public Tensor forward(Tensor x, Tensor attentionMask) {
        // guard: Python fails on these too (ValueError unpacking X.size()).
        Checks.notNull("X", x);
        if (x.dim() != 3) {
            throw new IllegalArgumentException("X has " + x.dim() + " axes; expected (batch, seq, hidden_dim)");
        }
        if (fidelity == Fidelity.FIXED && attentionMask != null && attentionMask.dim() != 4) {
            // FIX-3: a (batch, seq) mask would be broadcast as (seq_q, seq_k).
            throw new IllegalArgumentException("attention_mask has shape " + Arrays.toString(attentionMask.shape())
                    + "; expected 4 axes broadcastable to (batch, nums_head, seq, seq), e.g. a key mask as (batch, 1, 1, seq)");
        }
        // py: batch_size, seq_len, _ = X.size()
        int batchSize = x.size(0);
        int seqLen = x.size(1);
        // py: Q = self.q_proj(X)
        Tensor q = qProj.forward(x);                                     // [B, T, M]
        // py: K = self.k_proj(X)
        Tensor k = kProj.forward(x);                                     // [B, T, M]
        // py: V = self.v_proj(X)
        Tensor v = vProj.forward(x);                                     // [B, T, M]
        // py: q_state = Q.view(batch_size, seq_len, self.nums_head, self.head_dim).permute(0, 2, 1, 3)
        Tensor qState = q.view(batchSize, seqLen, numsHead, headDim).permute(0, 2, 1, 3);   // [B, H, T, D]
        // py: k_state = K.view(batch_size, seq_len, self.nums_head, self.head_dim).transpose(1, 2)
        Tensor kState = k.view(batchSize, seqLen, numsHead, headDim).transpose(1, 2);       // [B, H, T, D]
        // py: v_state = V.view(batch_size, seq_len, self.nums_head, self.head_dim).transpose(1, 2)
        Tensor vState = v.view(batchSize, seqLen, numsHead, headDim).transpose(1, 2);       // [B, H, T, D]
        // py: attention_weight = (q_state @ k_state.transpose(-1, -2) / math.sqrt(self.head_dim))
        Tensor attentionWeight = qState.matmul(kState.transpose(-1, -2)).div(Math.sqrt(headDim));   // [B, H, T, T]
        if (fidelity == Fidelity.AS_PUBLISHED) {                         // FIX-1: no print when FIXED
            // py: print(type(attention_mask))
            out.println(attentionMask == null ? "<class 'NoneType'>" : "<class 'torch.Tensor'>");
        }
        // py: if attention_mask is not None:
        if (attentionMask != null) {
            // py: attention_weight = attention_weight.masked_fill(attention_mask == 0, float("-1e20"))
            double fill = fidelity == Fidelity.AS_PUBLISHED ? -1e20 : Double.NEGATIVE_INFINITY;    // FIX-2: −∞
            attentionWeight = attentionWeight.maskedFill(attentionMask.eq(0), fill);
        }
        // py: attention_weight = torch.softmax(attention_weight, dim=3)
        attentionWeight = attentionWeight.softmax(3);                    // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            // FIX-2: a row with every key hidden gives zeros, not NaN.
            Tensor hidden = attentionMask.eq(0).expand(attentionWeight.shape());           // [B, H, T, T]
            Tensor rowHidden = hidden.sum(-1, true).eq(attentionWeight.size(-1));           // [B, H, T, 1]
            attentionWeight = attentionWeight.maskedFill(rowHidden, 0.0);
        }
        if (fidelity == Fidelity.AS_PUBLISHED) {                         // FIX-1: no print when FIXED
            // py: print(attention_weight)
            out.println(pythonRepr(attentionWeight));
        }
        // py: attention_weight = self.att_dropout(attention_weight)
        attentionWeight = attDropout.forward(attentionWeight);
        // py: output_mid = attention_weight @ v_state
        Tensor outputMid = attentionWeight.matmul(vState);               // [B, H, T, D]
        // py: output_mid = output_mid.transpose(1, 2).contiguous()
        outputMid = outputMid.transpose(1, 2).contiguous();              // [B, T, H, D]
        // py: output = output_mid.view(batch_size, seq_len, -1)
        Tensor output = outputMid.view(batchSize, seqLen, -1);           // [B, T, M]
        // py: output = self.o_proj(output)
        output = oProj.forward(output);                                  // [B, T, M]
        // py: return output
        return output;
    }

    /** The published example's objects: its input, its module and the output of its one call. */
    public record Example(Tensor x, Tensor attentionMask, Seed002MultiHeadAttention net, Tensor output) {
    }

    /**
     * The example after the class: a {@code [3, 2, 128]} input, a mask whose second batch row hides
     * every key, one call. {@code torch.rand} is drawn from {@code random} ({@code U[0, 1)}), then the
     * weights. FIXED calls {@code net.eval()} before the call (FIX-4).
     */
    public static Example example(Fidelity fidelity, SeededRandom random, PrintStream stream) {
        // py: attention_mask = (torch.tensor([[0, 1], [0, 0], [1, 0]]).unsqueeze(1).unsqueeze(2).expand(3, 8, 2, 2))
        Tensor attentionMask = Tensor.of(new double[] {0, 1, 0, 0, 1, 0}, 3, 2)
                .unsqueeze(1).unsqueeze(2).expand(3, 8, 2, 2);           // [B=3, H=8, T=2, S=2]
        // py: x = torch.rand(3, 2, 128)
        Tensor x = Tensor.uniform(random, 0, 1, 3, 2, 128);
        // py: net = MultiHeadAttention(128, 8)
        Seed002MultiHeadAttention net = new Seed002MultiHeadAttention(128, 8, fidelity, random).printTo(stream);
        if (fidelity == Fidelity.FIXED) {
            net.eval();                                                  // FIX-4: inference without dropout
        }
        // py: net(x, attention_mask).shape
        Tensor output = net.forward(x, attentionMask);
        return new Example(x, attentionMask, net, output);
    }

    /** Approximately {@code repr} of a PyTorch float64 tensor: nested rows, four decimals. */
    private static String pythonRepr(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        appendNested(sb, t.toArray(), t.shape(), 0, 0, "       ");
        return sb.append(", dtype=torch.float64, grad_fn=<SoftmaxBackward0>)").toString();
    }

    private static int appendNested(StringBuilder sb, double[] values, int[] shape, int axis, int at, String indent) {
        sb.append('[');
        for (int i = 0; i < shape[axis]; i++) {
            if (i > 0) {
                sb.append(axis == shape.length - 1 ? ", " : ",\n" + indent + " ".repeat(axis + 1));
            }
            if (axis == shape.length - 1) {
                sb.append(String.format(Locale.ROOT, "%.4f", values[at++]));
            } else {
                at = appendNested(sb, values, shape, axis + 1, at, indent);
            }
        }
        sb.append(']');
        return at;
    }

    /** {@code self.hidden_dim}. */
    public int hiddenDim() {
        return hiddenDim;
    }
}
