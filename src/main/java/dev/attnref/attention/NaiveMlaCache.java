package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.List;

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
public final class NaiveMlaCache implements LayerCache {
    private final int batchSize;
    private final int firstPosition;
    private Tensor keys;
    private Tensor values;

    NaiveMlaCache(int batchSize, int firstPosition, int numHeads, int keyWidth, int valueWidth) {
        this.batchSize = Checks.positive("batchSize", batchSize);
        this.firstPosition = Checks.nonNegative("firstPosition", firstPosition);
        this.keys = Tensor.zeros(batchSize, numHeads, 0, keyWidth);       // [B, H, 0, D_nope + P]
        this.values = Tensor.zeros(batchSize, numHeads, 0, valueWidth);   // [B, H, 0, Dv]
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
        return keys.size(2);
    }

    /** Every head's key, {@code [B, H, S, D_nope + P]}. */
    public Tensor keys() {
        return keys;
    }

    /** Every head's value, {@code [B, H, S, Dv]}. */
    public Tensor values() {
        return values;
    }

    @Override
    public List<Tensor> storedTensors() {
        return List.of(keys, values);
    }

    /** Checks this cache was made for H heads of key width D_nope + P and value width Dv. */
    void requireWidths(int numHeads, int keyWidth, int valueWidth) {
        if (keys.size(1) != numHeads || keys.size(3) != keyWidth || values.size(3) != valueWidth) {
            throw new IllegalArgumentException("naive MLA cache holds H = " + keys.size(1) + ", key width " + keys.size(3)
                    + ", value width " + values.size(3) + "; this module expects H = " + numHeads + ", key width "
                    + keyWidth + ", value width " + valueWidth);
        }
    }

    /** Appends T tokens: {@code newKeys [B, H, T, D_nope + P]}, {@code newValues [B, H, T, Dv]}. */
    void append(Tensor newKeys, Tensor newValues) {
        keys = Tensor.cat(List.of(keys, newKeys), 2);         // [B, H, S, D_nope + P]
        values = Tensor.cat(List.of(values, newValues), 2);   // [B, H, S, Dv]
    }
}
