package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.io.PrintStream;
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
 *   <tr><td>attention_mask</td><td>broadcastable to [B, H, T, T], or null; FIXED also (batch, seq)</td>
 *       <td>1 = keep, 0 = hide</td></tr>
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
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-21 (FIXED; S002-PRINT): both {@code print} calls in {@code forward} removed.</li>
 *   <li>FIX-22 (FIXED example; S002-DROPOUT): the example's module is left in training mode, so its
 *       output is random on every call; the fixed example calls {@code net.eval()} first.</li>
 *   <li>FIX-23 (FIXED; S002-FULLMASK): hidden logits are {@code −∞}, not {@code −1e20}, and a row with
 *       every key hidden gives zeros; with {@code −1e20} such a row attends uniformly to every key.</li>
 *   <li>FIX-24 (FIXED; S002-FP16-FILL): the same {@code −∞} fill; {@code −1e20} overflows half precision,
 *       where {@code masked_fill} raises. No effect in float64.</li>
 *   <li>FIX-25 (FIXED; S002-MASK-DOC): the comment says {@code attention_mask shape is (batch, seq)},
 *       but {@code masked_fill} broadcasts a mask against {@code [B, H, T, T]} from the right, so a
 *       {@code (batch, seq)} mask lines batch rows up with query positions: silently wrong when
 *       {@code B = T}, an error otherwise. Fixed: a 2-D mask is a key-padding mask, viewed as
 *       {@code (batch, 1, 1, seq)}.</li>
 *   <li>FIX-26 (FIXED; S002-MHA-DIVIDES): {@code nums_head} must divide {@code hidden_dim}.</li>
 *   <li>FIX-27 (documentation; S002-VIEW-DOC): the comment says {@code view} works only on contiguous
 *       memory; it needs strides compatible with the new shape, which the transposed tensor lacks.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 002, "multi-head self-attention". <b>Checked by</b>
 * {@code Seed002MultiHeadAttentionMirrorTest}, {@code SeedPyTorchAgreementTest},
 * {@code MirrorOracleAgreementTest},
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
        if (fidelity == Fidelity.FIXED) {
            Checks.divides("nums_head", numsHead, "hidden_dim", hiddenDim);    // FIX-26 (S002-MHA-DIVIDES)
        }
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
        if (fidelity == Fidelity.AS_PUBLISHED) {                         // FIX-21 (S002-PRINT): no print when FIXED
            // py: print(type(attention_mask))
            out.println(attentionMask == null ? "<class 'NoneType'>" : "<class 'torch.Tensor'>");
        }
        // py: if attention_mask is not None:
        if (attentionMask != null) {
            if (fidelity == Fidelity.FIXED && attentionMask.dim() == 2) {
                // FIX-25 (S002-MASK-DOC): attention_mask = attention_mask[:, None, None, :], a key-padding mask
                attentionMask = attentionMask.unsqueeze(1).unsqueeze(2);     // [B, 1, 1, S]
            }
            // py: attention_weight = attention_weight.masked_fill(attention_mask == 0, float("-1e20"))
            double fill = fidelity == Fidelity.AS_PUBLISHED ? -1e20 : Double.NEGATIVE_INFINITY;    // FIX-23, FIX-24: −∞
            attentionWeight = attentionWeight.maskedFill(attentionMask.eq(0), fill);
        }
        // py: attention_weight = torch.softmax(attention_weight, dim=3)
        attentionWeight = attentionWeight.softmax(3);                    // [B, H, T, T]
        if (attentionMask != null && fidelity == Fidelity.FIXED) {
            // FIX-23 (S002-FULLMASK): masked_fill((attention_mask == 0).all(dim=-1, keepdim=True), 0.0)
            Tensor rowHidden = attentionMask.eq(0).sum(-1, true).eq(attentionMask.size(-1));   // [.., 1]
            attentionWeight = attentionWeight.maskedFill(rowHidden, 0.0);
        }
        if (fidelity == Fidelity.AS_PUBLISHED) {                         // FIX-21 (S002-PRINT): no print when FIXED
            // py: print(attention_weight)
            out.println(pythonRepr(attentionWeight));
        }
        // py: attention_weight = self.att_dropout(attention_weight)
        attentionWeight = attDropout.forward(attentionWeight);
        // py: output_mid = attention_weight @ v_state
        Tensor outputMid = attentionWeight.matmul(vState);               // [B, H, T, D]
        // py: # 如果后面用 Reshape 就可以不用这个 contiguous(),因为 view 只能在连续内存中操作
        // FIX-27 (S002-VIEW-DOC): view needs strides compatible with the new shape; after transpose they are not.
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
     * weights. FIXED calls {@code net.eval()} before the call (FIX-22).
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
            net.eval();                                                  // FIX-22 (S002-DROPOUT): inference without dropout
        }
        // py: net(x, attention_mask).shape
        Tensor output = net.forward(x, attentionMask);
        return new Example(x, attentionMask, net, output);
    }

    /**
     * {@code repr} of the printed weight tensor as PyTorch 1.13 writes it when the default dtype is
     * float64 and the module's parameters require grad: PyTorch's formatter (four decimals; whole numbers
     * as {@code 1.}; scientific {@code 1.2345e-05} when the non-zero magnitudes span more than 10³, exceed
     * 10⁸ or fall below 10⁻⁴; right-aligned to a common width), rows wrapped at 80 characters, blocks of
     * rank r separated by r − 1 blank lines, then {@code grad_fn=<SoftmaxBackward0>}. Tensors of more
     * than 1000 elements are printed in full (PyTorch would abbreviate them with "...").
     */
    private static String pythonRepr(Tensor t) {
        double[] values = t.toArray();
        TorchFormatter formatter = new TorchFormatter(values);
        StringBuilder sb = new StringBuilder("tensor(");
        appendBlock(sb, values, 0, t.shape(), 0, "tensor(".length(), formatter);
        return sb.append(", grad_fn=<SoftmaxBackward0>)").toString();
    }

    /** {@code _tensor_str_with_formatter}: one block of {@code shape[axis:]} starting at flat index {@code at}. */
    private static void appendBlock(StringBuilder sb, double[] values, int at, int[] shape, int axis, int indent,
            TorchFormatter formatter) {
        int rank = shape.length - axis;
        if (rank == 1) {
            // _vector_str: as many "x, " as fit in 80 − indent characters per line.
            int perLine = Math.max(1, (80 - indent) / (formatter.width + 2));
            sb.append('[');
            for (int i = 0; i < shape[axis]; i++) {
                if (i > 0) {
                    sb.append(i % perLine == 0 ? ",\n" + " ".repeat(indent + 1) : ", ");
                }
                sb.append(formatter.format(values[at + i]));
            }
            sb.append(']');
            return;
        }
        int block = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            block *= shape[d];
        }
        sb.append('[');
        for (int i = 0; i < shape[axis]; i++) {
            if (i > 0) {
                sb.append(',').append("\n".repeat(rank - 1)).append(" ".repeat(indent + 1));
            }
            appendBlock(sb, values, at + i * block, shape, axis + 1, indent + 1, formatter);
        }
        sb.append(']');
    }

    /** PyTorch 1.13's {@code _Formatter} for a floating tensor with the default print options. */
    private static final class TorchFormatter {
        private boolean intMode = true;
        private boolean sciMode;
        private int width = 1;

        TorchFormatter(double[] values) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            boolean any = false;
            for (double v : values) {
                if (Double.isFinite(v) && v != 0) {
                    any = true;
                    min = Math.min(min, Math.abs(v));
                    max = Math.max(max, Math.abs(v));
                    intMode &= v == Math.ceil(v);
                }
            }
            if (!any) {
                return;
            }
            sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
            for (double v : values) {
                if (Double.isFinite(v) && v != 0) {
                    int length = sciMode ? sci(v).length() : intMode ? String.format(Locale.ROOT, "%.0f", v).length() + 1
                            : String.format(Locale.ROOT, "%.4f", v).length();
                    width = Math.max(width, length);
                }
            }
        }

        String format(double v) {
            String text;
            if (Double.isNaN(v)) {
                text = "nan";
            } else if (Double.isInfinite(v)) {
                text = v > 0 ? "inf" : "-inf";
            } else if (sciMode) {
                text = sci(v);
            } else if (intMode) {
                text = String.format(Locale.ROOT, "%.0f", v) + ".";
            } else {
                text = String.format(Locale.ROOT, "%.4f", v);
            }
            return " ".repeat(Math.max(0, width - text.length())) + text;
        }

        /** Python's {@code '{:.4e}'}: mantissa with four decimals, exponent with sign and at least two digits. */
        private static String sci(double v) {
            return String.format(Locale.ROOT, "%.4e", v);
        }
    }

    /** {@code self.att_dropout}, e.g. to {@link NnDropout#replayKeep replay} a dropout recorded in PyTorch. */
    public NnDropout attDropout() {
        return attDropout;
    }

    /** {@code self.hidden_dim}. */
    public int hiddenDim() {
        return hiddenDim;
    }
}
