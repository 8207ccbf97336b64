package dev.attnref.model;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.Arrays;

/**
 * One transformer block of seed 001 ("每个 Block 输入和输出维度保持不变"): attention and FFN, each
 * wrapped in a residual connection, normalised before (pre-norm) or after (post-norm).
 *
 * <pre>
 *   PRE:   h = x + Attn(Norm₁(x))          y = h + FFN(Norm₂(h))
 *   POST:  h = Norm₁(x + Attn(x))          y = Norm₂(h + FFN(h))
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>x</td><td>[B, T, M]</td><td>read only</td></tr>
 *   <tr><td>cache</td><td>C</td><td>made by this block's attention; grown by T</td></tr>
 *   <tr><td>y</td><td>[B, T, M]</td><td>new tensor</td></tr>
 * </table>
 *
 * <p>Source: seed 001 "Residual Connection" ({@code X_new = X_input + Attention(Norm(X_input))},
 * {@code X_out = X_new + FFN(Norm(X_new))}) and "post-norm 与 pre-norm". Checked by
 * {@code DecoderBlockTest} (both equations computed independently in the test).
 *
 * @param <C> the cache of the block's attention layer
 */
public final class DecoderBlock<C> {
    private final NormPlacement placement;
    private final Norm attentionNorm;
    private final AttentionLayer<C> attention;
    private final Norm ffnNorm;
    private final FeedForward ffn;

    public DecoderBlock(NormPlacement placement, Norm attentionNorm, AttentionLayer<C> attention, Norm ffnNorm,
            FeedForward ffn) {
        this.placement = Checks.notNull("placement", placement);
        this.attentionNorm = Checks.notNull("attentionNorm", attentionNorm);
        this.attention = Checks.notNull("attention", attention);
        this.ffnNorm = Checks.notNull("ffnNorm", ffnNorm);
        this.ffn = Checks.notNull("ffn", ffn);
        int width = attention.modelWidth();
        int[] widths = {attentionNorm.width(), ffnNorm.width(), ffn.modelWidth()};
        for (int w : widths) {
            if (w != width) {
                throw new IllegalArgumentException("block parts disagree on the model width: attention " + width
                        + ", norms and FFN " + Arrays.toString(widths));
            }
        }
    }

    public NormPlacement placement() {
        return placement;
    }

    public Norm attentionNorm() {
        return attentionNorm;
    }

    public AttentionLayer<C> attention() {
        return attention;
    }

    public Norm ffnNorm() {
        return ffnNorm;
    }

    public FeedForward ffn() {
        return ffn;
    }

    public int modelWidth() {
        return attention.modelWidth();
    }

    /** {@code x [B, T, M] → y [B, T, M]} over an empty cache of this block's attention: one uncached pass. */
    public Tensor forward(Tensor x) {
        return forward(x, attention.newCache(x.size(0)), ShapeTrace.off());
    }

    /** {@code x [B, T, M] → y [B, T, M]}, attending over {@code cache} and appending to it. */
    public Tensor forward(Tensor x, C cache, ShapeTrace trace) {
        if (placement == NormPlacement.PRE) {
            // h = x + Attn(Norm₁(x))
            Tensor normed = trace.record("norm₁  " + attentionNorm.describe(), "B, T, M", attentionNorm.forward(x));
            Tensor h = x.add(attend(normed, cache, trace));                                        // [B, T, M]
            trace.record("residual  h = x + Attn(Norm₁(x))", "B, T, M", h);
            // y = h + FFN(Norm₂(h))
            Tensor normedH = trace.record("norm₂  " + ffnNorm.describe(), "B, T, M", ffnNorm.forward(h));
            return trace.record("residual  y = h + FFN(Norm₂(h))", "B, T, M",
                    h.add(feedForward(normedH, trace)));                                            // [B, T, M]
        }
        // h = Norm₁(x + Attn(x))
        Tensor sum = trace.record("residual  x + Attn(x)", "B, T, M", x.add(attend(x, cache, trace)));
        Tensor h = trace.record("norm₁  " + attentionNorm.describe(), "B, T, M", attentionNorm.forward(sum));
        // y = Norm₂(h + FFN(h))
        Tensor sumH = trace.record("residual  h + FFN(h)", "B, T, M", h.add(feedForward(h, trace)));
        return trace.record("norm₂  " + ffnNorm.describe(), "B, T, M", ffnNorm.forward(sumH));          // [B, T, M]
    }

    private Tensor attend(Tensor x, C cache, ShapeTrace trace) {
        trace.enter("attention  " + attention.describe());
        Tensor out = attention.forward(x, cache, trace);                                            // [B, T, M]
        trace.exit();
        return out;
    }

    private Tensor feedForward(Tensor x, ShapeTrace trace) {
        trace.enter("ffn  " + ffn.describe());
        Tensor out = ffn.forward(x, trace);                                                          // [B, T, M]
        trace.exit();
        return out;
    }
}
