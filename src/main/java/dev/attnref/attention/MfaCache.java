package dev.attnref.attention;

import dev.attnref.core.Tensor;

/**
 * The cache of {@link Mfa}: the one shared key (after RoPE) and the one shared value per token,
 * {@code 2·C} values per token per layer whatever the number of query heads.
 *
 * <table>
 *   <caption>Stored tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>{@link #keys()}</td><td>[B, S, C]</td><td>rotated at each token's absolute position</td></tr>
 *   <tr><td>{@link #values()}</td><td>[B, S, C]</td><td>v = S_V x</td></tr>
 * </table>
 * Checked by {@code CachedAttentionLawTest}, {@code MfaLawTest} and {@code CacheSizeLawTest}.
 */
public final class MfaCache extends KeyValueCache {
    MfaCache(int batchSize, int firstPosition, int headDim) {
        super(batchSize, firstPosition, 1,
                new int[] {batchSize, 0, headDim},      // keys [B, 0, C]
                new int[] {batchSize, 0, headDim});     // values [B, 0, C]
    }

    void requireHeadDim(int headDim) {
        if (keys().size(2) != headDim) {
            throw new IllegalArgumentException("MFA cache holds head width " + keys().size(2) + "; this module expects "
                    + headDim);
        }
    }
}
