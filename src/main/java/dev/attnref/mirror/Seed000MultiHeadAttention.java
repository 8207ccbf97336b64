package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.SeededRandom;
import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Mirror of seed 000 §1.1: labml's {@code MultiHeadAttention} with its helper
 * {@code PrepareForMultiHeadAttention} (the scrape flattened it onto one line; breaks restored by
 * reading the statements).
 *
 * <p><b>Computes</b>, per head {@code h}, in labml's sequence-first layout:
 * {@code S[i,j,b,h] = Σ_d Q[i,b,h,d]·K[j,b,h,d] · 1/√d_k}, hidden where {@code mask[i,j,b] = 0}
 * ({@code −∞}), {@code A = softmax_j(S)}, dropout on {@code A},
 * {@code x[i,b,h,·] = Σ_j A[i,j,b,h]·V[j,b,h,·]}, heads concatenated, then {@code output}.
 *
 * <table>
 *   <caption>Shapes (labml puts the sequence first)</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>query</td><td>[T, B, M]</td><td>M = d_model</td></tr>
 *   <tr><td>key, value</td><td>[S, B, M]</td><td>same B</td></tr>
 *   <tr><td>mask</td><td>[T or 1, S, B or 1] or null</td><td>1 = keep, 0 = hide; asserted as labml does</td></tr>
 *   <tr><td>result</td><td>[T, B, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p><b>State dict</b> (PyTorch names): {@code query.linear.weight [H·d_k, M]}, {@code query.linear.bias}
 * (when {@code bias}), {@code key.linear.*} likewise, {@code value.linear.weight},
 * {@code value.linear.bias} (always as published, only when {@code bias} with FIX-1),
 * {@code output.weight [M, M]}, {@code output.bias [M]}. Weights are drawn in that order.
 *
 * <p><b>Conventions:</b> starts in training mode, so dropout ({@code dropout_prob}, default 0.1)
 * is active until {@link #eval()}; {@link #attn()} holds the last attention, as labml's
 * {@code self.attn}.
 *
 * <p>Lines marked {@code // guard:} reject, with a clear message, input on which the published code
 * fails as well; they change no result.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-0 (both fidelities; not a bug): {@code from labml import tracker} and
 *       {@code tracker.debug('attn', attn)} dropped; labml's logging has no effect on the result.</li>
 *   <li>FIX-1 (FIXED; S000-MHA-VBIAS): the value projection is built with {@code bias=bias}; as
 *       published it always has a bias, so {@code bias=False} is silently ignored for V.</li>
 *   <li>FIX-2 (FIXED; S000-MHA-NANROW): a query row whose keys are all hidden gives zeros; as
 *       published the softmax over a row of {@code −∞} gives NaN.</li>
 *   <li>FIX-3 (FIXED; S000-MHA-ATTN-DROPPED): {@code self.attn} is saved before dropout; as published
 *       the "attentions kept for logging" are the dropped-out, rescaled ones in training mode.</li>
 *   <li>FIX-4 (documentation; S000-MHA-DOC-SHAPE): {@code PrepareForMultiHeadAttention}'s output comment
 *       says {@code [batch_size, heads, d_model]} for a 2-D input; it is {@code [batch_size, heads, d_k]}.</li>
 *   <li>FIX-5 (FIXED; S000-MHA-DIVIDES): {@code heads} must divide {@code d_model}; as published
 *       {@code d_k = d_model // heads} truncates and the call fails only later, in {@code self.output},
 *       with a matrix-shape error.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 000 §1.1 (labml {@code labml_nn/transformers/mha.py}).
 * <b>Checked by</b> {@code Seed000MultiHeadAttentionMirrorTest}, {@code SeedPyTorchAgreementTest},
 * {@code MirrorOracleAgreementTest},
 * {@code MirrorCanonicalAgreementTest}.
 */
public final class Seed000MultiHeadAttention extends MirrorModule {

    /**
     * Mirror of labml's {@code PrepareForMultiHeadAttention}: a linear map {@code [..., M] → [..., H·d_k]}
     * split into heads {@code [..., H, d_k]}: {@code [T, B, M] → [T, B, H, d_k]} or
     * {@code [B, M] → [B, H, d_k]}. State dict: {@code linear.weight [H·d_k, M]}, {@code linear.bias}.
     */
    public static final class PrepareForMultiHeadAttention extends MirrorModule {
        private final NnLinear linear;
        private final int heads;
        private final int dK;

        // py: def __init__(self, d_model: int, heads: int, d_k: int, bias: bool):
        public PrepareForMultiHeadAttention(int dModel, int heads, int dK, boolean bias, SeededRandom random) {
            // py: super().__init__()
            // py: self.linear = nn.Linear(d_model, heads * d_k, bias=bias)
            this.linear = register("linear", new NnLinear(dModel, heads * dK, bias, random));
            // py: self.heads = heads
            this.heads = heads;
            // py: self.d_k = d_k
            this.dK = dK;
        }

        // py: def forward(self, x: torch.Tensor):
        public Tensor forward(Tensor x) {
            // py: head_shape = x.shape[:-1]
            int[] headShape = Arrays.copyOf(x.shape(), x.dim() - 1);
            // py: x = self.linear(x)
            x = linear.forward(x);                                        // [..., H·d_k]
            // py: x = x.view(*head_shape, self.heads, self.d_k)
            int[] viewShape = Arrays.copyOf(headShape, headShape.length + 2);
            viewShape[headShape.length] = heads;
            viewShape[headShape.length + 1] = dK;
            x = x.view(viewShape);                                        // [..., H, d_k]
            // py: # Output has shape `[seq_len, batch_size, heads, d_k]` or `[batch_size, heads, d_model]`
            // FIX-4 (S000-MHA-DOC-SHAPE): the 2-D case gives [batch_size, heads, d_k].
            // py: return x
            return x;
        }
    }

    private final Fidelity fidelity;
    private final int dK;
    private final int heads;
    private final PrepareForMultiHeadAttention query;
    private final PrepareForMultiHeadAttention key;
    private final PrepareForMultiHeadAttention value;
    private final UnaryOperator<Tensor> softmax;
    private final NnLinear output;
    private final NnDropout dropout;
    private final double scale;
    private Tensor attn;

    /** {@code MultiHeadAttention(heads, d_model)} with the defaults {@code dropout_prob=0.1, bias=True}. */
    public Seed000MultiHeadAttention(int heads, int dModel, Fidelity fidelity, SeededRandom random) {
        this(heads, dModel, 0.1, true, fidelity, random);
    }

    /**
     * {@code MultiHeadAttention(heads, d_model, dropout_prob, bias)}; weights drawn from {@code random},
     * which also drives dropout afterwards.
     */
    // py: def __init__(self, heads: int, d_model: int, dropout_prob: float = 0.1, bias: bool = True):
    public Seed000MultiHeadAttention(int heads, int dModel, double dropoutProb, boolean bias, Fidelity fidelity,
            SeededRandom random) {
        this.fidelity = Checks.notNull("fidelity", fidelity);
        // guard: heads ≤ 0 fails in Python too (ZeroDivisionError, or a negative nn.Linear size).
        Checks.positive("heads", heads);
        if (fidelity == Fidelity.FIXED) {
            Checks.divides("heads", heads, "d_model", dModel);    // FIX-5 (S000-MHA-DIVIDES)
        }
        // py: super().__init__()
        // py: self.d_k = d_model // heads
        this.dK = Math.floorDiv(dModel, heads);
        // py: self.heads = heads
        this.heads = heads;
        // py: self.query = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        this.query = register("query", new PrepareForMultiHeadAttention(dModel, heads, dK, bias, random));
        // py: self.key = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=bias)
        this.key = register("key", new PrepareForMultiHeadAttention(dModel, heads, dK, bias, random));
        // py: self.value = PrepareForMultiHeadAttention(d_model, heads, self.d_k, bias=True)
        boolean valueBias = fidelity == Fidelity.FIXED ? bias : true;   // FIX-1 (S000-MHA-VBIAS): bias=bias
        this.value = register("value", new PrepareForMultiHeadAttention(dModel, heads, dK, valueBias, random));
        // py: self.softmax = nn.Softmax(dim=1)
        this.softmax = scores -> scores.softmax(1);
        // py: self.output = nn.Linear(d_model, d_model)
        this.output = register("output", new NnLinear(dModel, dModel, true, random));
        // py: self.dropout = nn.Dropout(dropout_prob)
        this.dropout = register("dropout", new NnDropout(dropoutProb, random));
        // py: self.scale = 1 / math.sqrt(self.d_k)
        this.scale = 1 / Math.sqrt(dK);
        // py: self.attn = None
        this.attn = null;
    }

    // py: def get_scores(self, query: torch.Tensor, key: torch.Tensor):
    private static Tensor getScores(Tensor query, Tensor key) {
        // py: return torch.einsum('ibhd,jbhd->ijbh', query, key)
        // ibhd,jbhd->ijbh as a batched product over (b, h): [b,h,i,d] @ [b,h,d,j] → [b,h,i,j] → [i,j,b,h].
        return query.permute(1, 2, 0, 3).matmul(key.permute(1, 2, 3, 0)).permute(2, 3, 0, 1);
    }

    // py: def prepare_mask(self, mask: torch.Tensor, query_shape: List[int], key_shape: List[int]):
    private static Tensor prepareMask(Tensor mask, int[] queryShape, int[] keyShape) {
        // guard: a mask that is not 3-D fails in Python too (IndexError on mask.shape[2], or masked_fill below).
        if (mask.dim() != 3) {
            throw new IllegalArgumentException("mask has shape " + Arrays.toString(mask.shape())
                    + "; expected [seq_len_q, seq_len_k, batch_size]");
        }
        // py: assert mask.shape[0] == 1 or mask.shape[0] == query_shape[0]
        pyAssert(mask.size(0) == 1 || mask.size(0) == queryShape[0],
                "mask.shape[0] == 1 or mask.shape[0] == query_shape[0]", mask.shape(), queryShape, keyShape);
        // py: assert mask.shape[1] == key_shape[0]
        pyAssert(mask.size(1) == keyShape[0], "mask.shape[1] == key_shape[0]", mask.shape(), queryShape, keyShape);
        // py: assert mask.shape[2] == 1 or mask.shape[2] == query_shape[1]
        pyAssert(mask.size(2) == 1 || mask.size(2) == queryShape[1],
                "mask.shape[2] == 1 or mask.shape[2] == query_shape[1]", mask.shape(), queryShape, keyShape);
        // py: mask = mask.unsqueeze(-1)
        mask = mask.unsqueeze(-1);                                       // [T|1, S, B|1, 1]
        // py: return mask
        return mask;
    }

    private static void pyAssert(boolean condition, String text, int[] mask, int[] query, int[] key) {
        if (!condition) {
            throw new MirroredPythonError("AssertionError", "assert " + text + " (mask " + Arrays.toString(mask)
                    + ", query " + Arrays.toString(query) + ", key " + Arrays.toString(key) + ")");
        }
    }

    /**
     * {@code forward(*, query, key, value, mask=None)}: labml's keyword-only call.
     *
     * @param query [T, B, M]
     * @param key   [S, B, M]
     * @param value [S, B, M]
     * @param mask  [T|1, S, B|1] keep-mask (1 = keep), or null
     * @return [T, B, M]
     */
    // py: def forward(self, *, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, mask: Optional[torch.Tensor] = None):
    public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor mask) {
        // guard: Python fails on these too (AttributeError on None, ValueError unpacking query.shape).
        Checks.notNull("query", query);
        Checks.notNull("key", key);
        Checks.notNull("value", value);
        if (query.dim() != 3) {
            throw new IllegalArgumentException("query has shape " + Arrays.toString(query.shape())
                    + "; expected [seq_len, batch_size, d_model]");
        }
        // py: seq_len, batch_size, _ = query.shape
        int seqLen = query.size(0);
        int batchSize = query.size(1);
        // py: if mask is not None:
        if (mask != null) {
            // py: mask = self.prepare_mask(mask, query.shape, key.shape)
            mask = prepareMask(mask, query.shape(), key.shape());
        }
        // py: query = self.query(query)
        query = this.query.forward(query);                               // [T, B, H, d_k]
        // py: key = self.key(key)
        key = this.key.forward(key);                                     // [S, B, H, d_k]
        // py: value = self.value(value)
        value = this.value.forward(value);                               // [S, B, H, d_k]
        // py: scores = self.get_scores(query, key)
        Tensor scores = getScores(query, key);                           // [T, S, B, H]
        // py: scores *= self.scale
        scores = scores.mul(scale);
        // py: if mask is not None:
        if (mask != null) {
            // py: scores = scores.masked_fill(mask == 0, float('-inf'))
            scores = scores.maskedFill(mask.eq(0), Double.NEGATIVE_INFINITY);
        }
        // py: attn = self.softmax(scores)
        Tensor attn = softmax.apply(scores);                             // [T, S, B, H], softmax over S
        if (mask != null && fidelity == Fidelity.FIXED) {
            // FIX-2 (S000-MHA-NANROW): attn = attn.masked_fill((mask == 0).all(dim=1, keepdim=True), 0.0)
            Tensor hidden = mask.eq(0);                                  // [T|1, S, B|1, 1]
            Tensor rowHidden = hidden.sum(1, true).eq(hidden.size(1));   // [T|1, 1, B|1, 1]
            attn = attn.maskedFill(rowHidden, 0.0);
        }
        // py: tracker.debug('attn', attn)
        // FIX-0: labml logging dropped (no effect on the result).
        if (fidelity == Fidelity.FIXED) {
            this.attn = attn;                                            // FIX-3 (S000-MHA-ATTN-DROPPED): before dropout
        }
        // py: attn = self.dropout(attn)
        attn = dropout.forward(attn);
        // py: x = torch.einsum("ijbh,jbhd->ibhd", attn, value)
        // ijbh,jbhd->ibhd as a batched product over (b, h): [b,h,i,j] @ [b,h,j,d] → [b,h,i,d] → [i,b,h,d].
        Tensor x = attn.permute(2, 3, 0, 1).matmul(value.permute(1, 2, 0, 3)).permute(2, 0, 1, 3);
        // py: self.attn = attn.detach()
        if (fidelity == Fidelity.AS_PUBLISHED) {
            this.attn = attn;                                            // FIX-3 (S000-MHA-ATTN-DROPPED): moved up when FIXED
        }
        // py: x = x.reshape(seq_len, batch_size, -1)
        x = x.reshape(seqLen, batchSize, -1);                            // [T, B, H·d_k]
        // py: return self.output(x)
        return output.forward(x);                                        // [T, B, M]
    }

    /**
     * labml's {@code self.attn}: the attention of the last call, {@code [T, S, B, H]}, after dropout as
     * published, before it when FIXED (FIX-3); null before the first call.
     */
    public Tensor attn() {
        return attn;
    }

    /** {@code self.dropout}, e.g. to {@link NnDropout#replayKeep replay} a dropout recorded in PyTorch. */
    public NnDropout dropout() {
        return dropout;
    }

    /** {@code self.heads}. */
    public int heads() {
        return heads;
    }

    /** {@code self.d_k = d_model // heads}. */
    public int dK() {
        return dK;
    }
}
