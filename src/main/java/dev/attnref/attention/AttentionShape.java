package dev.attnref.attention;

/**
 * The per-layer attention shape of a model: everything needed to count its attention parameters
 * and the key/value values it caches per token. One record per family:
 * {@link GqaShape} (MHA, GQA, MQA), {@link MlaShape} (MLA), {@link MfaShape} (MFA, MFA-KR).
 *
 * <p>Parameter counts cover every projection of the attention block and the RMSNorm weights that
 * sit inside it (MLA's latent norms, MFA's query norm); they exclude the block's input norm, as
 * the published per-layer figures do. Checked by {@code ModelCatalogueTest}.
 */
public sealed interface AttentionShape permits GqaShape, MlaShape, MfaShape {

    AttentionVariant variant();

    /** M, the width of the residual stream the block reads and writes. */
    int modelWidth();

    /** H, the number of query heads. */
    int numHeads();

    /** G, the number of key/value heads, or −1 where the family has none (MLA). */
    int numKvHeads();

    /** The q/k head width, with the value width in parentheses where it differs (e.g. {@code 128+64 (128)}). */
    String headDimLabel();

    /** Attention parameters of one layer: every projection plus the norms inside the block. */
    long parametersPerLayer();

    /** Values cached per token in one layer by the form a decoder runs (MLA: absorbed, C + P). */
    long kvValuesPerTokenPerLayer();
}
