package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.List;

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
public final class MfaCache implements LayerCache {
    private final int batchSize;
    private final int firstPosition;
    private Tensor keys;
    private Tensor values;

    MfaCache(int batchSize, int firstPosition, int headDim) {
        this.batchSize = Checks.positive("batchSize", batchSize);
        this.firstPosition = Checks.nonNegative("firstPosition", firstPosition);
        this.keys = Tensor.zeros(batchSize, 0, headDim);     // [B, 0, C]
        this.values = Tensor.zeros(batchSize, 0, headDim);   // [B, 0, C]
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int firstPosition() {
        return firstPosition;
    }

    @Override
    public int length() {
        return keys.size(1);
    }

    /** The rotated shared keys, {@code [B, S, C]}. */
    public Tensor keys() {
        return keys;
    }

    /** The shared values, {@code [B, S, C]}. */
    public Tensor values() {
        return values;
    }

    @Override
    public List<Tensor> storedTensors() {
        return List.of(keys, values);
    }

    void requireHeadDim(int headDim) {
        if (keys.size(2) != headDim) {
            throw new IllegalArgumentException("MFA cache holds head width " + keys.size(2) + "; this module expects "
                    + headDim);
        }
    }

    /** Appends T tokens: {@code newKeys, newValues [B, T, C]}. */
    void append(Tensor newKeys, Tensor newValues) {
        keys = Tensor.cat(List.of(keys, newKeys), 1);         // [B, S, C]
        values = Tensor.cat(List.of(values, newValues), 1);   // [B, S, C]
    }
}
