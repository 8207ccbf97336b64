package dev.attnref.fast;

import static dev.attnref.fast.TileEngine.TILE;

import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decode for wide groups: one query token whose R ≥ {@link #BLOCK} heads share each key head (absorbed
 * MLA with H = 128, MQA, MFA), with the heads of a group in the vector lanes. Per key head this is two
 * matrix products, {@code X = K·Qᵀ} (M = S, N = R, K = D) and {@code Oᵀ = Vᵀ·P} (M = Dv, N = R, K = S),
 * and it is computed as GEMMs are: a key or value scalar broadcast against vectors of 16 heads, 4 × 4
 * accumulators per step, no horizontal sum anywhere. {@link TileEngine}'s row layout puts the dot product
 * of one (head, key) across the lanes instead and ends each one in a lane reduction ({@code reduceLanes});
 * with R = 128 heads per key that is 128 reductions per key where this layout has none.
 *
 * <h2>Layouts (per (b, g); heads padded with zero queries to a multiple of BLOCK)</h2>
 * <table>
 *   <caption>Arrays, head h = blk·BLOCK + lane</caption>
 *   <tr><th>array</th><th>shape</th><th>contents</th></tr>
 *   <tr><td>{@link Problem#queriesT}</td><td>[B·G, R/BLOCK, D, BLOCK]</td><td>q·scale·log₂e, packed once per call</td></tr>
 *   <tr><td>{@code Workspace.logits}</td><td>[R/BLOCK, TILE, BLOCK]</td><td>x, then p, of the current tile</td></tr>
 *   <tr><td>{@code Workspace.acc}</td><td>[R/BLOCK, Dv, BLOCK]</td><td>Oᵀ, the running Σ_s p·v</td></tr>
 *   <tr><td>{@code Workspace.max / sum / alpha}</td><td>[R padded]</td><td>m, ℓ, α per head</td></tr>
 * </table>
 * Every stride inside a kernel loop is the constant BLOCK, so C2 hoists the bounds checks of the vector loads.
 *
 * <h2>Per tile of 64 keys (the online softmax of {@link TileEngine}, lane-wise over heads)</h2>
 * <pre>
 *   x[s, h] = Σ_d k[s, d] · q̃[d, h]                                  sd,dh->sh   (q̃ = q·scale·log₂e)
 *   m' = max(m, max_s x[s, ·]),  shift = m' (0 where m' = −∞),  α = 2^(m − shift),  p = 2^(x − shift)
 *   ℓ ← α·ℓ + Σ_s p[s, ·],   Oᵀ[e, h] ← α[h]·Oᵀ[e, h] + Σ_s v[s, e] · p[s, h]     se,sh->eh
 * </pre>
 * The item split (b, g, key chunk of {@link FastAttention#DECODE_CHUNK}), the partial states and their
 * merge are {@link TileEngine}'s, so the result is the same for every thread count. Chosen by
 * {@link #applies}, a function of the shape only; the scalar kernels keep the row layout.
 *
 * <p>Checked by {@code HeadLaneDecodeTest} (float64 oracle, ragged lengths, MLA = MQA bit for bit) and
 * {@code FastAttentionDeterminismTest}.
 */
final class HeadLaneDecode {
    private static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
    private static final int LANES = VectorKernels.LANES;
    /** Heads per block: 4 vectors, the width of the 4 × 4 register blocks. */
    static final int BLOCK = 4 * LANES;

    private HeadLaneDecode() {
    }

    /** Decode (T = 1) of at least one full block of heads per key head, over row-major float keys, no additive mask. */
    static boolean applies(Problem p) {
        return p.qLen == 1 && p.groupSize >= BLOCK && p.directKeys() && p.mask == null && p.ropeCos == null;
    }

    /** Head blocks of a group: R / BLOCK rounded up. */
    static int headBlocks(Problem p) {
        return (p.groupSize + BLOCK - 1) / BLOCK;
    }

    /** Per-thread scratch, grown on demand. */
    static final class Workspace {
        float[] logits = new float[0];
        float[] acc = new float[0];
        float[] max = new float[0];
        float[] sum = new float[0];
        float[] alpha = new float[0];

        void ensure(int heads, int valueDim) {
            if (max.length < heads) {
                max = new float[heads];
                sum = new float[heads];
                alpha = new float[heads];
                logits = new float[heads * TILE];
            }
            if (acc.length < heads * valueDim) {
                acc = new float[heads * valueDim];
            }
        }
    }

    /** q̃ of (b, g) into {@code p.queriesT}:  hd->dh, times scale·log₂e, zero for the padding heads. */
    static void packQueries(Problem p, int b, int g) {
        int blocks = headBlocks(p);
        int target = (b * p.numKvHeads + g) * blocks * p.headDim * BLOCK;
        for (int i = 0; i < blocks * BLOCK; i++) {
            int column = target + i / BLOCK * p.headDim * BLOCK + i % BLOCK;
            int h = g * p.groupSize + i;
            int source = b * p.qBatch + h * p.qHead;
            for (int d = 0; d < p.headDim; d++) {
                p.queriesT[column + d * BLOCK] = i < p.groupSize ? p.q[source + d] * p.logitScale : 0f;
            }
        }
    }

    /** One (b, g, chunk) item: rows finished into {@code p.out} (partialBase &lt; 0) or left in {@code p.partial}. */
    static void runItem(Workspace ws, Problem p, int b, int g, int chunk, int partialBase) {
        final int blocks = headBlocks(p);
        final int heads = blocks * BLOCK;
        final int dv = p.valueHeadDim;
        final int c0 = chunk * p.keyChunk;
        int keyEnd = Math.min(p.kvLen, c0 + p.keyChunk);
        if (p.keyLengths != null) {
            keyEnd = Math.min(keyEnd, p.keyLengths[b]);
        }
        if (p.causal) {
            keyEnd = (int) Math.min(keyEnd, (long) p.queryStart + 1);
        }
        // m = −∞, ℓ = 0, Oᵀ = 0
        Arrays.fill(ws.max, 0, heads, Float.NEGATIVE_INFINITY);
        Arrays.fill(ws.sum, 0, heads, 0f);
        Arrays.fill(ws.acc, 0, heads * dv, 0f);
        final int queries = (b * p.numKvHeads + g) * blocks * p.headDim * BLOCK;
        final int keyBase = b * p.kBatch + g * p.kGroup;
        final int valueBase = b * p.vBatch + g * p.vGroup;
        for (int s0 = c0; s0 < keyEnd; s0 += TILE) {
            int width = Math.min(TILE, keyEnd - s0);
            tileLogits(p, ws.logits, blocks, queries, keyBase + s0 * p.kRow, width);
            for (int o = 0; o < heads; o += LANES) {
                softmaxUpdate(ws, o / BLOCK * TILE * BLOCK + o % BLOCK, o, width);
            }
            tileValues(p, ws, blocks, valueBase + s0 * p.vRow, width);
        }
        finish(ws, p, b, g, partialBase);
    }

    /** x[blk, j, ·] = Σ_d k[s0 + j, d]·q̃[blk, d, ·] for j &lt; width:  sd,dh->sh. */
    private static void tileLogits(Problem p, float[] x, int blocks, int queries, int keys, int width) {
        final int block = p.headDim * BLOCK;
        int j = 0;
        for (; j + 4 <= width; j += 4) {
            for (int blk = 0; blk < blocks; blk++) {
                logits4x4(p.queriesT, queries + blk * block, p.headDim, p.k, keys + j * p.kRow, p.kRow, x,
                        blk * TILE * BLOCK + j * BLOCK);
            }
        }
        for (; j < width; j++) {
            for (int blk = 0; blk < blocks; blk++) {
                logits1x4(p.queriesT, queries + blk * block, p.headDim, p.k, keys + j * p.kRow, x,
                        blk * TILE * BLOCK + j * BLOCK);
            }
        }
    }

    /** 4 keys × 4 head vectors = 16 accumulators; per d: 4 loads of q̃, 4 key broadcasts, 16 FMAs. */
    private static void logits4x4(float[] qT, int q, int headDim, float[] k, int k0, int kRow, float[] x, int at) {
        int k1 = k0 + kRow;
        int k2 = k1 + kRow;
        int k3 = k2 + kRow;
        FloatVector a00 = FloatVector.zero(SPECIES), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int d = 0; d < headDim; d++) {
            int i = q + d * BLOCK;
            FloatVector q0 = FloatVector.fromArray(SPECIES, qT, i);
            FloatVector q1 = FloatVector.fromArray(SPECIES, qT, i + LANES);
            FloatVector q2 = FloatVector.fromArray(SPECIES, qT, i + 2 * LANES);
            FloatVector q3 = FloatVector.fromArray(SPECIES, qT, i + 3 * LANES);
            FloatVector b = FloatVector.broadcast(SPECIES, k[k0 + d]);
            a00 = q0.fma(b, a00);
            a01 = q1.fma(b, a01);
            a02 = q2.fma(b, a02);
            a03 = q3.fma(b, a03);
            b = FloatVector.broadcast(SPECIES, k[k1 + d]);
            a10 = q0.fma(b, a10);
            a11 = q1.fma(b, a11);
            a12 = q2.fma(b, a12);
            a13 = q3.fma(b, a13);
            b = FloatVector.broadcast(SPECIES, k[k2 + d]);
            a20 = q0.fma(b, a20);
            a21 = q1.fma(b, a21);
            a22 = q2.fma(b, a22);
            a23 = q3.fma(b, a23);
            b = FloatVector.broadcast(SPECIES, k[k3 + d]);
            a30 = q0.fma(b, a30);
            a31 = q1.fma(b, a31);
            a32 = q2.fma(b, a32);
            a33 = q3.fma(b, a33);
        }
        a00.intoArray(x, at);
        a01.intoArray(x, at + LANES);
        a02.intoArray(x, at + 2 * LANES);
        a03.intoArray(x, at + 3 * LANES);
        a10.intoArray(x, at + BLOCK);
        a11.intoArray(x, at + BLOCK + LANES);
        a12.intoArray(x, at + BLOCK + 2 * LANES);
        a13.intoArray(x, at + BLOCK + 3 * LANES);
        a20.intoArray(x, at + 2 * BLOCK);
        a21.intoArray(x, at + 2 * BLOCK + LANES);
        a22.intoArray(x, at + 2 * BLOCK + 2 * LANES);
        a23.intoArray(x, at + 2 * BLOCK + 3 * LANES);
        a30.intoArray(x, at + 3 * BLOCK);
        a31.intoArray(x, at + 3 * BLOCK + LANES);
        a32.intoArray(x, at + 3 * BLOCK + 2 * LANES);
        a33.intoArray(x, at + 3 * BLOCK + 3 * LANES);
    }

    /** One key × 4 head vectors (the keys past the last group of 4). */
    private static void logits1x4(float[] qT, int q, int headDim, float[] k, int k0, float[] x, int at) {
        FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
        for (int d = 0; d < headDim; d++) {
            int i = q + d * BLOCK;
            FloatVector b = FloatVector.broadcast(SPECIES, k[k0 + d]);
            a0 = FloatVector.fromArray(SPECIES, qT, i).fma(b, a0);
            a1 = FloatVector.fromArray(SPECIES, qT, i + LANES).fma(b, a1);
            a2 = FloatVector.fromArray(SPECIES, qT, i + 2 * LANES).fma(b, a2);
            a3 = FloatVector.fromArray(SPECIES, qT, i + 3 * LANES).fma(b, a3);
        }
        a0.intoArray(x, at);
        a1.intoArray(x, at + LANES);
        a2.intoArray(x, at + 2 * LANES);
        a3.intoArray(x, at + 3 * LANES);
    }

    /**
     * The online-softmax step for the LANES heads at {@code head} (their logits at x[offset + j·BLOCK]):
     * m', α, p = 2^(x − shift) in place, ℓ ← α·ℓ + Σ_j p. The max over keys is lane-wise: no reduction.
     */
    private static void softmaxUpdate(Workspace ws, int offset, int head, int width) {
        float[] x = ws.logits;
        FloatVector tileMax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < width; j++) {
            tileMax = tileMax.max(FloatVector.fromArray(SPECIES, x, offset + j * BLOCK));
        }
        FloatVector oldMax = FloatVector.fromArray(SPECIES, ws.max, head);
        FloatVector newMax = oldMax.max(tileMax);
        FloatVector shift = newMax.blend(0f, newMax.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
        FloatVector alpha = VectorKernels.exp2(oldMax.sub(shift));
        FloatVector sum = FloatVector.zero(SPECIES);
        for (int j = 0; j < width; j++) {
            FloatVector p = VectorKernels.exp2(FloatVector.fromArray(SPECIES, x, offset + j * BLOCK).sub(shift));
            p.intoArray(x, offset + j * BLOCK);
            sum = sum.add(p);
        }
        newMax.intoArray(ws.max, head);
        alpha.intoArray(ws.alpha, head);
        FloatVector.fromArray(SPECIES, ws.sum, head).fma(alpha, sum).intoArray(ws.sum, head);
    }

    /** Oᵀ[blk, e, ·] = α·Oᵀ[blk, e, ·] + Σ_{j &lt; width} v[s0 + j, e]·p[blk, j, ·]:  se,sh->eh. */
    private static void tileValues(Problem p, Workspace ws, int blocks, int values, int width) {
        final int dv = p.valueHeadDim;
        for (int blk = 0; blk < blocks; blk++) {
            int x = blk * TILE * BLOCK;
            int acc = blk * dv * BLOCK;
            int e = 0;
            for (; e + 4 <= dv; e += 4) {
                values4x4(ws, x, blk * BLOCK, width, p.v, values + e, p.vRow, acc + e * BLOCK);
            }
            for (; e < dv; e++) {
                values1x4(ws, x, blk * BLOCK, width, p.v, values + e, p.vRow, acc + e * BLOCK);
            }
        }
    }

    /** 4 value columns × 4 head vectors = 16 accumulators; per key: 4 loads of p, 4 value broadcasts, 16 FMAs. */
    private static void values4x4(Workspace ws, int x, int head, int width, float[] v, int v0, int vRow, int at) {
        float[] p = ws.logits;
        float[] acc = ws.acc;
        FloatVector alpha0 = FloatVector.fromArray(SPECIES, ws.alpha, head);
        FloatVector alpha1 = FloatVector.fromArray(SPECIES, ws.alpha, head + LANES);
        FloatVector alpha2 = FloatVector.fromArray(SPECIES, ws.alpha, head + 2 * LANES);
        FloatVector alpha3 = FloatVector.fromArray(SPECIES, ws.alpha, head + 3 * LANES);
        FloatVector a00 = FloatVector.fromArray(SPECIES, acc, at).mul(alpha0);
        FloatVector a01 = FloatVector.fromArray(SPECIES, acc, at + LANES).mul(alpha1);
        FloatVector a02 = FloatVector.fromArray(SPECIES, acc, at + 2 * LANES).mul(alpha2);
        FloatVector a03 = FloatVector.fromArray(SPECIES, acc, at + 3 * LANES).mul(alpha3);
        FloatVector a10 = FloatVector.fromArray(SPECIES, acc, at + BLOCK).mul(alpha0);
        FloatVector a11 = FloatVector.fromArray(SPECIES, acc, at + BLOCK + LANES).mul(alpha1);
        FloatVector a12 = FloatVector.fromArray(SPECIES, acc, at + BLOCK + 2 * LANES).mul(alpha2);
        FloatVector a13 = FloatVector.fromArray(SPECIES, acc, at + BLOCK + 3 * LANES).mul(alpha3);
        FloatVector a20 = FloatVector.fromArray(SPECIES, acc, at + 2 * BLOCK).mul(alpha0);
        FloatVector a21 = FloatVector.fromArray(SPECIES, acc, at + 2 * BLOCK + LANES).mul(alpha1);
        FloatVector a22 = FloatVector.fromArray(SPECIES, acc, at + 2 * BLOCK + 2 * LANES).mul(alpha2);
        FloatVector a23 = FloatVector.fromArray(SPECIES, acc, at + 2 * BLOCK + 3 * LANES).mul(alpha3);
        FloatVector a30 = FloatVector.fromArray(SPECIES, acc, at + 3 * BLOCK).mul(alpha0);
        FloatVector a31 = FloatVector.fromArray(SPECIES, acc, at + 3 * BLOCK + LANES).mul(alpha1);
        FloatVector a32 = FloatVector.fromArray(SPECIES, acc, at + 3 * BLOCK + 2 * LANES).mul(alpha2);
        FloatVector a33 = FloatVector.fromArray(SPECIES, acc, at + 3 * BLOCK + 3 * LANES).mul(alpha3);
        int vj = v0;
        for (int j = 0; j < width; j++, vj += vRow) {
            int i = x + j * BLOCK;
            FloatVector p0 = FloatVector.fromArray(SPECIES, p, i);
            FloatVector p1 = FloatVector.fromArray(SPECIES, p, i + LANES);
            FloatVector p2 = FloatVector.fromArray(SPECIES, p, i + 2 * LANES);
            FloatVector p3 = FloatVector.fromArray(SPECIES, p, i + 3 * LANES);
            FloatVector b = FloatVector.broadcast(SPECIES, v[vj]);
            a00 = p0.fma(b, a00);
            a01 = p1.fma(b, a01);
            a02 = p2.fma(b, a02);
            a03 = p3.fma(b, a03);
            b = FloatVector.broadcast(SPECIES, v[vj + 1]);
            a10 = p0.fma(b, a10);
            a11 = p1.fma(b, a11);
            a12 = p2.fma(b, a12);
            a13 = p3.fma(b, a13);
            b = FloatVector.broadcast(SPECIES, v[vj + 2]);
            a20 = p0.fma(b, a20);
            a21 = p1.fma(b, a21);
            a22 = p2.fma(b, a22);
            a23 = p3.fma(b, a23);
            b = FloatVector.broadcast(SPECIES, v[vj + 3]);
            a30 = p0.fma(b, a30);
            a31 = p1.fma(b, a31);
            a32 = p2.fma(b, a32);
            a33 = p3.fma(b, a33);
        }
        a00.intoArray(acc, at);
        a01.intoArray(acc, at + LANES);
        a02.intoArray(acc, at + 2 * LANES);
        a03.intoArray(acc, at + 3 * LANES);
        a10.intoArray(acc, at + BLOCK);
        a11.intoArray(acc, at + BLOCK + LANES);
        a12.intoArray(acc, at + BLOCK + 2 * LANES);
        a13.intoArray(acc, at + BLOCK + 3 * LANES);
        a20.intoArray(acc, at + 2 * BLOCK);
        a21.intoArray(acc, at + 2 * BLOCK + LANES);
        a22.intoArray(acc, at + 2 * BLOCK + 2 * LANES);
        a23.intoArray(acc, at + 2 * BLOCK + 3 * LANES);
        a30.intoArray(acc, at + 3 * BLOCK);
        a31.intoArray(acc, at + 3 * BLOCK + LANES);
        a32.intoArray(acc, at + 3 * BLOCK + 2 * LANES);
        a33.intoArray(acc, at + 3 * BLOCK + 3 * LANES);
    }

    /** One value column × 4 head vectors (the columns past the last group of 4). */
    private static void values1x4(Workspace ws, int x, int head, int width, float[] v, int v0, int vRow, int at) {
        float[] p = ws.logits;
        float[] acc = ws.acc;
        FloatVector a0 = FloatVector.fromArray(SPECIES, acc, at).mul(FloatVector.fromArray(SPECIES, ws.alpha, head));
        FloatVector a1 = FloatVector.fromArray(SPECIES, acc, at + LANES)
                .mul(FloatVector.fromArray(SPECIES, ws.alpha, head + LANES));
        FloatVector a2 = FloatVector.fromArray(SPECIES, acc, at + 2 * LANES)
                .mul(FloatVector.fromArray(SPECIES, ws.alpha, head + 2 * LANES));
        FloatVector a3 = FloatVector.fromArray(SPECIES, acc, at + 3 * LANES)
                .mul(FloatVector.fromArray(SPECIES, ws.alpha, head + 3 * LANES));
        for (int j = 0; j < width; j++) {
            int i = x + j * BLOCK;
            FloatVector b = FloatVector.broadcast(SPECIES, v[v0 + j * vRow]);
            a0 = FloatVector.fromArray(SPECIES, p, i).fma(b, a0);
            a1 = FloatVector.fromArray(SPECIES, p, i + LANES).fma(b, a1);
            a2 = FloatVector.fromArray(SPECIES, p, i + 2 * LANES).fma(b, a2);
            a3 = FloatVector.fromArray(SPECIES, p, i + 3 * LANES).fma(b, a3);
        }
        a0.intoArray(acc, at);
        a1.intoArray(acc, at + LANES);
        a2.intoArray(acc, at + 2 * LANES);
        a3.intoArray(acc, at + 3 * LANES);
    }

    /** out[b, g·R + h] = Oᵀ[·, h] / ℓ_h (0 when ℓ_h = 0), or (m_h, ℓ_h, Oᵀ[·, h]) into p.partial for the merge. */
    private static void finish(Workspace ws, Problem p, int b, int g, int partialBase) {
        final int dv = p.valueHeadDim;
        for (int h = 0; h < p.groupSize; h++) {
            int column = h / BLOCK * dv * BLOCK + h % BLOCK;   // Oᵀ[blk, e, lane] = acc[column + e·BLOCK]
            int target;
            float factor;
            if (partialBase < 0) {
                target = b * p.oBatch + (g * p.groupSize + h) * p.oHead;
                factor = ws.sum[h] > 0f ? 1f / ws.sum[h] : 0f;
            } else {
                int base = partialBase + h * p.partialRowStride;
                p.partial[base] = ws.max[h];
                p.partial[base + 1] = ws.sum[h];
                target = base + 2;
                factor = 1f;
            }
            float[] into = partialBase < 0 ? p.out : p.partial;
            for (int e = 0; e < dv; e++) {
                into[target + e] = ws.acc[column + e * BLOCK] * factor;
            }
        }
    }
}
