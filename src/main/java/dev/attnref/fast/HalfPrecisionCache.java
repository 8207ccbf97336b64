package dev.attnref.fast;

import static dev.attnref.fast.TileEngine.TILE;

import dev.attnref.core.Bfloat16;
import dev.attnref.core.Checks;
import dev.attnref.core.Float16;

/**
 * A key/value cache held in 16 bits per value, bf16 or fp16, for {@link FastAttention#decode(AttentionDims,
 * float[], HalfPrecisionCache, FastAttentionOptions, float[])}: half the bytes of a float32 cache, so a
 * decode step that streams the cache from memory reads half as much. The kernels widen each value to
 * float32 in registers and accumulate in float32.
 *
 * <h2>Formats</h2>
 * <pre>
 *   bf16: the top 16 bits of a float32 (8 exponent bits, 7 stored mantissa bits)   u = 2⁻⁸,  η = 2⁻¹³⁴
 *   fp16: IEEE binary16 (5 exponent bits, 10 stored mantissa bits, max 65504)      u = 2⁻¹¹, η = 2⁻²⁵
 * </pre>
 * Writing rounds to nearest, ties to even: |x̃ − x| ≤ u·|x| + η (η: half the spacing of the format's
 * subnormals). A value that is not finite or that rounds past the format's largest finite value is
 * refused, so the cache never holds ±∞ or NaN. Reading (a shift for bf16; for fp16 the bits moved into a
 * float32 and scaled by 2¹¹², exact for normals, subnormals and zero) is exact.
 *
 * <h2>Layout: two values per int</h2>
 * <pre>
 *   a row of n values (n padded to a multiple of 32 with zeros) → n/2 ints;
 *   value j is in int 16·⌊j/32⌋ + j mod 16, low half if (j mod 32) &lt; 16, else high half
 *   keys   k[b, g, s, d] : row (b, g, tile ⌊s/TILE⌋, d) of the TILE keys of the tile (Kᵀ tiles, as {@link TransposedKeys})
 *   values v[b, g, s, e] : row (b, g, s) of Dv values (row-major)
 * </pre>
 * Why: an int vector of L lanes at int offset o then holds values 2o − o mod 16 … + L − 1 in its low halves
 * and the 16 after them in its high halves, so two lane-wise ops (bf16: a shift, a mask) give two float32
 * vectors of consecutive values: no shuffles, no shape-changing conversions (JDK 17's Vector API has no
 * fp16 conversion at all).
 *
 * <h2>Accuracy (the bound {@code HalfPrecisionCacheTest} asserts, per case)</h2>
 * Against exact attention on the unrounded k, v, decode over the cache errs by at most
 * <pre>
 *   |õ − o| ≤ (e^{2E} − 1)·V + u·V + η + (float32 arithmetic error on the rounded values)
 *   E = scale · max_{h,s} Σ_d |q_{h,d}| (u·|k_{s,d}| + η)      bound on |x̃_s − x_s|, the logit change
 *   V = max |v|
 * </pre>
 * Derivation: x̃_s − x_s = scale·Σ_d q_d (k̃_{s,d} − k_{s,d}), so |x̃_s − x_s| ≤ E. Softmax weights then
 * change by a factor in [e^{−2E}, e^{2E}], so |p̃_s − p_s| ≤ (e^{2E} − 1)·p_s and
 * |Σ_s (p̃_s − p_s)·v_s| ≤ (e^{2E} − 1)·V; the values' own rounding adds |Σ_s p̃_s (ṽ_s − v_s)| ≤ u·V + η.
 * The float32 arithmetic on the rounded values is bounded as for the float32 cache (docs/MATH.md,
 * "Numerics": K times the plain float32 loop's error).
 *
 * <p>Checked by {@code HalfPrecisionCacheTest} (rounding against a float64 reference rounding, the layout,
 * the accuracy law against the float64 oracle, bad input) and {@code FastAttentionDeterminismTest}.
 */
public final class HalfPrecisionCache {
    /** The 16-bit format of the cached values. */
    public enum Format {
        BF16(0x1.0p-8, 0x1.0p-134, 0x7F80),
        FP16(0x1.0p-11, 0x1.0p-25, 0x7C00);

        private final double unitRoundoff;
        private final double subnormalError;
        /** The exponent bits of ±∞. */
        private final int infinity;

        Format(double unitRoundoff, double subnormalError, int infinity) {
            this.unitRoundoff = unitRoundoff;
            this.subnormalError = subnormalError;
            this.infinity = infinity;
        }

        /** u: the relative error of rounding a normal value to this format. */
        public double unitRoundoff() {
            return unitRoundoff;
        }

        /** η: the absolute error of rounding a value in the subnormal range. */
        public double subnormalError() {
            return subnormalError;
        }

        /** The value this format holds for {@code x}: x rounded to nearest, ties to even. */
        public float round(float x) {
            return widen(encode(x, "value"), this == FP16);
        }

        /** The 16 bits of x rounded to nearest even; refuses a value that is not finite or overflows. */
        int encode(float x, String where) {
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(where + " (" + x + ") is not finite; a " + this + " cache holds finite values");
            }
            // rounded to nearest even; a finite value that rounds to the all-ones exponent overflowed to ∞
            int bits = (this == BF16 ? Bfloat16.toBits(x) : Float16.toBits(x)) & 0xFFFF;
            if ((bits & infinity) == infinity) {
                throw new IllegalArgumentException(where + " (" + x + ") overflows " + this + " (largest finite "
                        + (this == BF16 ? "3.39e38" : "65504") + ")");
            }
            return bits;
        }
    }

    private final Format format;
    private final int batch;
    private final int numKvHeads;
    private final int headDim;
    private final int valueHeadDim;
    private final int capacity;
    private final int tiles;
    private final int valueRow;
    private final int[] keys;
    private final int[] values;
    private int length;

    /** An empty cache for up to {@code capacity} tokens of {@code batch} rows × {@code numKvHeads} heads. */
    public HalfPrecisionCache(Format format, int batch, int numKvHeads, int headDim, int valueHeadDim, int capacity) {
        this.format = Checks.notNull("format", format);
        this.batch = Checks.positive("batch", batch);
        this.numKvHeads = Checks.positive("numKvHeads", numKvHeads);
        this.headDim = Checks.positive("headDim", headDim);
        this.valueHeadDim = Checks.positive("valueHeadDim", valueHeadDim);
        this.capacity = Checks.positive("capacity", capacity);
        this.tiles = (capacity + TILE - 1) / TILE;
        this.valueRow = paddedRow(valueHeadDim) / 2;
        long keyInts = (long) batch * numKvHeads * tiles * headDim * (TILE / 2);
        long valueInts = (long) batch * numKvHeads * capacity * valueRow;
        if (Math.max(keyInts, valueInts) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("B·G·capacity·D (" + 2 * Math.max(keyInts, valueInts)
                    + " values) is too large for one int array of pairs");
        }
        this.keys = new int[(int) keyInts];
        this.values = new int[(int) valueInts];
    }

    /** The k {@code [B, G, S, D]} and v {@code [B, G, S, Dv]} of {@code dims} rounded into a cache of capacity S. */
    public static HalfPrecisionCache of(Format format, AttentionDims dims, float[] k, float[] v) {
        Checks.notNull("dims", dims);
        HalfPrecisionCache cache = new HalfPrecisionCache(format, dims.batch(), dims.numKvHeads(), dims.headDim(),
                dims.valueHeadDim(), dims.kvLen());
        cache.append(k, v, dims.kvLen());
        return cache;
    }

    /** Appends {@code tokens} new keys {@code k [B, G, tokens, D]} and values {@code v [B, G, tokens, Dv]}, rounded. */
    public void append(float[] k, float[] v, int tokens) {
        Checks.notNull("k", k);
        Checks.notNull("v", v);
        Checks.positive("tokens", tokens);
        if ((long) length + tokens > capacity) {
            throw new IllegalArgumentException("appending " + tokens + " tokens to " + length + " exceeds the capacity ("
                    + capacity + ")");
        }
        long rows = (long) batch * numKvHeads * tokens;
        if (k.length != rows * headDim || v.length != rows * valueHeadDim) {
            throw new IllegalArgumentException("k has " + k.length + " and v " + v.length + " floats; expected B·G·T·D = "
                    + rows * headDim + " and B·G·T·Dv = " + rows * valueHeadDim);
        }
        for (int bg = 0; bg < batch * numKvHeads; bg++) {
            for (int t = 0; t < tokens; t++) {
                int s = length + t;
                int source = (bg * tokens + t) * headDim;
                // k[b, g, t, d] → Kᵀ tile row (bg, ⌊s/TILE⌋, d), value index s mod TILE
                int tile = (bg * tiles + s / TILE) * headDim * (TILE / 2);
                for (int d = 0; d < headDim; d++) {
                    put(keys, tile + d * (TILE / 2), s % TILE, format.encode(k[source + d], "k[" + (source + d) + "]"));
                }
                int valueSource = (bg * tokens + t) * valueHeadDim;
                int row = (bg * capacity + s) * valueRow;
                for (int e = 0; e < valueHeadDim; e++) {
                    put(values, row, e, format.encode(v[valueSource + e], "v[" + (valueSource + e) + "]"));
                }
            }
        }
        length += tokens;
    }

    /** Tokens held. */
    public int length() {
        return length;
    }

    public Format format() {
        return format;
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

    int valueHeadDim() {
        return valueHeadDim;
    }

    int capacity() {
        return capacity;
    }

    /** Tiles per (b, g) of the key rows: their blocks are tiles·D·TILE/2 ints apart. */
    int tiles() {
        return tiles;
    }

    /** Ints per value row: Dv padded to 32, halved. */
    int valueRow() {
        return valueRow;
    }

    int[] keys() {
        return keys;
    }

    int[] values() {
        return values;
    }

    /** n rounded up to a multiple of 32 values (16 ints). */
    static int paddedRow(int n) {
        return (n + 31) & ~31;
    }

    /** The int of value j of a row: 16·⌊j/32⌋ + j mod 16 (its half: bit 4 of j). */
    static int pairIndex(int j) {
        return 16 * (j >> 5) + (j & 15);
    }

    /** The first value of the low halves of the int at offset o of a row: 2o − o mod 16. */
    static int firstValue(int o) {
        return 2 * o - (o & 15);
    }

    /** Value j of the row at {@code row}, widened to float32. */
    static float read(int[] data, int row, int j, boolean fp16) {
        return widen(data[row + pairIndex(j)] >>> (j & 16) & 0xFFFF, fp16);
    }

    /** float32 of 16 bits: bf16 bits ≪ 16; fp16 as below ({@code VectorKernels} widens lane-wise the same way). */
    static float widen(int bits, boolean fp16) {
        int x = bits << 16;
        // fp16 s eeeee mmmmmmmmmm at bits 31…16, shifted arithmetically by 3: sign at 31 (and 30…28, masked
        // off), e at 27…23, m at 22…13: a float32 of exponent e − 127, times 2¹¹² is 2^(e − 15)·1.m (e = 0:
        // the subnormal 0.m·2⁻¹⁴). Exact: a power-of-two scaling whose result is normal or zero.
        return fp16 ? Float.intBitsToFloat((x >> 3) & FP16_MASK) * FP16_SCALE : Float.intBitsToFloat(x);
    }

    /** Keeps the sign bit and the 15 bits of exponent and mantissa of a shifted fp16. */
    static final int FP16_MASK = 0x8FFFE000;
    /** 2¹¹² = 2^(127 − 15): moves the fp16 exponent bias to float32's. */
    static final float FP16_SCALE = 0x1.0p112f;

    private static void put(int[] data, int row, int j, int bits) {
        int at = row + pairIndex(j);
        int shift = j & 16;
        data[at] = data[at] & ~(0xFFFF << shift) | bits << shift;
    }
}
