package dev.attnref.core;

import java.util.Arrays;

/**
 * Mask builders. Boolean masks are 0/1 tensors in the "1 = keep" convention
 * ({@link MaskConvention#KEEP_WHERE_TRUE}) unless a method says otherwise; additive masks hold 0
 * where a key is visible and −∞ where it is hidden (docs/MATH.md, "Masks"). Checked by {@code MasksTest}.
 */
public final class Masks {
    private Masks() {
    }

    /**
     * Causal keep-mask {@code [T, S]}: query {@code t} sits at absolute position {@code queryStart + t},
     * key {@code s} at position {@code s}; {@code keep[t, s] = 1 iff s ≤ queryStart + t}.
     */
    public static Tensor causal(int qLen, int kvLen, int queryStart) {
        Checks.nonNegative("qLen", qLen);
        Checks.nonNegative("kvLen", kvLen);
        Checks.nonNegative("queryStart", queryStart);
        double[] keep = new double[qLen * kvLen];
        for (int t = 0; t < qLen; t++) {
            for (int s = 0; s < kvLen; s++) {
                keep[t * kvLen + s] = s <= (long) queryStart + t ? 1.0 : 0.0;   // long: no wrap near 2³¹
            }
        }
        return Tensor.of(keep, qLen, kvLen);
    }

    /** Causal keep-mask {@code [T, S]} with the queries numbered by {@code alignment}. */
    public static Tensor causal(int qLen, int kvLen, CausalAlignment alignment) {
        int start = alignment.queryStart(qLen, kvLen);
        if (start < 0) {
            throw new IllegalArgumentException("bottom-right alignment needs kvLen (" + kvLen + ") ≥ qLen (" + qLen + ")");
        }
        return causal(qLen, kvLen, start);
    }

    /** Key-padding keep-mask {@code [B, 1, 1, S]}: key {@code s} of batch row {@code b} is kept iff {@code s < lengths[b]}. */
    public static Tensor keyPadding(int[] lengths, int kvLen) {
        Checks.nonNegative("kvLen", kvLen);
        double[] keep = new double[lengths.length * kvLen];
        for (int b = 0; b < lengths.length; b++) {
            if (lengths[b] < 0 || lengths[b] > kvLen) {
                throw new IllegalArgumentException("key length " + lengths[b] + " of batch row " + b
                        + " must be in [0, " + kvLen + "]");
            }
            for (int s = 0; s < lengths[b]; s++) {
                keep[b * kvLen + s] = 1.0;
            }
        }
        return Tensor.of(keep, lengths.length, 1, 1, kvLen);
    }

    /** A boolean mask in {@code convention} as an additive mask: 0 where kept, −∞ where hidden. */
    public static Tensor toAdditive(Tensor mask, MaskConvention convention) {
        requireBoolean(mask);
        return mask.map(m -> convention.hides(m) ? Double.NEGATIVE_INFINITY : 0.0);
    }

    /** A boolean mask in {@code convention} as a keep-mask (1 = keep). */
    public static Tensor toKeep(Tensor mask, MaskConvention convention) {
        requireBoolean(mask);
        return mask.map(m -> convention.hides(m) ? 0.0 : 1.0);
    }

    /** Both keep-masks must keep: elementwise AND with broadcasting. */
    public static Tensor and(Tensor keepA, Tensor keepB) {
        return keepA.mul(keepB);
    }

    private static void requireBoolean(Tensor mask) {
        double[] values = mask.toArray();
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0.0 && values[i] != 1.0) {
                throw new IllegalArgumentException("boolean mask of shape " + Arrays.toString(mask.shape()) + " holds "
                        + values[i] + " at flat index " + i + "; expected only 0 or 1");
            }
        }
    }
}
