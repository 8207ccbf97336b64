package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The cache of {@link AbsorbedMla}: per token only the normalised latent {@code c_kv} and the
 * rotated shared key {@code k_R}, {@code C + P} values per token per layer (576 for DeepSeek-V3),
 * whatever the number of heads.
 *
 * <table>
 *   <caption>Stored tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>{@link #latent()} c_kv</td><td>[B, S, C]</td><td>after RMSNorm; appended along S by the owning module</td></tr>
 *   <tr><td>{@link #ropeKey()} k_R</td><td>[B, S, P]</td><td>after RoPE at the token's absolute position; stored once, not per head</td></tr>
 * </table>
 * Checked by {@code CachedAttentionLawTest} and {@code CacheSizeLawTest}.
 */
public final class LatentCache extends AppendOnlyCache {
    private Tensor latent;
    private Tensor ropeKey;

    LatentCache(int batchSize, int firstPosition, int latentWidth, int ropeDim) {
        super(batchSize, firstPosition);
        this.latent = Tensor.zeros(batchSize, 0, latentWidth);    // [B, 0, C]
        this.ropeKey = Tensor.zeros(batchSize, 0, ropeDim);       // [B, 0, P]
    }

    @Override
    public int length() {
        return latent.size(1);
    }

    /** c_kv of every cached token, {@code [B, S, C]}. */
    public Tensor latent() {
        return latent;
    }

    /** k_R of every cached token, rotated, {@code [B, S, P]}. */
    public Tensor ropeKey() {
        return ropeKey;
    }

    @Override
    public List<Tensor> storedTensors() {
        return List.of(latent, ropeKey);
    }

    /** Checks this cache was made for latent width C and rotary width P. */
    void requireWidths(int latentWidth, int ropeDim) {
        if (latent.size(2) != latentWidth || ropeKey.size(2) != ropeDim) {
            throw new IllegalArgumentException("latent cache holds C = " + latent.size(2) + ", P = " + ropeKey.size(2)
                    + "; this module expects C = " + latentWidth + ", P = " + ropeDim);
        }
    }

    /** Appends T tokens: {@code latent [B, T, C]}, {@code ropeKey [B, T, P]}. */
    void append(Tensor newLatent, Tensor newRopeKey) {
        if (newLatent.size(1) != newRopeKey.size(1)) {
            throw new IllegalArgumentException("latent " + Arrays.toString(newLatent.shape()) + " and rope key "
                    + Arrays.toString(newRopeKey.shape()) + " must hold the same tokens");
        }
        latent = Tensor.cat(List.of(latent, newLatent), 1);       // [B, S, C]
        ropeKey = Tensor.cat(List.of(ropeKey, newRopeKey), 1);    // [B, S, P]
    }
}
