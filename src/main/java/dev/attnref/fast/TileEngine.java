package dev.attnref.fast;

import java.util.Arrays;

/**
 * The flash-attention loop shared by every {@link FastAttention} entry point. One work item is
 * (query block, batch row b, key/value head g, key chunk): its rows are the {@code R} query heads of
 * group g at each position of the block (t-major: row i is t = t₀ + ⌊i/R⌋, h = g·R + i mod R), so
 * every key/value tile is loaded once and used by all R heads of its group.
 *
 * <h2>Online softmax (per row, base 2)</h2>
 * <pre>
 *   x_s  = (q·k_s) · scale · log₂e + mask_s · log₂e           −∞ where hidden
 *   per tile:  m' = max(m, max_s x_s),  α = 2^(m − m'),  p_s = 2^(x_s − m')
 *              ℓ  ← α·ℓ + Σ_s p_s,      acc ← α·acc + Σ_s p_s v_s,   m ← m'
 *   end:       out = acc / ℓ            (ℓ = 0: the row saw no key, out = 0)
 * </pre>
 * A row whose running max is still −∞ shifts by 0 instead of m' (so 2^(−∞ − 0) = 0, not NaN).
 * Tiles are {@link #TILE} keys; rows go through the kernels in panels of {@link #PANEL}, first the
 * logits and softmax of every panel (the tile's Kᵀ stays in L1), then the value sums of every panel
 * (the tile's v stays in L1). A panel
 * whose rows all end before the tile (causal) skips it, and an item stops at the last key any of
 * its rows can see, so fully masked causal tiles cost nothing.
 *
 * <h2>Decode split</h2>
 * With more than one key chunk each item leaves its (m, ℓ, acc) per row in {@link Problem#partial};
 * {@link #merge} combines the chunks of a row in ascending chunk order:
 * {@code M = max_c m_c, ℓ = Σ_c ℓ_c·2^(m_c − M), out = Σ_c acc_c·2^(m_c − M) / ℓ}.
 *
 * <p>Every output element is computed inside one item, by one thread, in a fixed order, and the
 * split depends on the shape only: results are identical for every thread count.
 */
final class TileEngine {
    /** Keys per tile (a multiple of 4 vectors of up to 16 lanes). */
    static final int TILE = 64;
    /** Rows per kernel call. */
    static final int PANEL = 4;
    /** Room per row for ℓ: the vector kernels keep one partial sum per lane (reduced once, at the end). */
    static final int SUM_LANES = 16;

    private final boolean vector;

    TileEngine(Kernels kernels) {
        this.vector = kernels == Kernels.VECTOR;
    }

    /** {@code n} rounded up to a multiple of 16 floats (the widest float vector). */
    static int padded(int n) {
        return (n + 15) & ~15;
    }

    /** Per-thread scratch, grown on demand and reused across calls (no allocation in the hot loop). */
    static final class Workspace {
        float[] logits = new float[0];                     // [rows, TILE]: x, then p, for the current tile
        float[] acc = new float[0];                        // [rows, Dv padded]
        float[] rowMax = new float[0];                     // [rows] m
        float[] rowSum = new float[0];                     // [rows, SUM_LANES] ℓ, as lane-wise partial sums
        float[] alpha = new float[0];                      // [rows] α of the current tile
        int[] rowQuery = new int[0];                       // [rows] offset of q[b, h, t, 0]
        int[] rowMask = new int[0];                        // [rows] offset of mask[b, h, t, 0]
        int[] rowLimit = new int[0];                       // [rows] keys s < limit are visible
        float[] keyTile = new float[0];                    // [TILE, D] rotated keys (MFA-KR)
        float touched;                                     // keeps the prefetching reads alive

        void ensure(int rows, int valueDimPadded, int keyTileSize) {
            if (rowMax.length < rows) {
                rowMax = new float[rows];
                rowSum = new float[rows * SUM_LANES];
                alpha = new float[rows];
                rowQuery = new int[rows];
                rowMask = new int[rows];
                rowLimit = new int[rows];
            }
            if (logits.length < rows * TILE) {
                logits = new float[rows * TILE];
            }
            if (acc.length < rows * valueDimPadded) {
                acc = new float[rows * valueDimPadded];
            }
            if (keyTile.length < keyTileSize) {
                keyTile = new float[keyTileSize];
            }
        }
    }

    /**
     * Runs one work item. With one key chunk the rows are finished into {@code p.out}; otherwise
     * their (m, ℓ, acc) go to {@code p.partial} at {@code partialBase}.
     */
    void runItem(Workspace ws, Problem p, int queryBlock, int b, int g, int chunk, int partialBase) {
        final int t0 = queryBlock * p.queryBlock;
        final int rows = p.groupSize * Math.min(p.queryBlock, p.qLen - t0);
        final int c0 = chunk * p.keyChunk;
        final int c1 = Math.min(p.kvLen, c0 + p.keyChunk);
        final int keyEnd = p.keyLengths == null ? c1 : Math.min(c1, p.keyLengths[b]);

        // Rows: offsets, visible-key limits, m = −∞, ℓ = 0, acc = 0.
        final int maxLimit = startRows(ws, p, t0, rows, b, g, c0, keyEnd);

        final int keyBase = b * p.kBatch + g * p.kGroup;
        final int valueBase = b * p.vBatch + g * p.vGroup;
        final int transposedBase = (b * p.numKvHeads + g) * p.keyTiles * p.headDim * TILE;
        for (int s0 = c0; s0 < maxLimit; s0 += TILE) {
            int width = Math.min(TILE, maxLimit - s0);
            float[] keys = p.k;
            int keyOffset = keyBase + s0 * p.kRow;
            int keyRow = p.kRow;
            // Decode streams the cache: the logits kernel reads the next tile's keys and values, a line
            // at a time between its own steps, so that their misses overlap this tile's arithmetic.
            int nextWidth = p.directKeys() ? Math.max(0, Math.min(TILE, maxLimit - s0 - TILE)) : 0;
            if (p.ropeCos != null) {
                rotateKeys(p, keyOffset, s0, width, ws.keyTile);
                keys = ws.keyTile;
                keyOffset = 0;
                keyRow = p.headDim;
            }
            // Phase 1, all panels while this tile's keys are in L1: x = q·kᵀ (rd,sd->rs), then m', α,
            // p = 2^(x − m'), ℓ per row.
            for (int i0 = 0; i0 < rows; i0 += PANEL) {
                int panelRows = Math.min(PANEL, rows - i0);
                if (panelLimit(ws, i0, panelRows) > s0) {
                    panelLogits(vector, ws, p, i0, panelRows, s0, width, keys, keyOffset, keyRow, transposedBase,
                            keyBase + (s0 + TILE) * p.kRow, valueBase + (s0 + TILE) * p.vRow, nextWidth);
                    nextWidth = 0;   // the first panel has read ahead for the tile
                    panelSoftmax(vector, ws, p, i0, panelRows, s0);
                }
            }
            // Phase 2, all panels while this tile's values are in L1: acc = α·acc + p·v (rs,se->re).
            for (int i0 = 0; i0 < rows; i0 += PANEL) {
                int panelRows = Math.min(PANEL, rows - i0);
                if (panelLimit(ws, i0, panelRows) > s0) {
                    panelValues(vector, ws, p, i0, panelRows, width, valueBase + s0 * p.vRow);
                }
            }
        }

        // Finish: out = acc / ℓ, or hand (m, ℓ, acc) to the merge.
        finishRows(ws, p, t0, rows, b, g, partialBase);
    }

    /**
     * Sets up the item's rows (row i is t = t₀ + ⌊i/R⌋, h = g·R + i mod R): query and mask offsets,
     * the visible-key limit, m = −∞, ℓ = 0, acc = 0. Returns the largest limit, where the item stops.
     */
    private static int startRows(Workspace ws, Problem p, int t0, int rows, int b, int g, int c0, int keyEnd) {
        final int groupSize = p.groupSize;
        int maxLimit = c0;
        for (int i = 0; i < rows; i++) {
            int t = t0 + i / groupSize;
            int h = g * groupSize + i % groupSize;
            ws.rowQuery[i] = b * p.qBatch + h * p.qHead + t * p.qToken;
            ws.rowMask[i] = p.mask == null ? 0 : b * p.maskBatch + h * p.maskHead + t * p.kvLen;
            int limit = keyEnd;
            if (p.causal) {
                limit = (int) Math.min(limit, (long) p.queryStart + t + 1);
            }
            limit = Math.max(limit, c0);
            ws.rowLimit[i] = limit;
            maxLimit = Math.max(maxLimit, limit);
            ws.rowMax[i] = Float.NEGATIVE_INFINITY;
        }
        Arrays.fill(ws.rowSum, 0, rows * SUM_LANES, 0f);
        Arrays.fill(ws.acc, 0, rows * p.valueDimPadded(), 0f);
        return maxLimit;
    }

    /**
     * x = q·kᵀ for the panel's rows against the tile's keys, into {@code ws.logits}: from the
     * transposed cache when there is one, else row-major (the vector kernel also reads {@code nextWidth}
     * keys and values of the next tile ahead).
     */
    private static void panelLogits(boolean vector, Workspace ws, Problem p, int i0, int panelRows, int s0, int width,
            float[] keys, int keyOffset, int keyRow, int transposedBase, int nextKeys, int nextValues, int nextWidth) {
        int base = i0 * TILE;
        if (p.keysHalf != null) {
            // the tile's Kᵀ rows in int pairs: half the float offset
            int pairs = (transposedBase + s0 * p.headDim) / 2;
            if (vector) {
                VectorKernels.logitsHalf(p.q, ws.rowQuery, i0, panelRows, p.headDim, p.keysHalf, pairs, p.fp16,
                        ws.logits, base);
            } else {
                ScalarKernels.logitsHalf(p.q, ws.rowQuery, i0, panelRows, p.headDim, p.keysHalf, pairs, p.fp16,
                        ws.logits, base);
            }
        } else if (!vector && p.keysT != null) {
            ScalarKernels.logitsTransposed(p.q, ws.rowQuery, i0, panelRows, p.headDim, p.keysT,
                    transposedBase + s0 * p.headDim, ws.logits, base);
        } else if (!vector) {
            ScalarKernels.logitsDirect(p.q, ws.rowQuery, i0, panelRows, p.headDim, keys, keyOffset, keyRow,
                    width, ws.logits, base);
        } else if (p.keysT != null) {
            VectorKernels.logitsTransposed(p.q, ws.rowQuery, i0, panelRows, p.headDim, p.keysT,
                    transposedBase + s0 * p.headDim, ws.logits, base);
        } else {
            ws.touched += VectorKernels.logitsDirect(p.q, ws.rowQuery, i0, panelRows, p.headDim, keys, keyOffset,
                    keyRow, width, ws.logits, base, p.k, nextKeys, nextWidth * p.kRow, p.v, nextValues,
                    nextWidth * p.vRow);
        }
    }

    /** Scale and mask the panel's logits (−∞ past each row's limit), then the online-softmax update m', α, p, ℓ. */
    private static void panelSoftmax(boolean vector, Workspace ws, Problem p, int i0, int panelRows, int s0) {
        float scale = p.mask == null ? p.logitScale : 1f;
        for (int i = i0; i < i0 + panelRows; i++) {
            prepareLogits(ws.logits, i * TILE, Math.min(TILE, ws.rowLimit[i] - s0), p.logitScale, p.mask,
                    ws.rowMask[i] + s0);
        }
        if (vector && panelRows == PANEL) {
            VectorKernels.softmaxUpdate4(ws.logits, i0 * TILE, scale, ws.rowMax, ws.rowSum, ws.alpha, i0);
        } else {
            for (int i = i0; i < i0 + panelRows; i++) {
                if (vector) {
                    VectorKernels.softmaxUpdate(ws.logits, i * TILE, scale, ws.rowMax, ws.rowSum, ws.alpha, i);
                } else {
                    ScalarKernels.softmaxUpdate(ws.logits, i * TILE, scale, ws.rowMax, ws.rowSum, ws.alpha, i);
                }
            }
        }
    }

    /** acc = α·acc + p·v for the panel's rows over the tile's {@code width} values starting at {@code valueOffset}. */
    private static void panelValues(boolean vector, Workspace ws, Problem p, int i0, int panelRows, int width,
            int valueOffset) {
        if (p.valuesHalf != null) {
            if (vector) {
                VectorKernels.accumulateValuesHalf(ws.logits, i0 * TILE, ws.alpha, i0, panelRows, width, p.valuesHalf,
                        valueOffset, p.vRow, p.fp16, ws.acc, p.valueDimPadded());
            } else {
                ScalarKernels.accumulateValuesHalf(ws.logits, i0 * TILE, ws.alpha, i0, panelRows, width, p.valuesHalf,
                        valueOffset, p.vRow, p.fp16, ws.acc, p.valueDimPadded());
            }
        } else if (vector) {
            VectorKernels.accumulateValues(ws.logits, i0 * TILE, ws.alpha, i0, panelRows, width, p.v,
                    valueOffset, p.vRow, p.valueHeadDim, ws.acc, p.valueDimPadded());
        } else {
            ScalarKernels.accumulateValues(ws.logits, i0 * TILE, ws.alpha, i0, panelRows, width, p.v,
                    valueOffset, p.vRow, p.valueHeadDim, ws.acc, p.valueDimPadded());
        }
    }

    /** out = acc / ℓ for every row (0 when ℓ = 0), or, with a key split, (m, ℓ, acc) to {@code p.partial}. */
    private void finishRows(Workspace ws, Problem p, int t0, int rows, int b, int g, int partialBase) {
        final int groupSize = p.groupSize;
        final int dvPad = p.valueDimPadded();
        for (int i = 0; i < rows; i++) {
            if (partialBase < 0) {
                int t = t0 + i / groupSize;
                int h = g * groupSize + i % groupSize;
                float sum = rowSum(ws, i);
                scaleCopy(p.out, b * p.oBatch + h * p.oHead + t * p.oToken, ws.acc, i * dvPad, p.valueHeadDim,
                        sum > 0f ? 1f / sum : 0f);
            } else {
                int base = partialBase + i * p.partialRowStride;
                p.partial[base] = ws.rowMax[i];
                p.partial[base + 1] = rowSum(ws, i);
                System.arraycopy(ws.acc, i * dvPad, p.partial, base + 2, p.valueHeadDim);
            }
        }
    }

    /** The largest key limit among rows [i0, i0 + panelRows). */
    private static int panelLimit(Workspace ws, int i0, int panelRows) {
        int limit = 0;
        for (int r = i0; r < i0 + panelRows; r++) {
            limit = Math.max(limit, ws.rowLimit[r]);
        }
        return limit;
    }

    /**
     * Merges the key chunks of one (query block, b, g) in ascending chunk order into {@code p.out}.
     * {@code firstItem} is the item index of chunk 0; chunks follow consecutively.
     */
    void merge(Workspace ws, Problem p, int queryBlock, int b, int g, int firstItem) {
        final int groupSize = p.groupSize;
        final int t0 = queryBlock * p.queryBlock;
        final int rows = groupSize * Math.min(p.queryBlock, p.qLen - t0);
        final int dv = p.valueHeadDim;
        for (int i = 0; i < rows; i++) {
            int t = t0 + i / groupSize;
            int h = g * groupSize + i % groupSize;
            int rowOffset = i * p.partialRowStride;
            // M = max_c m_c
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < p.numKeyChunks; c++) {
                max = Math.max(max, p.partial[(firstItem + c) * p.partialItemStride + rowOffset]);
            }
            Arrays.fill(ws.acc, 0, dv, 0f);
            float sum = 0f;
            if (max != Float.NEGATIVE_INFINITY) {
                // ℓ = Σ_c ℓ_c·2^(m_c − M),  acc = Σ_c acc_c·2^(m_c − M)
                for (int c = 0; c < p.numKeyChunks; c++) {
                    int base = (firstItem + c) * p.partialItemStride + rowOffset;
                    float factor = Exp2.exp2(p.partial[base] - max);
                    sum += p.partial[base + 1] * factor;
                    if (vector) {
                        VectorKernels.addScaled(ws.acc, 0, p.partial, base + 2, dv, factor);
                    } else {
                        ScalarKernels.addScaled(ws.acc, 0, p.partial, base + 2, dv, factor);
                    }
                }
            }
            scaleCopy(p.out, b * p.oBatch + h * p.oHead + t * p.oToken, ws.acc, 0, dv, sum > 0f ? 1f / sum : 0f);
        }
    }

    /** Writes Kᵀ of the tile of keys [s0, s0 + TILE) of (b, g) into {@code p.keysT}, zeros beyond S:  sd->ds */
    static void packKeysTransposed(Problem p, int b, int g, int s0) {
        int source = b * p.kBatch + g * p.kGroup;
        int target = (b * p.numKvHeads + g) * p.keyTiles * p.headDim * TILE + s0 * p.headDim;   // tile s0/TILE
        int end = Math.min(p.kvLen, s0 + TILE);
        for (int d = 0; d < p.headDim; d++) {
            int row = target + d * TILE - s0;
            for (int s = s0; s < end; s++) {
                p.keysT[row + s] = p.k[source + s * p.kRow + d];
            }
            for (int s = end; s < s0 + TILE; s++) {
                p.keysT[row + s] = 0f;
            }
        }
    }

    /**
     * −∞ for the columns from {@code valid} on; with a mask, x ← x·scale·log₂e + mask·log₂e for the
     * others (the softmax kernels then scale by 1, see the caller).
     */
    private static void prepareLogits(float[] logits, int offset, int valid, float logitScale, float[] mask,
            int maskOffset) {
        int shown = Math.max(valid, 0);
        if (shown < TILE) {
            Arrays.fill(logits, offset + shown, offset + TILE, Float.NEGATIVE_INFINITY);
        }
        if (mask != null) {
            for (int j = 0; j < shown; j++) {
                logits[offset + j] = logits[offset + j] * logitScale + mask[maskOffset + j] * Exp2.LOG2E;
            }
        }
    }

    /** MFA-KR: keyTile[j] = RoPE(k̄[s0 + j]) at position s0 + j, from the cos/sin tables [S, D/2]. */
    private static void rotateKeys(Problem p, int keyOffset, int s0, int width, float[] keyTile) {
        int half = p.headDim / 2;
        for (int j = 0; j < width; j++) {
            int source = keyOffset + j * p.kRow;
            int target = j * p.headDim;
            int table = (s0 + j) * half;
            for (int pair = 0; pair < half; pair++) {
                int a = p.ropeInterleaved ? 2 * pair : pair;
                int c = p.ropeInterleaved ? 2 * pair + 1 : pair + half;
                float cos = p.ropeCos[table + pair];
                float sin = p.ropeSin[table + pair];
                float x = p.k[source + a];
                float y = p.k[source + c];
                // x'_a = x_a cos φ − x_b sin φ,  x'_b = x_b cos φ + x_a sin φ
                keyTile[target + a] = x * cos - y * sin;
                keyTile[target + c] = y * cos + x * sin;
            }
        }
    }

    /** ℓ of row i: the lane-wise partial sums added up (vector), or the one running sum (scalar). */
    private float rowSum(Workspace ws, int i) {
        return vector ? VectorKernels.sumLanes(ws.rowSum, i * SUM_LANES) : ws.rowSum[i * SUM_LANES];
    }

    private void scaleCopy(float[] target, int targetOffset, float[] source, int sourceOffset, int count, float factor) {
        if (vector) {
            VectorKernels.scaleCopy(target, targetOffset, source, sourceOffset, count, factor);
        } else {
            ScalarKernels.scaleCopy(target, targetOffset, source, sourceOffset, count, factor);
        }
    }
}
