package dev.attnref.property;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Sizes of one attention try (axis letters of {@code core/package-info}). {@code kvLen} counts every key, cached
 * ones included; {@link #pastLen()} = S − T for shapes of kind {@link Kind#WITH_PAST}.
 *
 * @param batch      B ≥ 1
 * @param numHeads   H ≥ 1
 * @param numKvHeads G ≥ 1, divides H
 * @param qLen       T ≥ 1
 * @param kvLen      S ≥ 1 (= T for {@link Kind#SELF}, ≥ T for {@link Kind#WITH_PAST})
 * @param headDim    D ≥ 1
 * @param valueDim   Dv ≥ 1
 * @param modelWidth M ≥ 1
 * @param kind       which invariant between T and S the shape keeps while shrinking
 */
public record AttnShape(int batch, int numHeads, int numKvHeads, int qLen, int kvLen, int headDim, int valueDim,
        int modelWidth, Kind kind) implements Shrinkable<AttnShape> {

    /** How queries relate to keys. */
    public enum Kind {
        /** Self-attention over one chunk: S = T. */
        SELF,
        /** A chunk after a cached past: S = P + T with P ≥ 0. */
        WITH_PAST,
        /** Independent T and S (raw attention, T ≠ S in either direction). */
        CROSS
    }

    public AttnShape {
        if (batch < 1 || numHeads < 1 || numKvHeads < 1 || qLen < 1 || kvLen < 1 || headDim < 1 || valueDim < 1
                || modelWidth < 1 || numHeads % numKvHeads != 0
                || (kind == Kind.SELF && kvLen != qLen) || (kind == Kind.WITH_PAST && kvLen < qLen)) {
            throw new IllegalArgumentException("invalid attention shape " + describe(batch, numHeads, numKvHeads, qLen,
                    kvLen, headDim, valueDim, modelWidth, kind));
        }
    }

    /** R = H / G. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** P = S − T, the cached keys before this chunk (meaningful for {@link Kind#WITH_PAST}). */
    public int pastLen() {
        return kvLen - qLen;
    }

    public boolean isMha() {
        return numKvHeads == numHeads;
    }

    public boolean isMqa() {
        return numKvHeads == 1;
    }

    public boolean isGrouped() {
        return numKvHeads > 1 && numKvHeads < numHeads;
    }

    @Override
    public List<AttnShape> shrinks() {
        LinkedHashSet<AttnShape> out = new LinkedHashSet<>();
        // Heads first: smaller (H, G) pairs with G | H, G ≤ current G, fewest heads first.
        List<int[]> heads = new ArrayList<>();
        for (int h = 1; h <= numHeads; h++) {
            for (int g = 1; g <= Math.min(h, numKvHeads); g++) {
                if (h % g == 0 && (h < numHeads || g < numKvHeads)) {
                    heads.add(new int[] {h, g});
                }
            }
        }
        heads.sort((a, b) -> (a[0] + a[1]) - (b[0] + b[1]));
        for (int[] hg : heads) {
            out.add(with(batch, hg[0], hg[1], qLen, kvLen, headDim, valueDim, modelWidth));
        }
        if (batch > 1) {
            out.add(with(1, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, modelWidth));
            out.add(with(batch - 1, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, modelWidth));
        }
        switch (kind) {
            case SELF -> {
                if (qLen > 1) {
                    out.add(with(batch, numHeads, numKvHeads, 1, 1, headDim, valueDim, modelWidth));
                    out.add(with(batch, numHeads, numKvHeads, qLen - 1, qLen - 1, headDim, valueDim, modelWidth));
                }
            }
            case WITH_PAST -> {
                if (pastLen() > 0) {
                    out.add(with(batch, numHeads, numKvHeads, qLen, qLen, headDim, valueDim, modelWidth));
                    out.add(with(batch, numHeads, numKvHeads, qLen, kvLen - 1, headDim, valueDim, modelWidth));
                }
                if (qLen > 1) {
                    out.add(with(batch, numHeads, numKvHeads, 1, kvLen - qLen + 1, headDim, valueDim, modelWidth));
                    out.add(with(batch, numHeads, numKvHeads, qLen - 1, kvLen - 1, headDim, valueDim, modelWidth));
                }
            }
            case CROSS -> {
                if (qLen > 1) {
                    out.add(with(batch, numHeads, numKvHeads, 1, kvLen, headDim, valueDim, modelWidth));
                    out.add(with(batch, numHeads, numKvHeads, qLen - 1, kvLen, headDim, valueDim, modelWidth));
                }
                if (kvLen > 1) {
                    out.add(with(batch, numHeads, numKvHeads, qLen, 1, headDim, valueDim, modelWidth));
                    out.add(with(batch, numHeads, numKvHeads, qLen, kvLen - 1, headDim, valueDim, modelWidth));
                }
            }
        }
        if (headDim > 1) {
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, 1, valueDim, modelWidth));
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, headDim - 1, valueDim, modelWidth));
        }
        if (valueDim > 1) {
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, headDim, 1, modelWidth));
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim - 1, modelWidth));
        }
        if (modelWidth > 1) {
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, 1));
            out.add(with(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, modelWidth - 1));
        }
        out.remove(this);
        return new ArrayList<>(out);
    }

    private AttnShape with(int b, int h, int g, int t, int s, int d, int dv, int m) {
        return new AttnShape(b, h, g, t, s, d, dv, m, kind);
    }

    @Override
    public String toString() {
        return describe(batch, numHeads, numKvHeads, qLen, kvLen, headDim, valueDim, modelWidth, kind);
    }

    private static String describe(int b, int h, int g, int t, int s, int d, int dv, int m, Kind kind) {
        return "AttnShape{" + kind + " B=" + b + " H=" + h + " G=" + g + " T=" + t + " S=" + s + " D=" + d + " Dv=" + dv
                + " M=" + m + "}";
    }
}
