package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The cache of the latent forms: per token one latent vector from which every head's key and value
 * are derived at attention time, plus, for MLA, the rotated shared key {@code k_R}. Nothing per head
 * is stored, so the size does not grow with H.
 *
 * <table>
 *   <caption>Stored tensors</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>{@link #latent()}</td><td>[B, S, C]</td><td>{@link AbsorbedMla}: c_kv after RMSNorm; {@link MfaKeyReuse}: k̄ = S_K x, not rotated</td></tr>
 *   <tr><td>{@link #ropeKey()}</td><td>[B, S, P]</td><td>{@link AbsorbedMla}: k_R after RoPE at the token's absolute position, once for all heads;
 *       {@link MfaKeyReuse}: P = 0, nothing stored</td></tr>
 * </table>
 * Values per token per layer: {@code C + P} (576 for DeepSeek-V3; C for MFA-KR). The per-head key
 * and value layout is {@link KvCache}.
 *
 * <p>Conventions: cached token {@code s} sits at absolute position {@code firstPosition + s};
 * appended along S by the owning module only. Checked by {@code CachedAttentionLawTest} and
 * {@code CacheSizeLawTest}.
 */
public final class LatentCache {
    private final int batchSize;
    private final int firstPosition;
    private Tensor latent;     // [B, S, C]
    private Tensor ropeKey;    // [B, S, P]

    /** An empty cache of latent width C and rotary width P (0 when nothing rotated is stored). */
    LatentCache(int batchSize, int firstPosition, int latentWidth, int ropeDim) {
        this.batchSize = Checks.positive("batchSize", batchSize);
        this.firstPosition = Checks.nonNegative("firstPosition", firstPosition);
        this.latent = Tensor.zeros(batchSize, 0, Checks.positive("latentWidth", latentWidth));   // [B, 0, C]
        this.ropeKey = Tensor.zeros(batchSize, 0, Checks.nonNegative("ropeDim", ropeDim));       // [B, 0, P]
    }

    /** B, the number of sequences. */
    public int batchSize() {
        return batchSize;
    }

    /** Absolute position of cached token 0. */
    public int firstPosition() {
        return firstPosition;
    }

    /** S, the number of tokens cached so far. */
    public int length() {
        return latent.size(1);
    }

    /** Absolute position the next appended token takes: {@code firstPosition + S}. */
    public int nextPosition() {
        return firstPosition + length();
    }

    /** The latent of every cached token, {@code [B, S, C]}. */
    public Tensor latent() {
        return latent;
    }

    /** k_R of every cached token, rotated, {@code [B, S, P]}; P = 0 for MFA-KR. */
    public Tensor ropeKey() {
        return ropeKey;
    }

    /** Values held per cached token, measured from the stored tensors: {@code (numel latent + numel k_R) / (B·S)}; 0 when empty. */
    public long valuesPerToken() {
        long tokens = (long) batchSize * length();
        return tokens == 0 ? 0 : (latent.numel() + ropeKey.numel()) / tokens;
    }

    /** Throws unless this cache was made for {@code module}'s latent width C and rotary width P. */
    void requireWidths(String module, int latentWidth, int ropeDim) {
        if (latent.size(2) != latentWidth || ropeKey.size(2) != ropeDim) {
            throw new IllegalArgumentException("latent cache holds C = " + latent.size(2) + ", P = " + ropeKey.size(2)
                    + "; " + module + " needs C = " + latentWidth + ", P = " + ropeDim);
        }
    }

    /** Appends T tokens: {@code newLatent [B, T, C]}, {@code newRopeKey [B, T, P]}. */
    void append(Tensor newLatent, Tensor newRopeKey) {
        if (newLatent.size(1) != newRopeKey.size(1)) {
            throw new IllegalArgumentException("latent " + Arrays.toString(newLatent.shape()) + " and rope key "
                    + Arrays.toString(newRopeKey.shape()) + " must hold the same tokens");
        }
        latent = Tensor.cat(List.of(latent, newLatent), 1);       // [B, S, C]
        ropeKey = Tensor.cat(List.of(ropeKey, newRopeKey), 1);    // [B, S, P]
    }
}
