package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Rope;

/**
 * Everything that fixes one attention block of the GQA family (MHA: {@code G = H}, MQA:
 * {@code G = 1}), validated on construction so that a module never meets an inconsistent size.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>symbol</th><th>contract</th></tr>
 *   <tr><td>modelWidth</td><td>M</td><td>≥ 1</td></tr>
 *   <tr><td>numHeads</td><td>H</td><td>≥ 1</td></tr>
 *   <tr><td>numKvHeads</td><td>G</td><td>≥ 1, divides H (R = H / G query heads per key/value head)</td></tr>
 *   <tr><td>headDim</td><td>D</td><td>≥ 1, width of each query and key head</td></tr>
 *   <tr><td>valueDim</td><td>Dv</td><td>≥ 1, width of each value head (may differ from D)</td></tr>
 *   <tr><td>bias</td><td></td><td>which projections carry a bias; not null</td></tr>
 *   <tr><td>rope</td><td>P, θ, pairing</td><td>null for no RoPE; otherwise P ≤ D (the first P dims of each q and k head rotate)</td></tr>
 *   <tr><td>scale</td><td></td><td>finite, &gt; 0; multiplies q·k ({@link Builder} defaults it to 1/√D)</td></tr>
 *   <tr><td>softcap</td><td>c</td><td>finite, ≥ 0; when c &gt; 0 the logit becomes c·tanh(logit / c) before masking; 0 is off</td></tr>
 *   <tr><td>causal</td><td></td><td>whether query t hides keys after its own absolute position</td></tr>
 * </table>
 *
 * <p>Which module a configuration suits follows from G: {@link MultiHeadAttention} needs
 * {@code G = H}, {@link MultiQueryAttention} needs {@code G = 1}, {@link GroupedQueryAttention}
 * takes any G that divides H. Checked by {@code AttentionConfigTest}.
 */
public record AttentionConfig(int modelWidth, int numHeads, int numKvHeads, int headDim, int valueDim,
        ProjectionBias bias, Rope rope, double scale, double softcap, boolean causal) {

    public AttentionConfig {
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numHeads", numHeads);
        Checks.positive("numKvHeads", numKvHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("headDim", headDim);
        Checks.positive("valueDim", valueDim);
        Checks.notNull("bias", bias);
        if (rope != null && rope.rotaryDim() > headDim) {
            throw new IllegalArgumentException("rotary dims P (" + rope.rotaryDim() + ") must not exceed headDim ("
                    + headDim + ")");
        }
        Checks.positiveFinite("scale", scale);
        if (!(softcap >= 0) || Double.isInfinite(softcap)) {
            throw new IllegalArgumentException("softcap (" + softcap + ") must be finite and ≥ 0; 0 turns it off");
        }
    }

    /** A builder with {@code Dv = D}, no biases, no RoPE, scale 1/√D, no softcap, not causal. */
    public static Builder builder(int modelWidth, int numHeads, int numKvHeads, int headDim) {
        return new Builder(modelWidth, numHeads, numKvHeads, headDim);
    }

    /** R = H / G: query heads per key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Whether q and k rotate. */
    public boolean hasRope() {
        return rope != null;
    }

    /** The variant G selects: MHA when G = H, MQA when G = 1 &lt; H, GQA otherwise. */
    public AttentionVariant variant() {
        if (numKvHeads == numHeads) {
            return AttentionVariant.MHA;
        }
        return numKvHeads == 1 ? AttentionVariant.MQA : AttentionVariant.GQA;
    }

    /** A copy with another G (same M, H, D, Dv and options). */
    public AttentionConfig withNumKvHeads(int newNumKvHeads) {
        return new AttentionConfig(modelWidth, numHeads, newNumKvHeads, headDim, valueDim, bias, rope, scale, softcap,
                causal);
    }

    /** Builds an {@link AttentionConfig}; {@link #build()} validates. */
    public static final class Builder {
        private final int modelWidth;
        private final int numHeads;
        private final int numKvHeads;
        private final int headDim;
        private Integer valueDim;
        private ProjectionBias bias = ProjectionBias.none();
        private Rope rope;
        private Double scale;
        private double softcap;
        private boolean causal;

        private Builder(int modelWidth, int numHeads, int numKvHeads, int headDim) {
            this.modelWidth = modelWidth;
            this.numHeads = numHeads;
            this.numKvHeads = numKvHeads;
            this.headDim = headDim;
        }

        /** Dv (defaults to D). */
        public Builder valueDim(int valueDim) {
            this.valueDim = valueDim;
            return this;
        }

        public Builder bias(ProjectionBias bias) {
            this.bias = bias;
            return this;
        }

        /** RoPE on q and k; null for none. */
        public Builder rope(Rope rope) {
            this.rope = rope;
            return this;
        }

        /** Overrides the default scale 1/√D. */
        public Builder scale(double scale) {
            this.scale = scale;
            return this;
        }

        /** Softcap c ≥ 0 (0 = off). */
        public Builder softcap(double softcap) {
            this.softcap = softcap;
            return this;
        }

        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        public AttentionConfig build() {
            Checks.positive("headDim", headDim);
            return new AttentionConfig(modelWidth, numHeads, numKvHeads, headDim,
                    valueDim == null ? headDim : valueDim, bias, rope,
                    scale == null ? 1.0 / Math.sqrt(headDim) : scale, softcap, causal);
        }
    }
}
