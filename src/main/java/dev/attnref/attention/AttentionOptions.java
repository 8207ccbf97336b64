package dev.attnref.attention;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Checks;
import dev.attnref.core.MaskConvention;
import dev.attnref.core.Tensor;

/**
 * The per-call options of a GQA-family forward pass: masks, key padding, how causal queries are
 * numbered, and where the new tokens sit. Immutable; {@link #none()} is a call with none of them.
 * Sizes are checked against the call (B, H, T, S) by the module, which names what is wrong.
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>option</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>boolean mask</td><td>broadcasts to [B, H, T, S]</td><td>only 0 and 1; read in the named {@link MaskConvention} (never guessed)</td></tr>
 *   <tr><td>additive mask</td><td>broadcasts to [B, H, T, S]</td><td>finite or −∞ (never NaN or +∞); added to the (capped) logits</td></tr>
 *   <tr><td>key lengths</td><td>[B]</td><td>0 ≤ len[b] ≤ S; keys at positions ≥ len[b] are hidden in batch row b</td></tr>
 *   <tr><td>causal alignment</td><td></td><td>how the T queries are numbered against the S keys; only for a causal configuration; default bottom-right</td></tr>
 *   <tr><td>causal query start</td><td></td><td>explicit key index of query 0 (ONNX with a past); ≥ 0; excludes an alignment</td></tr>
 *   <tr><td>start position</td><td></td><td>absolute position of the first new token (RoPE) when no cache is given; ≥ 0; default 0; with a cache it must equal the cache length</td></tr>
 * </table>
 * Masks broadcast NumPy-style from the right: a rank-2 mask is {@code [T, S]}, rank 3 is
 * {@code [H, T, S]} (not {@code [B, T, S]}), as docs/MATH.md ("Masks") says.
 */
public final class AttentionOptions {
    private static final AttentionOptions NONE = new Builder().build();

    private final Tensor booleanMask;
    private final MaskConvention maskConvention;
    private final Tensor additiveMask;
    private final int[] keyLengths;
    private final CausalAlignment causalAlignment;
    private final Integer causalQueryStart;
    private final Integer startPosition;

    private AttentionOptions(Builder b) {
        if (b.causalAlignment != null && b.causalQueryStart != null) {
            throw new IllegalArgumentException("causal alignment (" + b.causalAlignment + ") and causal query start ("
                    + b.causalQueryStart + ") both given; name one way to number the queries");
        }
        this.booleanMask = b.booleanMask;
        this.maskConvention = b.maskConvention;
        this.additiveMask = b.additiveMask;
        this.keyLengths = b.keyLengths == null ? null : b.keyLengths.clone();
        this.causalAlignment = b.causalAlignment;
        this.causalQueryStart = b.causalQueryStart;
        this.startPosition = b.startPosition;
    }

    /** A call with no mask, no padding, default numbering, new tokens at position 0 (or after the cache). */
    public static AttentionOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when no option is set, as in {@link #none()}. */
    boolean isNone() {
        return booleanMask == null && additiveMask == null && keyLengths == null && causalAlignment == null
                && causalQueryStart == null && startPosition == null;
    }

    /** The boolean mask (0/1), or null. */
    public Tensor booleanMask() {
        return booleanMask;
    }

    /** The convention of {@link #booleanMask()}, or null when there is none. */
    public MaskConvention maskConvention() {
        return maskConvention;
    }

    /** The additive mask, or null. */
    public Tensor additiveMask() {
        return additiveMask;
    }

    /** Key lengths per batch row (a copy), or null. */
    public int[] keyLengths() {
        return keyLengths == null ? null : keyLengths.clone();
    }

    /** The requested causal alignment, or null. */
    public CausalAlignment causalAlignment() {
        return causalAlignment;
    }

    /** The explicit key index of causal query 0, or null. */
    public Integer causalQueryStart() {
        return causalQueryStart;
    }

    /** The absolute position of the first new token, or null (then 0, or the cache length). */
    public Integer startPosition() {
        return startPosition;
    }

    /** Builds {@link AttentionOptions}. */
    public static final class Builder {
        private Tensor booleanMask;
        private MaskConvention maskConvention;
        private Tensor additiveMask;
        private int[] keyLengths;
        private CausalAlignment causalAlignment;
        private Integer causalQueryStart;
        private Integer startPosition;

        private Builder() {
        }

        /** A 0/1 mask broadcasting to {@code [B, H, T, S]}, read in {@code convention}. */
        public Builder booleanMask(Tensor mask, MaskConvention convention) {
            this.booleanMask = Checks.notNull("boolean mask", mask);
            this.maskConvention = Checks.notNull("boolean mask convention", convention);
            return this;
        }

        /** A mask added to the logits (0 visible, −∞ hidden, or any finite bias), broadcasting to {@code [B, H, T, S]}. */
        public Builder additiveMask(Tensor bias) {
            this.additiveMask = Checks.notNull("additive mask", bias);
            return this;
        }

        /** Keys at positions ≥ {@code lengths[b]} are hidden in batch row b. */
        public Builder keyLengths(int... lengths) {
            this.keyLengths = Checks.notNull("keyLengths", lengths).clone();
            return this;
        }

        /** Numbers the causal queries by {@code alignment} (a causal configuration only). */
        public Builder causalAlignment(CausalAlignment alignment) {
            this.causalAlignment = Checks.notNull("causal alignment", alignment);
            return this;
        }

        /** Causal query t sits at key index {@code first + t} (a causal configuration only). */
        public Builder causalQueryStart(int first) {
            this.causalQueryStart = Checks.nonNegative("causal query start", first);
            return this;
        }

        /** New token t sits at absolute position {@code position + t} (RoPE); without a cache only. */
        public Builder startPosition(int position) {
            this.startPosition = Checks.nonNegative("start position", position);
            return this;
        }

        public AttentionOptions build() {
            return new AttentionOptions(this);
        }
    }
}
