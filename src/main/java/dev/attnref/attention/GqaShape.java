package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * Attention shape of the MHA / GQA / MQA family: H query heads of width D share G key/value heads
 * (value width Dv), no biases.
 *
 * <pre>
 *   parameters per layer = M·H·D  (W_Q)  +  M·G·D  (W_K)  +  M·G·Dv  (W_V)  +  H·Dv·M  (W_O)
 *   cached per token      = G·(D + Dv)          (= 2·G·D when Dv = D)
 * </pre>
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>symbol</th><th>contract</th></tr>
 *   <tr><td>modelWidth</td><td>M</td><td>≥ 1</td></tr>
 *   <tr><td>numHeads</td><td>H</td><td>≥ 1</td></tr>
 *   <tr><td>numKvHeads</td><td>G</td><td>≥ 1, divides H</td></tr>
 *   <tr><td>headDim</td><td>D</td><td>≥ 1</td></tr>
 *   <tr><td>valueHeadDim</td><td>Dv</td><td>≥ 1</td></tr>
 * </table>
 *
 * <p>The variant follows from G: {@code G = H} is MHA, {@code G = 1 < H} is MQA, otherwise GQA.
 * Falcon's fused {@code query_key_value} weight {@code [(H + 2G)·D, M]} counts the same as the
 * three separate projections. Checked by {@code ModelCatalogueTest}.
 */
public record GqaShape(int modelWidth, int numHeads, int numKvHeads, int headDim, int valueHeadDim)
        implements AttentionShape {

    public GqaShape {
        Checks.positive("modelWidth", modelWidth);
        Checks.positive("numHeads", numHeads);
        Checks.positive("numKvHeads", numKvHeads);
        Checks.divides("numKvHeads", numKvHeads, "numHeads", numHeads);
        Checks.positive("headDim", headDim);
        Checks.positive("valueHeadDim", valueHeadDim);
    }

    /** Equal key and value widths, as every model in the catalogue has. */
    public static GqaShape of(int modelWidth, int numHeads, int numKvHeads, int headDim) {
        return new GqaShape(modelWidth, numHeads, numKvHeads, headDim, headDim);
    }

    @Override
    public AttentionVariant variant() {
        if (numKvHeads == numHeads) {
            return AttentionVariant.MHA;
        }
        return numKvHeads == 1 ? AttentionVariant.MQA : AttentionVariant.GQA;
    }

    @Override
    public String headDimLabel() {
        return headDim == valueHeadDim ? Integer.toString(headDim) : headDim + " (" + valueHeadDim + ")";
    }

    @Override
    public long parametersPerLayer() {
        long m = modelWidth;
        long query = m * numHeads * headDim;           // W_Q [H·D, M]
        long key = m * numKvHeads * headDim;           // W_K [G·D, M]
        long value = m * numKvHeads * valueHeadDim;    // W_V [G·Dv, M]
        long output = (long) numHeads * valueHeadDim * m;   // W_O [M, H·Dv]
        return query + key + value + output;
    }

    @Override
    public long kvValuesPerTokenPerLayer() {
        return (long) numKvHeads * (headDim + valueHeadDim);
    }
}
