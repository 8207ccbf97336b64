package dev.attnref.fast;

import static dev.attnref.fast.TileEngine.TILE;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels of {@link TileEngine}, on {@link FloatVector#SPECIES_PREFERRED} (16 lanes
 * with AVX-512). Each has a scalar twin of the same name in {@link ScalarKernels}.
 *
 * <table>
 *   <caption>Kernels (rows of a panel r &lt; 4, keys of a tile j &lt; {@value TileEngine#TILE})</caption>
 *   <tr><th>kernel</th><th>einsum</th><th>register block</th></tr>
 *   <tr><td>{@link #logitsTransposed}</td><td>rd,ds->rs</td><td>4 rows × 4 vectors of keys = 16 accumulators;
 *       per d: 4 loads of contiguous Kᵀ columns, 4 broadcasts of q scalars, 16 FMAs</td></tr>
 *   <tr><td>{@link #logitsDirect}</td><td>rd,sd->rs</td><td>4 rows × 4 keys, vectors along D, 16 accumulators,
 *       then one lane reduction per (r, s); for decode, where transposing the cache would cost a pass over it</td></tr>
 *   <tr><td>{@link #softmaxUpdate4}</td><td>online softmax of a panel's 4 rows</td><td>4 rows in lock step, {@link #exp2(FloatVector)} lane-wise</td></tr>
 *   <tr><td>{@link #accumulateValues}</td><td>rs,se->re</td><td>4 rows × 4 vectors of Dv = 16 accumulators;
 *       per key: 4 loads of a contiguous v row, 4 broadcasts of p, 16 FMAs</td></tr>
 *   <tr><td>{@link #logitsHalf}</td><td>rd,ds->rs</td><td>{@link #logitsTransposed} over a 16-bit Kᵀ tile: 4 rows ×
 *       1 int vector of keys = 8 accumulators; per d: 1 int load widened to 2 float vectors ({@link HalfPrecisionCache}),
 *       4 broadcasts, 8 FMAs</td></tr>
 *   <tr><td>{@link #accumulateValuesHalf}</td><td>rs,se->re</td><td>4 rows × 1 int vector (2 float vectors) of a
 *       16-bit v row = 8 accumulators</td></tr>
 * </table>
 * Columns of D or Dv past the last full vector are done by scalar tails (odd sizes such as 65).
 */
final class VectorKernels {
    private VectorKernels() {
    }

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    private static final int BLOCK = 4 * LANES;

    /** x[offset + j] ← 2^x[offset + j] for j &lt; count (a multiple of {@link #LANES}): {@link #exp2(FloatVector)} over an array, for Exp2Test. */
    static void exp2InPlace(float[] x, int offset, int count) {
        for (int j = 0; j < count; j += LANES) {
            exp2(FloatVector.fromArray(SPECIES, x, offset + j)).intoArray(x, offset + j);
        }
    }

    /**
     * 2^x lane-wise for x ≤ 0, the steps and roundings of {@link Exp2#exp2}. Only called from kernel
     * loops (here and in {@link HeadLaneDecode}), where C2 inlines it: on JDK 17 a vector passed to or
     * returned from a method that is not inlined is boxed, which costs more than the arithmetic.
     */
    static FloatVector exp2(FloatVector x) {
        FloatVector magic = FloatVector.broadcast(SPECIES, Exp2.ROUND_MAGIC);
        FloatVector clamped = x.max(FloatVector.broadcast(SPECIES, Exp2.LOWEST));
        FloatVector shifted = clamped.add(magic);
        FloatVector r = clamped.sub(shifted.sub(magic));
        FloatVector poly = FloatVector.broadcast(SPECIES, Exp2.C7);
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C6));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C5));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C4));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C3));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C2));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C1));
        poly = poly.fma(r, FloatVector.broadcast(SPECIES, Exp2.C0));
        FloatVector twoToN = shifted.reinterpretAsInts()
                .add(IntVector.broadcast(IntVector.SPECIES_PREFERRED, Exp2.EXPONENT_OFFSET))
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return poly.mul(twoToN);
    }

    /** Σ of sums[offset, +LANES). */
    static float sumLanes(float[] sums, int offset) {
        return FloatVector.fromArray(SPECIES, sums, offset).reduceLanes(VectorOperators.ADD);
    }

    /**
     * logits[base + r·TILE + j] = Σ_d q[rowQuery[i0 + r] + d]·kT[kOffset + d·TILE + j], j &lt; TILE:  rd,ds->rs.
     * kT is the transposed, zero-padded key block, so all TILE columns are readable.
     */
    static void logitsTransposed(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, float[] kT,
            int kOffset, float[] logits, int base) {
        if (panelRows == 4) {
            logitsTransposed4(q, rowQuery[i0], rowQuery[i0 + 1], rowQuery[i0 + 2], rowQuery[i0 + 3], headDim, kT,
                    kOffset, logits, base);
        } else {
            for (int r = 0; r < panelRows; r++) {
                logitsTransposed1(q, rowQuery[i0 + r], headDim, kT, kOffset, logits, base + r * TILE);
            }
        }
    }

    private static void logitsTransposed4(float[] q, int q0, int q1, int q2, int q3, int headDim, float[] kT,
            int kOffset, float[] logits, int base) {
        for (int cb = 0; cb < TILE; cb += BLOCK) {
            FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
            FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
            FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
            FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
            for (int d = 0; d < headDim; d++) {
                // k = kOffset + cb + d·TILE, not k += stride: an index affine in d with a constant factor
                // lets C2 hoist the bounds checks of the four loads out of the loop (22% of the prefill time).
                int k = kOffset + cb + d * TILE;
                FloatVector k0 = FloatVector.fromArray(SPECIES, kT, k);
                FloatVector k1 = FloatVector.fromArray(SPECIES, kT, k + LANES);
                FloatVector k2 = FloatVector.fromArray(SPECIES, kT, k + 2 * LANES);
                FloatVector k3 = FloatVector.fromArray(SPECIES, kT, k + 3 * LANES);
                FloatVector b0 = FloatVector.broadcast(SPECIES, q[q0 + d]);
                a00 = b0.fma(k0, a00);
                a01 = b0.fma(k1, a01);
                a02 = b0.fma(k2, a02);
                a03 = b0.fma(k3, a03);
                FloatVector b1 = FloatVector.broadcast(SPECIES, q[q1 + d]);
                a10 = b1.fma(k0, a10);
                a11 = b1.fma(k1, a11);
                a12 = b1.fma(k2, a12);
                a13 = b1.fma(k3, a13);
                FloatVector b2 = FloatVector.broadcast(SPECIES, q[q2 + d]);
                a20 = b2.fma(k0, a20);
                a21 = b2.fma(k1, a21);
                a22 = b2.fma(k2, a22);
                a23 = b2.fma(k3, a23);
                FloatVector b3 = FloatVector.broadcast(SPECIES, q[q3 + d]);
                a30 = b3.fma(k0, a30);
                a31 = b3.fma(k1, a31);
                a32 = b3.fma(k2, a32);
                a33 = b3.fma(k3, a33);
            }
            a00.intoArray(logits, base + cb);
            a01.intoArray(logits, base + cb + LANES);
            a02.intoArray(logits, base + cb + 2 * LANES);
            a03.intoArray(logits, base + cb + 3 * LANES);
            a10.intoArray(logits, base + TILE + cb);
            a11.intoArray(logits, base + TILE + cb + LANES);
            a12.intoArray(logits, base + TILE + cb + 2 * LANES);
            a13.intoArray(logits, base + TILE + cb + 3 * LANES);
            a20.intoArray(logits, base + 2 * TILE + cb);
            a21.intoArray(logits, base + 2 * TILE + cb + LANES);
            a22.intoArray(logits, base + 2 * TILE + cb + 2 * LANES);
            a23.intoArray(logits, base + 2 * TILE + cb + 3 * LANES);
            a30.intoArray(logits, base + 3 * TILE + cb);
            a31.intoArray(logits, base + 3 * TILE + cb + LANES);
            a32.intoArray(logits, base + 3 * TILE + cb + 2 * LANES);
            a33.intoArray(logits, base + 3 * TILE + cb + 3 * LANES);
        }
    }

    private static void logitsTransposed1(float[] q, int q0, int headDim, float[] kT, int kOffset,
            float[] logits, int logitsOffset) {
        for (int cb = 0; cb < TILE; cb += LANES) {
            FloatVector a0 = FloatVector.zero(SPECIES);
            for (int d = 0; d < headDim; d++) {
                a0 = FloatVector.broadcast(SPECIES, q[q0 + d]).fma(FloatVector.fromArray(SPECIES, kT, kOffset + cb + d * TILE), a0);
            }
            a0.intoArray(logits, logitsOffset + cb);
        }
    }

    /**
     * logits[base + r·TILE + j] = q[rowQuery[i0 + r]]·keys[keyOffset + j·keyRow] for j &lt; width:
     * rd,sd->rs. Between its steps it also reads one float per line of aheadA[aheadAFrom, +aheadALength)
     * and aheadB[…] (the next tile's keys and values), returning their sum for the caller to keep.
     */
    static float logitsDirect(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, float[] keys,
            int keyOffset, int keyRow, int width, float[] logits, int base, float[] aheadA, int aheadAFrom,
            int aheadALength, float[] aheadB, int aheadBFrom, int aheadBLength) {
        int full = SPECIES.loopBound(headDim);
        float touched = 0f;
        if (panelRows == 4) {
            int steps = Math.max(1, width / 4);
            int strideA = ((aheadALength + steps - 1) / steps + 15) & ~15;
            int strideB = ((aheadBLength + steps - 1) / steps + 15) & ~15;
            int j = 0;
            for (; j + 4 <= width; j += 4) {
                int step = j / 4;
                touched += touchLines(aheadA, aheadAFrom + step * strideA,
                        Math.min(strideA, aheadALength - step * strideA));
                touched += touchLines(aheadB, aheadBFrom + step * strideB,
                        Math.min(strideB, aheadBLength - step * strideB));
                logitsDirect4x4(q, rowQuery[i0], rowQuery[i0 + 1], rowQuery[i0 + 2], rowQuery[i0 + 3], headDim, full,
                        keys, keyOffset + j * keyRow, keyRow, logits, base + j);
            }
            for (; j < width; j++) {
                for (int r = 0; r < 4; r++) {
                    logits[base + r * TILE + j] = dot(q, rowQuery[i0 + r], keys, keyOffset + j * keyRow, headDim, full);
                }
            }
        } else {
            touched += touchLines(aheadA, aheadAFrom, aheadALength) + touchLines(aheadB, aheadBFrom, aheadBLength);
            for (int r = 0; r < panelRows; r++) {
                for (int j = 0; j < width; j++) {
                    logits[base + r * TILE + j] = dot(q, rowQuery[i0 + r], keys, keyOffset + j * keyRow, headDim, full);
                }
            }
        }
        return touched;
    }

    /**
     * Reads one float per 64-byte line of x[from, from + count) (nothing when count ≤ 0): Java has no
     * prefetch instruction, and plain loads whose results feed only a dummy sum let the core keep
     * those cache misses in flight while the arithmetic around them goes on.
     */
    private static float touchLines(float[] x, int from, int count) {
        float a = 0f;
        float b = 0f;
        for (int i = from; i < from + count; i += 32) {
            a += x[i];
            b += i + 16 < from + count ? x[i + 16] : 0f;
        }
        return a + b;
    }

    private static void logitsDirect4x4(float[] q, int q0, int q1, int q2, int q3, int headDim, int full,
            float[] keys, int k0, int keyRow, float[] logits, int j) {
        int k1 = k0 + keyRow;
        int k2 = k1 + keyRow;
        int k3 = k2 + keyRow;
        FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int d = 0; d < full; d += LANES) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, keys, k0 + d);
            FloatVector x1 = FloatVector.fromArray(SPECIES, keys, k1 + d);
            FloatVector x2 = FloatVector.fromArray(SPECIES, keys, k2 + d);
            FloatVector x3 = FloatVector.fromArray(SPECIES, keys, k3 + d);
            FloatVector y = FloatVector.fromArray(SPECIES, q, q0 + d);
            a00 = y.fma(x0, a00);
            a01 = y.fma(x1, a01);
            a02 = y.fma(x2, a02);
            a03 = y.fma(x3, a03);
            y = FloatVector.fromArray(SPECIES, q, q1 + d);
            a10 = y.fma(x0, a10);
            a11 = y.fma(x1, a11);
            a12 = y.fma(x2, a12);
            a13 = y.fma(x3, a13);
            y = FloatVector.fromArray(SPECIES, q, q2 + d);
            a20 = y.fma(x0, a20);
            a21 = y.fma(x1, a21);
            a22 = y.fma(x2, a22);
            a23 = y.fma(x3, a23);
            y = FloatVector.fromArray(SPECIES, q, q3 + d);
            a30 = y.fma(x0, a30);
            a31 = y.fma(x1, a31);
            a32 = y.fma(x2, a32);
            a33 = y.fma(x3, a33);
        }
        logits[j] = a00.reduceLanes(VectorOperators.ADD) + tail(q, q0, keys, k0, full, headDim);
        logits[j + 1] = a01.reduceLanes(VectorOperators.ADD) + tail(q, q0, keys, k1, full, headDim);
        logits[j + 2] = a02.reduceLanes(VectorOperators.ADD) + tail(q, q0, keys, k2, full, headDim);
        logits[j + 3] = a03.reduceLanes(VectorOperators.ADD) + tail(q, q0, keys, k3, full, headDim);
        logits[TILE + j] = a10.reduceLanes(VectorOperators.ADD) + tail(q, q1, keys, k0, full, headDim);
        logits[TILE + j + 1] = a11.reduceLanes(VectorOperators.ADD) + tail(q, q1, keys, k1, full, headDim);
        logits[TILE + j + 2] = a12.reduceLanes(VectorOperators.ADD) + tail(q, q1, keys, k2, full, headDim);
        logits[TILE + j + 3] = a13.reduceLanes(VectorOperators.ADD) + tail(q, q1, keys, k3, full, headDim);
        logits[2 * TILE + j] = a20.reduceLanes(VectorOperators.ADD) + tail(q, q2, keys, k0, full, headDim);
        logits[2 * TILE + j + 1] = a21.reduceLanes(VectorOperators.ADD) + tail(q, q2, keys, k1, full, headDim);
        logits[2 * TILE + j + 2] = a22.reduceLanes(VectorOperators.ADD) + tail(q, q2, keys, k2, full, headDim);
        logits[2 * TILE + j + 3] = a23.reduceLanes(VectorOperators.ADD) + tail(q, q2, keys, k3, full, headDim);
        logits[3 * TILE + j] = a30.reduceLanes(VectorOperators.ADD) + tail(q, q3, keys, k0, full, headDim);
        logits[3 * TILE + j + 1] = a31.reduceLanes(VectorOperators.ADD) + tail(q, q3, keys, k1, full, headDim);
        logits[3 * TILE + j + 2] = a32.reduceLanes(VectorOperators.ADD) + tail(q, q3, keys, k2, full, headDim);
        logits[3 * TILE + j + 3] = a33.reduceLanes(VectorOperators.ADD) + tail(q, q3, keys, k3, full, headDim);
    }

    private static float dot(float[] q, int query, float[] keys, int key, int headDim, int full) {
        FloatVector a = FloatVector.zero(SPECIES);
        for (int d = 0; d < full; d += LANES) {
            a = FloatVector.fromArray(SPECIES, q, query + d).fma(FloatVector.fromArray(SPECIES, keys, key + d), a);
        }
        return a.reduceLanes(VectorOperators.ADD) + tail(q, query, keys, key, full, headDim);
    }

    /** Σ_{d ∈ [from, headDim)} q·k, the columns past the last full vector. */
    private static float tail(float[] q, int query, float[] keys, int key, int from, int headDim) {
        float sum = 0f;
        for (int d = from; d < headDim; d++) {
            sum = Math.fma(q[query + d], keys[key + d], sum);
        }
        return sum;
    }

    /**
     * The online-softmax update of the four prepared rows i0 … i0 + 3 of a panel (logits at
     * offset + r·TILE), as {@link ScalarKernels#softmaxUpdate} row by row, except that ℓ is kept as LANES
     * partial sums at rowSum[(i0 + r)·SUM_LANES, +LANES). The four rows go through each step together:
     * their max reductions, α and exponentials are independent chains that overlap in the core, where
     * one row at a time would wait on each reduction and on each polynomial's seven dependent FMAs.
     * The scale is folded into the exponent, {@code p = 2^(x·scale − m')} (one FMA), and the max is
     * taken before scaling: for scale &gt; 0, {@code max_j fl(x_j·scale) = fl(scale·max_j x_j)}.
     */
    static void softmaxUpdate4(float[] logits, int offset, float logitScale, float[] rowMax, float[] rowSum,
            float[] alpha, int i0) {
        final int o0 = offset;
        final int o1 = o0 + TILE;
        final int o2 = o1 + TILE;
        final int o3 = o2 + TILE;
        FloatVector max0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY), max1 = max0, max2 = max0, max3 = max0;
        for (int j = 0; j < TILE; j += LANES) {
            max0 = max0.max(FloatVector.fromArray(SPECIES, logits, o0 + j));
            max1 = max1.max(FloatVector.fromArray(SPECIES, logits, o1 + j));
            max2 = max2.max(FloatVector.fromArray(SPECIES, logits, o2 + j));
            max3 = max3.max(FloatVector.fromArray(SPECIES, logits, o3 + j));
        }
        // m'_r = max(m_r, scale·max_j x_rj),  shift_r = m'_r (0 while the row has seen no key),  α_r = 2^(m_r − shift_r)
        float shift0 = newShift(rowMax, alpha, i0, max0.reduceLanes(VectorOperators.MAX) * logitScale);
        float shift1 = newShift(rowMax, alpha, i0 + 1, max1.reduceLanes(VectorOperators.MAX) * logitScale);
        float shift2 = newShift(rowMax, alpha, i0 + 2, max2.reduceLanes(VectorOperators.MAX) * logitScale);
        float shift3 = newShift(rowMax, alpha, i0 + 3, max3.reduceLanes(VectorOperators.MAX) * logitScale);
        exponentiate(logits, o0, logitScale, shift0, rowSum, i0, alpha[i0]);
        exponentiate(logits, o1, logitScale, shift1, rowSum, i0 + 1, alpha[i0 + 1]);
        exponentiate(logits, o2, logitScale, shift2, rowSum, i0 + 2, alpha[i0 + 2]);
        exponentiate(logits, o3, logitScale, shift3, rowSum, i0 + 3, alpha[i0 + 3]);
    }

    /** The online-softmax update of one prepared row: {@link #softmaxUpdate4}'s steps for a single row. */
    static void softmaxUpdate(float[] logits, int offset, float logitScale, float[] rowMax, float[] rowSum,
            float[] alpha, int i) {
        FloatVector max = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < TILE; j += LANES) {
            max = max.max(FloatVector.fromArray(SPECIES, logits, offset + j));
        }
        float shift = newShift(rowMax, alpha, i, max.reduceLanes(VectorOperators.MAX) * logitScale);
        exponentiate(logits, offset, logitScale, shift, rowSum, i, alpha[i]);
    }

    /** p_j = 2^(x_j·scale − shift) in place for one row's TILE logits; ℓ_i ← α·ℓ_i + Σ_j p_j, lane-wise. */
    private static void exponentiate(float[] logits, int offset, float logitScale, float shift, float[] rowSum, int i,
            float a) {
        FloatVector scale = FloatVector.broadcast(SPECIES, logitScale);
        FloatVector minus = FloatVector.broadcast(SPECIES, -shift);
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int j = 0; j < TILE; j += LANES) {
            FloatVector p = exp2(FloatVector.fromArray(SPECIES, logits, offset + j).fma(scale, minus));
            p.intoArray(logits, offset + j);
            sum = sum.add(p);
        }
        int at = i * TileEngine.SUM_LANES;
        FloatVector.fromArray(SPECIES, rowSum, at).fma(FloatVector.broadcast(SPECIES, a), sum).intoArray(rowSum, at);
    }

    /** m'_i = max(m_i, tileMax) into rowMax, α_i = 2^(m_i − shift) into alpha; returns shift (m', or 0 if m' = −∞). */
    private static float newShift(float[] rowMax, float[] alpha, int i, float tileMax) {
        float oldMax = rowMax[i];
        float newMax = Math.max(oldMax, tileMax);
        float shift = newMax == Float.NEGATIVE_INFINITY ? 0f : newMax;
        alpha[i] = Exp2.exp2(oldMax - shift);
        rowMax[i] = newMax;
        return shift;
    }

    /** acc[i0 + r, e] = α·acc[i0 + r, e] + Σ_{j &lt; width} p[base + r·TILE + j]·v[valueOffset + j·valueRow + e]:  rs,se->re */
    static void accumulateValues(float[] p, int base, float[] alpha, int i0, int panelRows, int width, float[] v,
            int valueOffset, int valueRow, int valueDim, float[] acc, int accRow) {
        int full = SPECIES.loopBound(valueDim);
        int e = 0;
        if (panelRows == 4) {
            for (; e + BLOCK <= full; e += BLOCK) {
                accumulate4x4(p, base, alpha[i0], alpha[i0 + 1], alpha[i0 + 2], alpha[i0 + 3], width, v, valueOffset + e,
                        valueRow, acc, i0 * accRow + e, accRow);
            }
        }
        for (int r = 0; r < panelRows; r++) {
            int row = (i0 + r) * accRow;
            FloatVector a = FloatVector.broadcast(SPECIES, alpha[i0 + r]);
            for (int c = e; c < full; c += LANES) {
                FloatVector sum = FloatVector.fromArray(SPECIES, acc, row + c).mul(a);
                for (int j = 0; j < width; j++) {
                    sum = FloatVector.broadcast(SPECIES, p[base + r * TILE + j])
                            .fma(FloatVector.fromArray(SPECIES, v, valueOffset + j * valueRow + c), sum);
                }
                sum.intoArray(acc, row + c);
            }
            for (int c = full; c < valueDim; c++) {
                float sum = acc[row + c] * alpha[i0 + r];
                for (int j = 0; j < width; j++) {
                    sum = Math.fma(p[base + r * TILE + j], v[valueOffset + j * valueRow + c], sum);
                }
                acc[row + c] = sum;
            }
        }
    }

    private static void accumulate4x4(float[] p, int base, float alpha0, float alpha1, float alpha2, float alpha3, int width,
            float[] v, int valueOffset, int valueRow, float[] acc, int acc0, int accRow) {
        int acc1 = acc0 + accRow;
        int acc2 = acc1 + accRow;
        int acc3 = acc2 + accRow;
        FloatVector a00 = FloatVector.fromArray(SPECIES, acc, acc0).mul(alpha0);
        FloatVector a01 = FloatVector.fromArray(SPECIES, acc, acc0 + LANES).mul(alpha0);
        FloatVector a02 = FloatVector.fromArray(SPECIES, acc, acc0 + 2 * LANES).mul(alpha0);
        FloatVector a03 = FloatVector.fromArray(SPECIES, acc, acc0 + 3 * LANES).mul(alpha0);
        FloatVector a10 = FloatVector.fromArray(SPECIES, acc, acc1).mul(alpha1);
        FloatVector a11 = FloatVector.fromArray(SPECIES, acc, acc1 + LANES).mul(alpha1);
        FloatVector a12 = FloatVector.fromArray(SPECIES, acc, acc1 + 2 * LANES).mul(alpha1);
        FloatVector a13 = FloatVector.fromArray(SPECIES, acc, acc1 + 3 * LANES).mul(alpha1);
        FloatVector a20 = FloatVector.fromArray(SPECIES, acc, acc2).mul(alpha2);
        FloatVector a21 = FloatVector.fromArray(SPECIES, acc, acc2 + LANES).mul(alpha2);
        FloatVector a22 = FloatVector.fromArray(SPECIES, acc, acc2 + 2 * LANES).mul(alpha2);
        FloatVector a23 = FloatVector.fromArray(SPECIES, acc, acc2 + 3 * LANES).mul(alpha2);
        FloatVector a30 = FloatVector.fromArray(SPECIES, acc, acc3).mul(alpha3);
        FloatVector a31 = FloatVector.fromArray(SPECIES, acc, acc3 + LANES).mul(alpha3);
        FloatVector a32 = FloatVector.fromArray(SPECIES, acc, acc3 + 2 * LANES).mul(alpha3);
        FloatVector a33 = FloatVector.fromArray(SPECIES, acc, acc3 + 3 * LANES).mul(alpha3);
        int vj = valueOffset;
        for (int j = 0; j < width; j++, vj += valueRow) {
            FloatVector v0 = FloatVector.fromArray(SPECIES, v, vj);
            FloatVector v1 = FloatVector.fromArray(SPECIES, v, vj + LANES);
            FloatVector v2 = FloatVector.fromArray(SPECIES, v, vj + 2 * LANES);
            FloatVector v3 = FloatVector.fromArray(SPECIES, v, vj + 3 * LANES);
            FloatVector b = FloatVector.broadcast(SPECIES, p[base + j]);
            a00 = b.fma(v0, a00);
            a01 = b.fma(v1, a01);
            a02 = b.fma(v2, a02);
            a03 = b.fma(v3, a03);
            b = FloatVector.broadcast(SPECIES, p[base + TILE + j]);
            a10 = b.fma(v0, a10);
            a11 = b.fma(v1, a11);
            a12 = b.fma(v2, a12);
            a13 = b.fma(v3, a13);
            b = FloatVector.broadcast(SPECIES, p[base + 2 * TILE + j]);
            a20 = b.fma(v0, a20);
            a21 = b.fma(v1, a21);
            a22 = b.fma(v2, a22);
            a23 = b.fma(v3, a23);
            b = FloatVector.broadcast(SPECIES, p[base + 3 * TILE + j]);
            a30 = b.fma(v0, a30);
            a31 = b.fma(v1, a31);
            a32 = b.fma(v2, a32);
            a33 = b.fma(v3, a33);
        }
        a00.intoArray(acc, acc0);
        a01.intoArray(acc, acc0 + LANES);
        a02.intoArray(acc, acc0 + 2 * LANES);
        a03.intoArray(acc, acc0 + 3 * LANES);
        a10.intoArray(acc, acc1);
        a11.intoArray(acc, acc1 + LANES);
        a12.intoArray(acc, acc1 + 2 * LANES);
        a13.intoArray(acc, acc1 + 3 * LANES);
        a20.intoArray(acc, acc2);
        a21.intoArray(acc, acc2 + LANES);
        a22.intoArray(acc, acc2 + 2 * LANES);
        a23.intoArray(acc, acc2 + 3 * LANES);
        a30.intoArray(acc, acc3);
        a31.intoArray(acc, acc3 + LANES);
        a32.intoArray(acc, acc3 + 2 * LANES);
        a33.intoArray(acc, acc3 + 3 * LANES);
    }

    private static final VectorSpecies<Integer> INT_SPECIES = IntVector.SPECIES_PREFERRED;
    /** Ints of one 16-bit Kᵀ tile row (TILE values in pairs). */
    private static final int HALF_ROW = TILE / 2;
    private static final int FP16_MASK = HalfPrecisionCache.FP16_MASK;
    private static final float FP16_SCALE = HalfPrecisionCache.FP16_SCALE;

    /*
     * Widening, lane-wise as HalfPrecisionCache.widen: an int w holds value j in its low half and j + 16 in its
     * high half. bf16: low = w ≪ 16, high = w & 0xFFFF0000, reinterpreted. fp16: the same two ints, ≫ 3
     * (arithmetic) and & FP16_MASK put sign, exponent and mantissa at float32's places; × 2¹¹² rebiases.
     *
     * It is written out in each kernel, not called, and the kernels block 4 rows × one int vector (8
     * accumulators, enough to cover the FMA latency): once a C2 (JDK 17) compilation has created 18,000
     * nodes (NodeCountInliningCutoff) it stops inlining all but the Vector API's own @ForceInline methods,
     * and a vector passed to a helper left as a call is boxed. Helpers (widenLow, widenHigh, store4) in
     * 16-accumulator kernels crossed that limit: ~1 KB allocated per step, 760 MB per decode at S = 32k,
     * 3× slower than float32 (experiments/fast-race/README.md, "bf16 cache").
     */

    /**
     * {@link #logitsTransposed} over a 16-bit Kᵀ tile ({@link HalfPrecisionCache}): row d is {@value #HALF_ROW}
     * ints at kT[kOffset + d·{@value #HALF_ROW}]; each int vector widens to two float vectors of keys:  rd,ds->rs
     */
    static void logitsHalf(float[] q, int[] rowQuery, int i0, int panelRows, int headDim, int[] kT, int kOffset,
            boolean fp16, float[] logits, int base) {
        for (int o = 0; o < HALF_ROW; o += LANES) {
            // keys of the int vector at o: low halves from j = 2o − o mod 16, high halves from j + 16
            int j = base + HalfPrecisionCache.firstValue(o);
            if (panelRows == 4) {
                logitsHalf4(q, rowQuery[i0], rowQuery[i0 + 1], rowQuery[i0 + 2], rowQuery[i0 + 3], headDim, kT,
                        kOffset + o, fp16, logits, j);
                continue;
            }
            for (int r = 0; r < panelRows; r++) {
                int q0 = rowQuery[i0 + r];
                FloatVector l = FloatVector.zero(SPECIES);
                FloatVector h = l;
                for (int d = 0; d < headDim; d++) {
                    IntVector w = IntVector.fromArray(INT_SPECIES, kT, kOffset + o + d * HALF_ROW);
                    IntVector x = w.lanewise(VectorOperators.LSHL, 16);
                    FloatVector low = fp16 ? x.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats()
                            .mul(FP16_SCALE) : x.reinterpretAsFloats();
                    FloatVector high = fp16 ? w.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats()
                            .mul(FP16_SCALE) : w.and(0xFFFF0000).reinterpretAsFloats();
                    FloatVector b = FloatVector.broadcast(SPECIES, q[q0 + d]);
                    l = b.fma(low, l);
                    h = b.fma(high, h);
                }
                l.intoArray(logits, j + r * TILE);
                h.intoArray(logits, j + r * TILE + 16);
            }
        }
    }

    /** Four rows × the keys of the int vector at kOffset in each d row: logits at j (low halves) and j + 16 (high). */
    private static void logitsHalf4(float[] q, int q0, int q1, int q2, int q3, int headDim, int[] kT, int kOffset,
            boolean fp16, float[] logits, int j) {
        FloatVector l0 = FloatVector.zero(SPECIES), l1 = l0, l2 = l0, l3 = l0;
        FloatVector h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        for (int d = 0; d < headDim; d++) {
            IntVector w = IntVector.fromArray(INT_SPECIES, kT, kOffset + d * HALF_ROW);   // affine in d: checks hoisted
            IntVector x = w.lanewise(VectorOperators.LSHL, 16);
            FloatVector low = fp16 ? x.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats().mul(FP16_SCALE)
                    : x.reinterpretAsFloats();
            FloatVector high = fp16 ? w.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats().mul(FP16_SCALE)
                    : w.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector b = FloatVector.broadcast(SPECIES, q[q0 + d]);
            l0 = b.fma(low, l0);
            h0 = b.fma(high, h0);
            b = FloatVector.broadcast(SPECIES, q[q1 + d]);
            l1 = b.fma(low, l1);
            h1 = b.fma(high, h1);
            b = FloatVector.broadcast(SPECIES, q[q2 + d]);
            l2 = b.fma(low, l2);
            h2 = b.fma(high, h2);
            b = FloatVector.broadcast(SPECIES, q[q3 + d]);
            l3 = b.fma(low, l3);
            h3 = b.fma(high, h3);
        }
        l0.intoArray(logits, j);
        l1.intoArray(logits, j + TILE);
        l2.intoArray(logits, j + 2 * TILE);
        l3.intoArray(logits, j + 3 * TILE);
        h0.intoArray(logits, j + 16);
        h1.intoArray(logits, j + TILE + 16);
        h2.intoArray(logits, j + 2 * TILE + 16);
        h3.intoArray(logits, j + 3 * TILE + 16);
    }

    /**
     * {@link #accumulateValues} over 16-bit value rows of {@code valueRow} ints ({@link HalfPrecisionCache}),
     * all accRow = 2·valueRow columns (the padding is zero): per key one int load widens to 2 float vectors;
     * 4 rows × 2 = 8 accumulators:  rs,se->re
     */
    static void accumulateValuesHalf(float[] p, int base, float[] alpha, int i0, int panelRows, int width, int[] v,
            int valueOffset, int valueRow, boolean fp16, float[] acc, int accRow) {
        // valueRow is a multiple of 16 ints, so whole int vectors cover it
        for (int o = 0; o < valueRow; o += LANES) {
            int e = HalfPrecisionCache.firstValue(o);
            if (panelRows == 4) {
                accumulateHalf4(p, base, alpha, i0, width, v, valueOffset + o, valueRow, fp16, acc, i0 * accRow + e,
                        accRow);
                continue;
            }
            for (int r = 0; r < panelRows; r++) {
                int row = (i0 + r) * accRow + e;
                FloatVector a = FloatVector.broadcast(SPECIES, alpha[i0 + r]);
                FloatVector l = FloatVector.fromArray(SPECIES, acc, row).mul(a);
                FloatVector h = FloatVector.fromArray(SPECIES, acc, row + 16).mul(a);
                for (int j = 0; j < width; j++) {
                    IntVector w = IntVector.fromArray(INT_SPECIES, v, valueOffset + j * valueRow + o);
                    IntVector x = w.lanewise(VectorOperators.LSHL, 16);
                    FloatVector low = fp16 ? x.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats()
                            .mul(FP16_SCALE) : x.reinterpretAsFloats();
                    FloatVector high = fp16 ? w.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats()
                            .mul(FP16_SCALE) : w.and(0xFFFF0000).reinterpretAsFloats();
                    FloatVector b = FloatVector.broadcast(SPECIES, p[base + r * TILE + j]);
                    l = b.fma(low, l);
                    h = b.fma(high, h);
                }
                l.intoArray(acc, row);
                h.intoArray(acc, row + 16);
            }
        }
    }

    /** Four rows × the columns of the int vector at valueOffset in each value row: acc at e (low halves) and e + 16. */
    private static void accumulateHalf4(float[] p, int base, float[] alpha, int i0, int width, int[] v, int valueOffset,
            int valueRow, boolean fp16, float[] acc, int e, int accRow) {
        FloatVector l0 = FloatVector.fromArray(SPECIES, acc, e).mul(alpha[i0]);
        FloatVector h0 = FloatVector.fromArray(SPECIES, acc, e + 16).mul(alpha[i0]);
        FloatVector l1 = FloatVector.fromArray(SPECIES, acc, e + accRow).mul(alpha[i0 + 1]);
        FloatVector h1 = FloatVector.fromArray(SPECIES, acc, e + accRow + 16).mul(alpha[i0 + 1]);
        FloatVector l2 = FloatVector.fromArray(SPECIES, acc, e + 2 * accRow).mul(alpha[i0 + 2]);
        FloatVector h2 = FloatVector.fromArray(SPECIES, acc, e + 2 * accRow + 16).mul(alpha[i0 + 2]);
        FloatVector l3 = FloatVector.fromArray(SPECIES, acc, e + 3 * accRow).mul(alpha[i0 + 3]);
        FloatVector h3 = FloatVector.fromArray(SPECIES, acc, e + 3 * accRow + 16).mul(alpha[i0 + 3]);
        for (int j = 0; j < width; j++) {
            IntVector w = IntVector.fromArray(INT_SPECIES, v, valueOffset + j * valueRow);
            IntVector x = w.lanewise(VectorOperators.LSHL, 16);
            FloatVector low = fp16 ? x.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats().mul(FP16_SCALE)
                    : x.reinterpretAsFloats();
            FloatVector high = fp16 ? w.lanewise(VectorOperators.ASHR, 3).and(FP16_MASK).reinterpretAsFloats().mul(FP16_SCALE)
                    : w.and(0xFFFF0000).reinterpretAsFloats();
            FloatVector b = FloatVector.broadcast(SPECIES, p[base + j]);
            l0 = b.fma(low, l0);
            h0 = b.fma(high, h0);
            b = FloatVector.broadcast(SPECIES, p[base + TILE + j]);
            l1 = b.fma(low, l1);
            h1 = b.fma(high, h1);
            b = FloatVector.broadcast(SPECIES, p[base + 2 * TILE + j]);
            l2 = b.fma(low, l2);
            h2 = b.fma(high, h2);
            b = FloatVector.broadcast(SPECIES, p[base + 3 * TILE + j]);
            l3 = b.fma(low, l3);
            h3 = b.fma(high, h3);
        }
        l0.intoArray(acc, e);
        l1.intoArray(acc, e + accRow);
        l2.intoArray(acc, e + 2 * accRow);
        l3.intoArray(acc, e + 3 * accRow);
        h0.intoArray(acc, e + 16);
        h1.intoArray(acc, e + accRow + 16);
        h2.intoArray(acc, e + 2 * accRow + 16);
        h3.intoArray(acc, e + 3 * accRow + 16);
    }

    /** target[0, count) = factor·source[0, count). */
    static void scaleCopy(float[] target, int targetOffset, float[] source, int sourceOffset, int count, float factor) {
        int full = SPECIES.loopBound(count);
        for (int e = 0; e < full; e += LANES) {
            FloatVector.fromArray(SPECIES, source, sourceOffset + e).mul(factor).intoArray(target, targetOffset + e);
        }
        for (int e = full; e < count; e++) {
            target[targetOffset + e] = source[sourceOffset + e] * factor;
        }
    }

    /** target[0, count) += factor·source[0, count). */
    static void addScaled(float[] target, int targetOffset, float[] source, int sourceOffset, int count, float factor) {
        int full = SPECIES.loopBound(count);
        FloatVector f = FloatVector.broadcast(SPECIES, factor);
        for (int e = 0; e < full; e += LANES) {
            FloatVector.fromArray(SPECIES, source, sourceOffset + e)
                    .fma(f, FloatVector.fromArray(SPECIES, target, targetOffset + e))
                    .intoArray(target, targetOffset + e);
        }
        for (int e = full; e < count; e++) {
            target[targetOffset + e] = Math.fma(source[sourceOffset + e], factor, target[targetOffset + e]);
        }
    }
}
