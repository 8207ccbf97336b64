package dev.attnref.fast;

import static dev.attnref.fast.TileEngine.TILE;

/**
 * Scalar twins of {@link VectorKernels}: the same contracts, computed with sequential float32 loops
 * and {@link Math#fma}. Used when the Vector API is unavailable or switched off
 * ({@link Kernels#SCALAR}), and by the tests as a second implementation of every kernel.
 * Argument conventions are those of {@link VectorKernels}.
 */
final class ScalarKernels {
    private ScalarKernels() {
    }

    /** logits[base + r·TILE + j] = q[rowQuery[i0 + r]]·keys[keyOffset + j·keyRow] for r &lt; panelRows, j &lt; width:  rd,sd->rs */
    static void logitsDirect(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, float[] keys,
            int keyOffset, int keyRow, int width, float[] logits, int base) {
        for (int r = 0; r < panelRows; r++) {
            int query = rowQuery[i0 + r];
            for (int j = 0; j < width; j++) {
                int key = keyOffset + j * keyRow;
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot = Math.fma(q[query + d], keys[key + d], dot);
                }
                logits[base + r * TILE + j] = dot;
            }
        }
    }

    /** logits[base + r·TILE + j] = Σ_d q[rowQuery[i0 + r] + d]·kT[kOffset + d·TILE + j], j &lt; TILE:  rd,ds->rs */
    static void logitsTransposed(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, float[] kT,
            int kOffset, float[] logits, int base) {
        for (int r = 0; r < panelRows; r++) {
            int query = rowQuery[i0 + r];
            for (int j = 0; j < TILE; j++) {
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot = Math.fma(q[query + d], kT[kOffset + d * TILE + j], dot);
                }
                logits[base + r * TILE + j] = dot;
            }
        }
    }

    /**
     * {@link #logitsTransposed} over a 16-bit Kᵀ tile ({@link HalfPrecisionCache}): row d of the tile is
     * TILE/2 ints at kT[kOffset + d·TILE/2], key j widened by {@link HalfPrecisionCache#read}:  rd,ds->rs
     */
    static void logitsHalf(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, int[] kT, int kOffset,
            boolean fp16, float[] logits, int base) {
        for (int r = 0; r < panelRows; r++) {
            int query = rowQuery[i0 + r];
            for (int j = 0; j < TILE; j++) {
                float dot = 0f;
                for (int d = 0; d < headDim; d++) {
                    dot = Math.fma(q[query + d], HalfPrecisionCache.read(kT, kOffset + d * (TILE / 2), j, fp16), dot);
                }
                logits[base + r * TILE + j] = dot;
            }
        }
    }

    /**
     * {@link #accumulateValues} over 16-bit value rows of {@code valueRow} ints ({@link HalfPrecisionCache}), every
     * column of the padded row (accRow of them; the padding is zero):  rs,se->re
     */
    static void accumulateValuesHalf(float[] p, int base, float[] alpha, int i0, int panelRows, int width, int[] v,
            int valueOffset, int valueRow, boolean fp16, float[] acc, int accRow) {
        for (int r = 0; r < panelRows; r++) {
            int row = (i0 + r) * accRow;
            float a = alpha[i0 + r];
            for (int e = 0; e < accRow; e++) {
                float sum = acc[row + e] * a;
                for (int j = 0; j < width; j++) {
                    sum = Math.fma(p[base + r * TILE + j], HalfPrecisionCache.read(v, valueOffset + j * valueRow, e, fp16), sum);
                }
                acc[row + e] = sum;
            }
        }
    }

    /**
     * One row of the online softmax over a prepared tile (−∞ where hidden): x ← x·logitScale (base-2
     * logits), m' = max(m, max x), α = 2^(m − m'), x ← 2^(x − m'), ℓ ← α·ℓ + Σ x, m ← m'.
     * ℓ of row i lives at rowSum[i·SUM_LANES].
     */
    static void softmaxUpdate(float[] logits, int offset, float logitScale, float[] rowMax, float[] rowSum,
            float[] alpha, int i) {
        // scale > 0, so max_j fl(x_j·scale) = fl(scale·max_j x_j): the max is taken on the raw logits
        float tileMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < TILE; j++) {
            tileMax = Math.max(tileMax, logits[offset + j]);
        }
        float oldMax = rowMax[i];
        float newMax = Math.max(oldMax, tileMax * logitScale);
        float shift = newMax == Float.NEGATIVE_INFINITY ? 0f : newMax;
        float sum = 0f;
        for (int j = 0; j < TILE; j++) {
            float p = Exp2.exp2(Math.fma(logits[offset + j], logitScale, -shift));   // 2^(x·scale − m')
            logits[offset + j] = p;
            sum += p;
        }
        float a = Exp2.exp2(oldMax - shift);
        alpha[i] = a;
        rowSum[i * TileEngine.SUM_LANES] = rowSum[i * TileEngine.SUM_LANES] * a + sum;
        rowMax[i] = newMax;
    }

    /** acc[i0 + r, e] = α[i0 + r]·acc[i0 + r, e] + Σ_{j &lt; width} p[base + r·TILE + j]·v[valueOffset + j·valueRow + e]:  rs,se->re */
    static void accumulateValues(float[] p, int base, float[] alpha, int i0, int panelRows, int width, float[] v,
            int valueOffset, int valueRow, int valueDim, float[] acc, int accRow) {
        for (int r = 0; r < panelRows; r++) {
            int row = (i0 + r) * accRow;
            float a = alpha[i0 + r];
            for (int e = 0; e < valueDim; e++) {
                float sum = acc[row + e] * a;
                for (int j = 0; j < width; j++) {
                    sum = Math.fma(p[base + r * TILE + j], v[valueOffset + j * valueRow + e], sum);
                }
                acc[row + e] = sum;
            }
        }
    }

    /** target[0, count) = factor·source[0, count). */
    static void scaleCopy(float[] target, int targetOffset, float[] source, int sourceOffset, int count, float factor) {
        for (int e = 0; e < count; e++) {
            target[targetOffset + e] = source[sourceOffset + e] * factor;
        }
    }

    /** target[0, count) += factor·source[0, count). */
    static void addScaled(float[] target, int targetOffset, float[] source, int sourceOffset, int count, float factor) {
        for (int e = 0; e < count; e++) {
            target[targetOffset + e] = Math.fma(source[sourceOffset + e], factor, target[targetOffset + e]);
        }
    }
}
