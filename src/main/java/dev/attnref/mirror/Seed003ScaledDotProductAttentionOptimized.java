package dev.attnref.mirror;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;

/**
 * Mirror of seed 003 §7: {@code scaled_dot_product_attention_optimized}, scaled dot-product attention
 * with {@code torch.bmm} over the merged {@code (batch, head)} axis.
 *
 * <p><b>Computes</b> {@code logit = Q·Kᵀ / √d_k} per {@code (b, h)}, logits where {@code mask == 0}
 * filled with {@code −1e9}, {@code p = softmax_s(logit)}, {@code o = p·V}.
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>argument</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>Q</td><td>[B, H, T, d_k]</td><td>as published: must be viewable as [B·H, T, d_k]</td></tr>
 *   <tr><td>K, V</td><td>[B, H, S, d_k]</td><td>as published: viewable as [B·H, S, d_k]</td></tr>
 *   <tr><td>mask</td><td>broadcastable to [B, H, T, S], or null</td><td>1 = keep, 0 = hide</td></tr>
 *   <tr><td>result</td><td>output [B, H, T, d_k], weights [B, H, T, S]</td><td>new tensors</td></tr>
 * </table>
 *
 * <p><b>When the published function fails.</b> Its inputs are meant to come from §3's
 * {@code split_heads}, which returns {@code x.view(B, T, H, d_k).transpose(1, 2)}: shape
 * {@code [B, H, T, d_k]}, strides {@code [T·H·d_k, d_k, H·d_k, 1]}. Merging {@code B} and {@code H}
 * needs {@code stride(B) = H · stride(H)}, i.e. {@code T·H·d_k = H·d_k}, so {@code Q.view(B·H, T, d_k)}
 * raises {@code RuntimeError} in PyTorch (here {@link Tensor.ViewException}) exactly when
 * {@code T > 1}, {@code B > 1} and {@code H > 1}; a size-1 axis merges with anything, so a batch of one
 * or a single head passes. It works on freshly allocated (contiguous) inputs.
 *
 * <p><b>Differs from source</b> ({@code grep FIX- }; numbers and ids as in the bug catalogue
 * {@code dev/attnref/mirror/bugs.json} and {@code reference-data/seeds/fixed_code.py}):
 * <ul>
 *   <li>FIX-33 (FIXED; S003-BMM-VIEW): {@code Q}, {@code K}, {@code V} merged with {@code reshape}, which
 *       copies when a view is impossible.</li>
 *   <li>FIX-34 (FIXED; S003-BMM-FULLMASK): hidden logits are {@code −∞}, not {@code −1e9}, and a row with
 *       every key hidden gives zeros.</li>
 *   <li>FIX-35 (FIXED; S003-BMM-FP16-FILL): the same {@code −∞} fill; {@code −1e9} overflows half
 *       precision. No effect in float64.</li>
 * </ul>
 *
 * <p><b>Source:</b> seed 003 §7. <b>Checked by</b> {@code Seed003ScaledDotProductAttentionOptimizedMirrorTest},
 * {@code SeedPyTorchAgreementTest}.
 */
public final class Seed003ScaledDotProductAttentionOptimized {
    private Seed003ScaledDotProductAttentionOptimized() {
    }

    /** The pair {@code (output, attention_weights)} the function returns. */
    public record Result(Tensor output, Tensor attentionWeights) {
    }

    /**
     * {@code scaled_dot_product_attention_optimized(Q, K, V, mask=None)}.
     *
     * @return output [B, H, T, d_k] and attention weights [B, H, T, S]
     * @throws Tensor.ViewException as published, when an input cannot be viewed as [B·H, ·, d_k]
     */
    // py: def scaled_dot_product_attention_optimized(Q, K, V, mask=None):
    public static Result apply(Tensor q, Tensor k, Tensor v, Tensor mask, Fidelity fidelity) {
        // guard: Python fails on these too (AttributeError on None, ValueError unpacking Q.size()).
        Checks.notNull("Q", q);
        Checks.notNull("K", k);
        Checks.notNull("V", v);
        Checks.notNull("fidelity", fidelity);
        if (q.dim() != 4 || k.dim() != 4) {
            throw new IllegalArgumentException("Q and K must have 4 axes (batch_size, num_heads, seq_len, d_k); got "
                    + q.dim() + " and " + k.dim());
        }
        boolean published = fidelity == Fidelity.AS_PUBLISHED;
        // py: batch_size, num_heads, seq_len_q, d_k = Q.size()
        int batchSize = q.size(0);
        int numHeads = q.size(1);
        int seqLenQ = q.size(2);
        int dK = q.size(3);
        // py: seq_len_k = K.size(2)
        int seqLenK = k.size(2);
        // py: attn_scores = torch.bmm(Q.view(batch_size * num_heads, seq_len_q, d_k),
        // py:                         K.view(batch_size * num_heads, seq_len_k, d_k).transpose(1, 2)) # (batch_size * num_heads, seq_len_q, seq_len_k)
        Tensor q3 = published ? q.view(batchSize * numHeads, seqLenQ, dK)
                : q.reshape(batchSize * numHeads, seqLenQ, dK);                          // FIX-33 (S003-BMM-VIEW): [B·H, T, d_k]
        Tensor k3 = published ? k.view(batchSize * numHeads, seqLenK, dK)
                : k.reshape(batchSize * numHeads, seqLenK, dK);                          // FIX-33 (S003-BMM-VIEW): [B·H, S, d_k]
        Tensor attnScores = q3.bmm(k3.transpose(1, 2));                                   // [B·H, T, S]
        // py: attn_scores = attn_scores.view(batch_size, num_heads, seq_len_q, seq_len_k) / math.sqrt(d_k)
        attnScores = attnScores.view(batchSize, numHeads, seqLenQ, seqLenK).div(Math.sqrt(dK));   // [B, H, T, S]
        // py: if mask is not None:
        if (mask != null) {
            // py: attn_scores = attn_scores.masked_fill(mask == 0, -1e9)
            double fill = published ? -1e9 : Double.NEGATIVE_INFINITY;                   // FIX-34, FIX-35: −∞
            attnScores = attnScores.maskedFill(mask.eq(0), fill);
        }
        // py: attention_weights = F.softmax(attn_scores, dim=-1)
        Tensor attentionWeights = attnScores.softmax(-1);                                 // [B, H, T, S]
        if (mask != null && !published) {
            // FIX-34 (S003-BMM-FULLMASK): masked_fill((mask == 0).all(dim=-1, keepdim=True), 0.0)
            Tensor rowHidden = mask.eq(0).sum(-1, true).eq(mask.size(-1));                // [.., 1]
            attentionWeights = attentionWeights.maskedFill(rowHidden, 0.0);
        }
        // py: output = torch.bmm(attention_weights.view(batch_size * num_heads, seq_len_q, seq_len_k),
        // py:                    V.view(batch_size * num_heads, seq_len_k, d_k)) # (batch_size * num_heads, seq_len_q, d_k)
        Tensor v3 = published ? v.view(batchSize * numHeads, seqLenK, dK)
                : v.reshape(batchSize * numHeads, seqLenK, dK);                          // FIX-33 (S003-BMM-VIEW): [B·H, S, d_k]
        Tensor output = attentionWeights.view(batchSize * numHeads, seqLenQ, seqLenK).bmm(v3);   // [B·H, T, d_k]
        // py: output = output.view(batch_size, num_heads, seq_len_q, d_k)
        output = output.view(batchSize, numHeads, seqLenQ, dK);                          // [B, H, T, d_k]
        // py: return output, attention_weights
        return new Result(output, attentionWeights);
    }
}
