package dev.attnref.fast;

import static dev.attnref.fast.TileEngine.TILE;

import dev.attnref.core.Checks;

/**
 * A key cache in the layout the fast kernels read at full speed: per (b, g), the keys in tiles of
 * {@value TileEngine#TILE}, each tile stored transposed.
 *
 * <pre>
 *   k[b, g, s, d]  is at  data[((b·G + g)·tiles + ⌊s / TILE⌋)·D·TILE + d·TILE + s mod TILE]     tiles = ⌈capacity / TILE⌉
 * </pre>
 *
 * <p>Why: with row-major keys {@code [B, G, S, D]} a decode logit q·k_s is a dot product along D that
 * ends in a horizontal sum across vector lanes, once per (query head, key); on JDK 17 those sums,
 * not memory, bound the decode kernel (experiments/fast-race/README.md). Transposed tiles put 16
 * keys in the lanes, so the logits become broadcast-q FMAs with no horizontal sum: the kernel the
 * prefill uses on its Kᵀ, packed per call there. A cache that is kept in this layout pays the
 * transposition once per token, when the token is appended (D scattered stores), instead of a pass
 * over the cache per step. (vLLM's paged key cache splits the head dimension across its layout for
 * the same reason.) Values stay row-major {@code [B, G, S, Dv]}: their sum is along S, which vectors
 * already cover without horizontal sums.
 *
 * <table>
 *   <caption>Contract</caption>
 *   <tr><th>member</th><th>meaning</th></tr>
 *   <tr><td>{@link #length()}</td><td>tokens held, S ≤ capacity; entries beyond it are zero</td></tr>
 *   <tr><td>{@link #append}</td><td>k {@code [B, G, T, D]} of T new tokens, positions S … S + T − 1</td></tr>
 *   <tr><td>{@link #of}</td><td>a full cache packed from {@code [B, G, S, D]}</td></tr>
 * </table>
 * Checked by {@code TransposedKeysTest} (packing equals appending, the layout formula, bad input) and
 * {@code FastAttentionAccuracyTest} (decode over it against the float64 oracle).
 */
public final class TransposedKeys {
    private final int batch;
    private final int numKvHeads;
    private final int headDim;
    private final int capacity;
    private final int tiles;
    private final float[] data;
    private int length;

    /** An empty cache for up to {@code capacity} tokens of {@code batch} rows × {@code numKvHeads} heads of width {@code headDim}. */
    public TransposedKeys(int batch, int numKvHeads, int headDim, int capacity) {
        this.batch = Checks.positive("batch", batch);
        this.numKvHeads = Checks.positive("numKvHeads", numKvHeads);
        this.headDim = Checks.positive("headDim", headDim);
        this.capacity = Checks.positive("capacity", capacity);
        this.tiles = (capacity + TILE - 1) / TILE;
        long size = (long) batch * numKvHeads * tiles * headDim * TILE;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("B·G·D·capacity (" + size + " floats, capacity rounded up to a multiple of "
                    + TILE + ") is too large for one float array");
        }
        this.data = new float[(int) size];
    }

    /** The keys {@code k [B, G, S, D]} of {@code dims} (S = dims.kvLen()) packed into a cache of capacity S. */
    public static TransposedKeys of(AttentionDims dims, float[] k) {
        Checks.notNull("dims", dims);
        TransposedKeys keys = new TransposedKeys(dims.batch(), dims.numKvHeads(), dims.headDim(), dims.kvLen());
        keys.append(k, dims.kvLen());
        return keys;
    }

    /** Appends {@code tokens} new keys, {@code k [B, G, tokens, D]}, at positions {@code length() …}. */
    public void append(float[] k, int tokens) {
        Checks.notNull("k", k);
        Checks.positive("tokens", tokens);
        if ((long) length + tokens > capacity) {
            throw new IllegalArgumentException("appending " + tokens + " tokens to " + length + " exceeds the capacity ("
                    + capacity + ")");
        }
        long expected = (long) batch * numKvHeads * tokens * headDim;
        if (k.length != expected) {
            throw new IllegalArgumentException("k has " + k.length + " floats; expected B·G·T·D = " + expected);
        }
        // k[b, g, t, d] → position s = length + t:  bgtd -> bg(s/TILE)d(s%TILE)
        for (int b = 0; b < batch; b++) {
            for (int g = 0; g < numKvHeads; g++) {
                int source = (b * numKvHeads + g) * tokens * headDim;
                int block = (b * numKvHeads + g) * tiles * headDim * TILE;
                for (int t = 0; t < tokens; t++) {
                    int s = length + t;
                    int column = block + s / TILE * headDim * TILE + s % TILE;
                    for (int d = 0; d < headDim; d++) {
                        data[column + d * TILE] = k[source + t * headDim + d];
                    }
                }
            }
        }
        length += tokens;
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    int batch() {
        return batch;
    }

    int numKvHeads() {
        return numKvHeads;
    }

    int headDim() {
        return headDim;
    }

    /** Tiles per (b, g): the stride between their blocks is tiles·D·TILE floats. */
    int tiles() {
        return tiles;
    }

    float[] data() {
        return data;
    }
}
