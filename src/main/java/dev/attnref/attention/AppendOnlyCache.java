package dev.attnref.attention;

import dev.attnref.core.Checks;

/**
 * What the caches of the latent and factorized modules share: B sequences starting at one absolute
 * position, both fixed and checked at creation ({@code B ≥ 1}, {@code firstPosition ≥ 0}). The
 * stored tensors, their token axis S and how they grow are the subclass's. Checked by
 * {@code CachedAttentionLawTest} and {@code CacheSizeLawTest}.
 */
abstract sealed class AppendOnlyCache implements LayerCache
        permits LatentCache, KeyValueCache, KeyReuseCache {
    private final int batchSize;
    private final int firstPosition;

    AppendOnlyCache(int batchSize, int firstPosition) {
        this.batchSize = Checks.positive("batchSize", batchSize);
        this.firstPosition = Checks.nonNegative("firstPosition", firstPosition);
    }

    @Override
    public final int batchSize() {
        return batchSize;
    }

    @Override
    public final int firstPosition() {
        return firstPosition;
    }
}
