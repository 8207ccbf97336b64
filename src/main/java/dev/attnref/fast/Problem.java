package dev.attnref.fast;

/**
 * One attention call as the tile engine sees it: sizes, flat arrays with their strides, the mask
 * and the work split. Strides let the same engine read {@code [B, H, T, D]} tensors, an MLA latent
 * cache whose value rows are the first C columns of the key rows, and MFA's single shared head.
 * Filled by {@link FastAttention}, read only while the workers run.
 */
final class Problem {
    int batch;
    int numHeads;
    int numKvHeads;
    int groupSize;      // R
    int qLen;           // T
    int kvLen;          // S
    int headDim;        // D
    int valueHeadDim;   // Dv

    float[] q;          // q[b·qBatch + h·qHead + t·qToken + d]
    int qBatch;
    int qHead;
    int qToken;
    float[] k;          // k[b·kBatch + g·kGroup + s·kRow + d]
    int kBatch;
    int kGroup;
    int kRow;
    float[] v;          // v[b·vBatch + g·vGroup + s·vRow + dv]
    int vBatch;
    int vGroup;
    int vRow;
    float[] out;        // out[b·oBatch + h·oHead + t·oToken + dv]
    int oBatch;
    int oHead;
    int oToken;

    /** scale · log₂e: logits are kept in base 2 so that the softmax can use {@link Exp2}. */
    float logitScale;
    boolean causal;
    int queryStart;
    int[] keyLengths;   // [B] or null
    float[] mask;       // mask[b·maskBatch + h·maskHead + t·S + s] or null (strides 0 broadcast)
    int maskBatch;
    int maskHead;

    /**
     * K transposed tile by tile, [B·G, S/TILE rounded up, D, TILE], zero beyond S, or null when the
     * direct kernels read k. Tile-major so that one tile's Kᵀ (D·TILE floats, 32 KiB at D = 128) is
     * contiguous: a [D, S] layout puts its rows 4·S bytes apart, which for S a multiple of 1024 maps
     * them all onto the same few L1 sets.
     */
    float[] keysT;
    int keyTiles;

    /**
     * A 16-bit cache ({@link HalfPrecisionCache}), or null: keys as Kᵀ tiles of int pairs
     * [B·G, keyTiles, D, TILE/2], values as rows of {@code vRow} int pairs at the v strides (in ints).
     */
    int[] keysHalf;
    int[] valuesHalf;
    boolean fp16;

    /** MFA-KR: keys for the logits are RoPE(k̄) made on the fly from tables [S, D/2]; null otherwise. */
    float[] ropeCos;
    float[] ropeSin;
    boolean ropeInterleaved;

    /** {@link HeadLaneDecode}: q·scale·log₂e with the heads in lanes, [B·G, R/BLOCK, D, BLOCK]; null otherwise. */
    float[] queriesT;

    /** Query positions per work item and keys per chunk (the split is a function of the shape only). */
    int queryBlock;
    int keyChunk;
    int numQueryBlocks;
    int numKeyChunks;

    /** Decode partial states: per item, rows of (max, sum, acc[Dv padded]). */
    float[] partial;
    int partialRowStride;
    int partialItemStride;

    /** Width of an accumulator row: Dv padded to 16 floats, or to 32 for a 16-bit cache (whole int pairs). */
    int valueDimPadded() {
        return valuesHalf != null ? HalfPrecisionCache.paddedRow(valueHeadDim) : TileEngine.padded(valueHeadDim);
    }

    /** Whether the logits read row-major float keys (no Kᵀ tiles of any precision). */
    boolean directKeys() {
        return keysT == null && keysHalf == null;
    }

    int rowsPerItem() {
        return groupSize * queryBlock;
    }
}
