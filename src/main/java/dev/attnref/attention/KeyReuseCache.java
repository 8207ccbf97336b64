package dev.attnref.attention;

import dev.attnref.core.Tensor;
import java.util.List;

/**
 * The cache of {@link MfaKeyReuse}: only the shared key before RoPE, {@code k̄ = S_K x}, C values per
 * token per layer. Values are derived from it and the rotation is applied when logits are formed,
 * so nothing else needs to be kept.
 *
 * <table>
 *   <caption>Stored tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>{@link #keysBeforeRope()}</td><td>[B, S, C]</td><td>k̄, not rotated</td></tr>
 * </table>
 * Checked by {@code CachedAttentionLawTest}, {@code MfaLawTest} and {@code CacheSizeLawTest}.
 */
public final class KeyReuseCache extends AppendOnlyCache {
    private Tensor keysBeforeRope;

    KeyReuseCache(int batchSize, int firstPosition, int headDim) {
        super(batchSize, firstPosition);
        this.keysBeforeRope = Tensor.zeros(batchSize, 0, headDim);   // [B, 0, C]
    }

    @Override
    public int length() {
        return keysBeforeRope.size(1);
    }

    /** k̄ of every cached token, not rotated, {@code [B, S, C]}. */
    public Tensor keysBeforeRope() {
        return keysBeforeRope;
    }

    @Override
    public List<Tensor> storedTensors() {
        return List.of(keysBeforeRope);
    }

    void requireHeadDim(int headDim) {
        if (keysBeforeRope.size(2) != headDim) {
            throw new IllegalArgumentException("MFA-KR cache holds head width " + keysBeforeRope.size(2)
                    + "; this module expects " + headDim);
        }
    }

    /** Appends T tokens: {@code newKeys [B, T, C]}, before RoPE. */
    void append(Tensor newKeys) {
        keysBeforeRope = Tensor.cat(List.of(keysBeforeRope, newKeys), 1);   // [B, S, C]
    }
}
