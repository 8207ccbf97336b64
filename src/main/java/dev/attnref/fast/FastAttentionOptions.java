package dev.attnref.fast;

import dev.attnref.core.CausalAlignment;
import dev.attnref.core.Checks;
import dev.attnref.core.MaskConvention;

/**
 * What hides a key from a query, and the logit scale, for one {@link FastAttention} call
 * (docs/MATH.md, "Masks"). A key is visible to query {@code t} of batch row {@code b} iff all hold:
 * <ul>
 *   <li>causal: {@code s ≤ queryStart + t} (positions are absolute; {@link CausalAlignment#BOTTOM_RIGHT}
 *       is {@code queryStart = S − T}, {@link CausalAlignment#TOP_LEFT} is 0, a cache of length P is P);</li>
 *   <li>key padding: {@code s < keyLengths[b]};</li>
 *   <li>the additive mask entry is not −∞ (it is added to the scaled logit as it is).</li>
 * </ul>
 * A row with no visible key yields zeros.
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>scale</td><td>scalar</td><td>finite, &gt; 0; NaN means 1/√D</td></tr>
 *   <tr><td>queryStart</td><td>scalar</td><td>absolute position of query 0; ignored unless causal</td></tr>
 *   <tr><td>keyLengths</td><td>[B] or null</td><td>0 ≤ len[b] ≤ S; read only</td></tr>
 *   <tr><td>additiveMask</td><td>[maskBatch, maskHeads, T, S] or null</td><td>maskBatch ∈ {1, B}, maskHeads ∈ {1, H}
 *       (1 broadcasts); −∞ hides; read only</td></tr>
 * </table>
 */
public record FastAttentionOptions(float scale, boolean causal, int queryStart, int[] keyLengths,
        float[] additiveMask, int maskBatch, int maskHeads) {

    /** No mask, default scale. */
    public static FastAttentionOptions none() {
        return new FastAttentionOptions(Float.NaN, false, 0, null, null, 1, 1);
    }

    /** Causal with the given alignment of T queries over S keys. */
    public static FastAttentionOptions causal(CausalAlignment alignment, AttentionDims dims) {
        return new FastAttentionOptions(Float.NaN, true, alignment.queryStart(dims.qLen(), dims.kvLen()), null, null, 1, 1);
    }

    /** Causal with query 0 at absolute position {@code queryStart} (ONNX with a past of that length). */
    public static FastAttentionOptions causalFrom(int queryStart) {
        return new FastAttentionOptions(Float.NaN, true, queryStart, null, null, 1, 1);
    }

    public FastAttentionOptions withScale(float newScale) {
        return new FastAttentionOptions(newScale, causal, queryStart, keyLengths, additiveMask, maskBatch, maskHeads);
    }

    public FastAttentionOptions withKeyLengths(int[] lengths) {
        return new FastAttentionOptions(scale, causal, queryStart, lengths, additiveMask, maskBatch, maskHeads);
    }

    /** An additive mask {@code [maskBatch, maskHeads, T, S]}, added after scaling. */
    public FastAttentionOptions withAdditiveMask(float[] mask, int batchExtent, int headExtent) {
        return new FastAttentionOptions(scale, causal, queryStart, keyLengths, mask, batchExtent, headExtent);
    }

    /**
     * A boolean mask {@code [maskBatch, maskHeads, T, S]} read under {@code convention}, turned once
     * into an additive 0 / −∞ mask (a new array).
     */
    public FastAttentionOptions withBooleanMask(boolean[] mask, MaskConvention convention, int batchExtent, int headExtent) {
        Checks.notNull("mask", mask);
        Checks.notNull("convention", convention);
        float[] additive = new float[mask.length];
        for (int i = 0; i < mask.length; i++) {
            additive[i] = convention.hides(mask[i] ? 1.0 : 0.0) ? Float.NEGATIVE_INFINITY : 0f;
        }
        return withAdditiveMask(additive, batchExtent, headExtent);
    }

    /** The scale to use for {@code dims}: the given one, or 1/√D. */
    public float effectiveScale(AttentionDims dims) {
        return Float.isNaN(scale) ? (float) (1.0 / Math.sqrt(dims.headDim())) : scale;
    }

    /** Checks every field against {@code dims}; messages name the value and what was expected. */
    void validate(AttentionDims dims) {
        if (!Float.isNaN(scale)) {
            Checks.positiveFinite("scale", scale);
        }
        if (keyLengths != null) {
            if (keyLengths.length != dims.batch()) {
                throw new IllegalArgumentException("keyLengths has " + keyLengths.length + " entries; expected batch ("
                        + dims.batch() + ")");
            }
            for (int b = 0; b < keyLengths.length; b++) {
                if (keyLengths[b] < 0 || keyLengths[b] > dims.kvLen()) {
                    throw new IllegalArgumentException("keyLengths[" + b + "] (" + keyLengths[b]
                            + ") must lie in [0, kvLen (" + dims.kvLen() + ")]");
                }
            }
        }
        if (additiveMask != null) {
            if (maskBatch != 1 && maskBatch != dims.batch()) {
                throw new IllegalArgumentException("maskBatch (" + maskBatch + ") must be 1 or batch (" + dims.batch() + ")");
            }
            if (maskHeads != 1 && maskHeads != dims.numHeads()) {
                throw new IllegalArgumentException("maskHeads (" + maskHeads + ") must be 1 or numHeads ("
                        + dims.numHeads() + ")");
            }
            long expected = (long) maskBatch * maskHeads * dims.qLen() * dims.kvLen();
            if (additiveMask.length != expected) {
                throw new IllegalArgumentException("additiveMask has " + additiveMask.length + " values; expected "
                        + expected + " = [" + maskBatch + ", " + maskHeads + ", " + dims.qLen() + ", " + dims.kvLen() + "]");
            }
        }
    }
}
