package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * The cache of {@link NaiveMla}: every head's full key {@code [k_C,i | k_R]} and value {@code v_i},
 * {@code H·(D_nope + P) + H·Dv} values per token per layer (40,960 for DeepSeek-V3). The shared
 * {@code k_R} is copied into every head's key, as a kernel for the naive form stores it.
 *
 * <table>
 *   <caption>Stored tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>{@link #keys()}</td><td>[B, H, S, D_nope + P]</td><td>per head [k_C,i | k_R], k_R rotated</td></tr>
 *   <tr><td>{@link #values()}</td><td>[B, H, S, Dv]</td><td>per head v_i</td></tr>
 * </table>
 * Checked by {@code CachedAttentionLawTest}, {@code MlaStructureLawTest} and {@code CacheSizeLawTest}.
 */
public final class NaiveMlaCache extends KeyValueCache {
    NaiveMlaCache(int batchSize, int firstPosition, int numHeads, int keyWidth, int valueWidth) {
        super(batchSize, firstPosition, 2,
                new int[] {batchSize, numHeads, 0, keyWidth},       // keys [B, H, 0, D_nope + P]
                new int[] {batchSize, numHeads, 0, valueWidth});    // values [B, H, 0, Dv]
    }

    /** Checks this cache was made for H heads of key width D_nope + P and value width Dv. */
    void requireWidths(int numHeads, int keyWidth, int valueWidth) {
        Tensor keys = keys();
        Tensor values = values();
        if (keys.size(1) != numHeads || keys.size(3) != keyWidth || values.size(3) != valueWidth) {
            throw new IllegalArgumentException("naive MLA cache holds H = " + keys.size(1) + ", key width " + keys.size(3)
                    + ", value width " + values.size(3) + "; this module expects H = " + numHeads + ", key width "
                    + keyWidth + ", value width " + valueWidth);
        }
    }
}
