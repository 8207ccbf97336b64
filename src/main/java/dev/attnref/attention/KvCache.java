package dev.attnref.attention;

import dev.attnref.core.Checks;
import dev.attnref.core.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The key/value cache of one attention layer: every key and value the layer has produced so far,
 * keys stored after RoPE, in position order.
 *
 * <pre>
 *   K ← concat_s(K, k_new),   V ← concat_s(V, v_new)          S ← S + T
 * </pre>
 *
 * <table>
 *   <caption>Shapes</caption>
 *   <tr><th>name</th><th>shape</th><th>contract</th></tr>
 *   <tr><td>keys</td><td>[B, G, S, D]</td><td>rotated keys of the S cached tokens; a read-only tensor</td></tr>
 *   <tr><td>values</td><td>[B, G, S, Dv]</td><td>values of the S cached tokens; a read-only tensor</td></tr>
 *   <tr><td>appended keys</td><td>[B, G, T, D]</td><td>T ≥ 1, finite; become cached tokens S … S+T−1</td></tr>
 *   <tr><td>appended values</td><td>[B, G, T, Dv]</td><td>same T</td></tr>
 * </table>
 *
 * <table>
 *   <caption>Who stores what</caption>
 *   <tr><th>module</th><th>G</th><th>D</th><th>Dv</th><th>values per token</th></tr>
 *   <tr><td>{@link MultiHeadAttention}, {@link GroupedQueryAttention}, {@link MultiQueryAttention}</td><td>H, G, 1</td><td>D</td><td>Dv</td><td>G·(D + Dv)</td></tr>
 *   <tr><td>{@link NaiveMla}</td><td>H</td><td>D_nope + P: [k_C,i | k_R]</td><td>Dv</td><td>H·(D_nope + P) + H·Dv</td></tr>
 *   <tr><td>{@link Mfa}</td><td>1</td><td>C: RoPE(S_K x)</td><td>C: S_V x</td><td>2·C</td></tr>
 * </table>
 * The latent forms ({@link AbsorbedMla}, {@link MfaKeyReuse}) store no keys or values: {@link LatentCache}.
 *
 * <p>Conventions: cached token {@code s} sits at absolute position {@code firstPosition + s}; a
 * module's forward places its T new tokens after the S cached ones (bottom-right alignment), so one
 * cache serves prefill, single-token decode and chunked prefill alike. An optional capacity bounds
 * S; an append past it fails and leaves the cache as it was. Mutable, not thread-safe. Checked by
 * {@code KvCacheTest}, {@code AttentionLawsTest}, {@code CachedAttentionLawTest} and {@code CacheSizeLawTest}.
 */
public final class KvCache {
    private static final int UNBOUNDED = Integer.MAX_VALUE;

    private final int batch;
    private final int numKvHeads;
    private final int headDim;
    private final int valueDim;
    private final int firstPosition;
    private final int capacity;
    private Tensor keys;     // [B, G, S, D]
    private Tensor values;   // [B, G, S, Dv]

    /** An empty cache with no capacity bound whose first token sits at position 0. */
    public KvCache(int batch, int numKvHeads, int headDim, int valueDim) {
        this(batch, numKvHeads, headDim, valueDim, 0, UNBOUNDED);
    }

    /** An empty, unbounded cache whose first token sits at absolute position {@code firstPosition}. */
    public KvCache(int batch, int numKvHeads, int headDim, int valueDim, int firstPosition) {
        this(batch, numKvHeads, headDim, valueDim, firstPosition, UNBOUNDED);
    }

    private KvCache(int batch, int numKvHeads, int headDim, int valueDim, int firstPosition, int capacity) {
        this.batch = Checks.positive("cache batch", batch);
        this.numKvHeads = Checks.positive("cache numKvHeads", numKvHeads);
        this.headDim = Checks.positive("cache headDim", headDim);
        this.valueDim = Checks.positive("cache valueDim", valueDim);
        this.firstPosition = Checks.nonNegative("cache firstPosition", firstPosition);
        this.capacity = Checks.positive("cache capacity", capacity);
        this.keys = Tensor.zeros(batch, numKvHeads, 0, headDim);       // [B, G, 0, D]
        this.values = Tensor.zeros(batch, numKvHeads, 0, valueDim);    // [B, G, 0, Dv]
    }

    /** An empty cache that holds at most {@code capacity} positions. */
    public static KvCache withCapacity(int batch, int numKvHeads, int headDim, int valueDim, int capacity) {
        return new KvCache(batch, numKvHeads, headDim, valueDim, 0, capacity);
    }

    /** An empty, unbounded cache sized for {@code config} (G, D, Dv) and {@code batch} rows. */
    public static KvCache forConfig(AttentionConfig config, int batch) {
        return new KvCache(batch, config.numKvHeads(), config.headDim(), config.valueDim());
    }

    /** S: positions held. */
    public int length() {
        return keys.size(2);
    }

    /** Absolute position of cached token 0. */
    public int firstPosition() {
        return firstPosition;
    }

    /** Absolute position the next appended token takes: {@code firstPosition + S}. */
    public int nextPosition() {
        return firstPosition + length();
    }

    /** The most positions this cache may hold ({@link Integer#MAX_VALUE} when unbounded). */
    public int capacity() {
        return capacity;
    }

    public int batch() {
        return batch;
    }

    public int numKvHeads() {
        return numKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int valueDim() {
        return valueDim;
    }

    /** {@code [B, G, S, D]}. */
    public Tensor keys() {
        return keys;
    }

    /** {@code [B, G, S, Dv]}. */
    public Tensor values() {
        return values;
    }

    /** Values held per cached token, measured from the stored tensors: {@code (numel K + numel V) / (B·S)}; 0 when empty. */
    public long valuesPerToken() {
        long tokens = (long) batch * length();
        return tokens == 0 ? 0 : (keys.numel() + values.numel()) / tokens;
    }

    /** Throws unless this cache was made for {@code module}'s G, D and Dv. */
    public void requireHeads(String module, int expectedKvHeads, int expectedHeadDim, int expectedValueDim) {
        if (numKvHeads != expectedKvHeads || headDim != expectedHeadDim || valueDim != expectedValueDim) {
            throw new IllegalArgumentException("cache holds G = " + numKvHeads + " heads of D = " + headDim + ", Dv = "
                    + valueDim + "; " + module + " needs G = " + expectedKvHeads + ", D = " + expectedHeadDim + ", Dv = "
                    + expectedValueDim);
        }
    }

    /** Throws unless {@code positions} more fit under the capacity. */
    public void requireRoomFor(int positions) {
        Checks.positive("positions to append", positions);
        if ((long) length() + positions > capacity) {
            throw new IllegalArgumentException("cache of capacity " + capacity + " holds " + length()
                    + " positions; appending " + positions + " would exceed it");
        }
    }

    /**
     * Appends {@code newKeys [B, G, T, D]} and {@code newValues [B, G, T, Dv]} as cached tokens
     * {@code S … S+T−1}. Everything is checked before the cache changes.
     */
    public void append(Tensor newKeys, Tensor newValues) {
        Checks.notNull("appended keys", newKeys);
        Checks.notNull("appended values", newValues);
        if (newKeys.dim() != 4) {
            throw new IllegalArgumentException("appended keys have shape " + Arrays.toString(newKeys.shape())
                    + "; expected [B, G, T, D] = [" + batch + ", " + numKvHeads + ", T, " + headDim + "]");
        }
        int qLen = newKeys.size(2);
        Checks.sameShape("appended keys", newKeys.shape(), new int[] {batch, numKvHeads, qLen, headDim});
        Checks.sameShape("appended values", newValues.shape(), new int[] {batch, numKvHeads, qLen, valueDim});
        requireRoomFor(qLen);
        Checks.allFinite("appended keys", newKeys.toArray());
        Checks.allFinite("appended values", newValues.toArray());
        keys = Tensor.cat(List.of(keys, newKeys), 2);           // [B, G, S+T, D]
        values = Tensor.cat(List.of(values, newValues), 2);     // [B, G, S+T, Dv]
    }
}
