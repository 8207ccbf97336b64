package dev.attnref.fast;

import dev.attnref.core.Checks;

/**
 * Sizes of one scaled-dot-product attention call of the GQA family (docs/MATH.md, axis legend):
 * {@code q [B, H, T, D]}, {@code k [B, G, S, D]}, {@code v [B, G, S, Dv]}, {@code out [B, H, T, Dv]},
 * all float32, row-major. Query head {@code h} reads key/value head {@code g(h) = ⌊h / R⌋},
 * {@code R = H / G}.
 *
 * @param batch        B ≥ 1
 * @param numHeads     H ≥ 1
 * @param numKvHeads   G ≥ 1, divides H (G = H is MHA, G = 1 is MQA)
 * @param qLen         T ≥ 1
 * @param kvLen        S ≥ 1 (cached keys included)
 * @param headDim      D ≥ 1
 * @param valueHeadDim Dv ≥ 1
 */
public record AttentionDims(int batch, int numHeads, int numKvHeads, int qLen, int kvLen, int headDim,
        int valueHeadDim) {
    public AttentionDims {
        Checks.positive("batch", batch);
        Checks.positive("numHeads", numHeads);
        Checks.positive("numKvHeads", numKvHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("qLen", qLen);
        Checks.positive("kvLen", kvLen);
        Checks.positive("headDim", headDim);
        Checks.positive("valueHeadDim", valueHeadDim);
    }

    /** R = H / G, query heads per key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    public int queryCount() {
        return batch * numHeads * qLen * headDim;
    }

    public int keyCount() {
        return batch * numKvHeads * kvLen * headDim;
    }

    public int valueCount() {
        return batch * numKvHeads * kvLen * valueHeadDim;
    }

    public int outputCount() {
        return batch * numHeads * qLen * valueHeadDim;
    }

    @Override
    public String toString() {
        return "B=" + batch + " H=" + numHeads + " G=" + numKvHeads + " T=" + qLen + " S=" + kvLen
                + " D=" + headDim + " Dv=" + valueHeadDim;
    }
}
