package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.List;

/**
 * A cache that stores keys and values per token, both growing along one token axis S: the cache of
 * {@link Mfa} ({@code [B, S, C]}, S is axis 1) and of {@link NaiveMla} ({@code [B, H, S, ·]}, S is
 * axis 2). Their shapes and contracts are in the subclass's table. Checked by
 * {@code CachedAttentionLawTest} and {@code CacheSizeLawTest}.
 */
abstract sealed class KeyValueCache extends AppendOnlyCache permits MfaCache, NaiveMlaCache {
    private final int tokenAxis;
    private Tensor keys;
    private Tensor values;

    /** Empty: zeros of {@code keyShape} and {@code valueShape}, each with size 0 at {@code tokenAxis}. */
    KeyValueCache(int batchSize, int firstPosition, int tokenAxis, int[] keyShape, int[] valueShape) {
        super(batchSize, firstPosition);
        this.tokenAxis = tokenAxis;
        this.keys = Tensor.zeros(keyShape);
        this.values = Tensor.zeros(valueShape);
    }

    @Override
    public final int length() {
        return keys.size(tokenAxis);
    }

    /** The cached keys, S along the token axis. */
    public final Tensor keys() {
        return keys;
    }

    /** The cached values, S along the token axis. */
    public final Tensor values() {
        return values;
    }

    @Override
    public final List<Tensor> storedTensors() {
        return List.of(keys, values);
    }

    /** Appends T tokens: {@code newKeys} and {@code newValues} join along the token axis (S → S + T). */
    final void append(Tensor newKeys, Tensor newValues) {
        keys = Tensor.cat(List.of(keys, newKeys), tokenAxis);
        values = Tensor.cat(List.of(values, newValues), tokenAxis);
    }
}
