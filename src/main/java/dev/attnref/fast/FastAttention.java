package dev.attnref.fast;

import dev.attnref.core.Checks;
import dev.attnref.core.RopePairing;

/**
 * Float32 scaled-dot-product attention on the Vector API, multi-threaded: GQA-family prefill (also
 * chunked over a past, from a Kᵀ cache) and decode (over float32, Kᵀ and 16-bit caches, ragged batches via
 * key lengths), absorbed-MLA decode and chunked prefill, and MFA / MFA-KR decode. It must match the float64 reference
 * (docs/MATH.md, "Scaled dot-product attention, GQA family"; "Numerics") to a small
 * multiple of a plain float32 loop's own error.
 *
 * <h2>Equation</h2>
 * <pre>
 *   logit[b,h,t,s] = scale · q[b,h,t,·]·k[b,g(h),s,·] + mask[b,h,t,s]     g(h) = ⌊h / R⌋
 *   out[b,h,t,·]   = Σ_s softmax_s(logit[b,h,t,·]) · v[b,g(h),s,·]         no visible key → 0
 * </pre>
 * computed tile by tile with an online softmax ({@link TileEngine}); the S×S matrix never exists.
 *
 * <h2>Shapes (float32, row-major; inputs read only, {@code out} overwritten)</h2>
 * <table>
 *   <caption>Arguments of {@link #prefill} and {@link #decode}</caption>
 *   <tr><th>name</th><th>shape</th></tr>
 *   <tr><td>q</td><td>[B, H, T, D]</td></tr>
 *   <tr><td>k</td><td>[B, G, S, D]</td></tr>
 *   <tr><td>v</td><td>[B, G, S, Dv]</td></tr>
 *   <tr><td>out</td><td>[B, H, T, Dv]</td></tr>
 * </table>
 * Masks, key lengths, causal alignment and scale: {@link FastAttentionOptions}.
 *
 * <h2>Work split and determinism</h2>
 * {@link #prefill} splits over (query block of ≈ 128 rows of one group, b, g): Kᵀ is packed once per
 * call ([B·G, S/{@value TileEngine#TILE}, D, {@value TileEngine#TILE}], zero-padded, in parallel) so the logits kernel
 * broadcasts q and reads contiguous key columns; the blocks of one (b, g) are handed out one after
 * another (its keys and values stay in cache), under a causal mask largest first.
 * {@link #decode} also splits the keys into chunks of {@value #DECODE_CHUNK} and merges the partial
 * softmax states in chunk order; for one query token whose group has at least {@link HeadLaneDecode#BLOCK}
 * heads (absorbed MLA's 128, wide MQA) the vector kernels put the heads in the lanes instead of D
 * ({@link HeadLaneDecode}: same items and merge, no lane reductions). The split is a function of the shape only, and each output element
 * is computed by one thread in a fixed order, so the result is bit-identical for every thread count.
 * An instance owns its pool and scratch: use it from one thread at a time, and close it.
 *
 * <h2>Differs from the reference</h2>
 * Float32 throughout; logits in base 2 (scale·log₂e folded in) with {@link Exp2}, whose relative
 * error is below 3.6·10⁻⁷; masked keys whose logit is more than 126.5 below the row max contribute
 * 0 instead of a subnormal.
 *
 * <p>Checked by {@code FastAttentionAccuracyTest}, {@code FastAttentionDeterminismTest},
 * {@code LatentDecodeTest}, {@code HalfPrecisionCacheTest}, {@code RaggedDecodeTest}, {@code ChunkedPrefillTest},
 * {@code Exp2Test}, {@code OnnxRuntimePeerTest} and {@code AttentionRaceTest} (ORT and PyTorch on the race's contenders).
 */
public final class FastAttention implements AutoCloseable {
    /** Keys per decode chunk: a multiple of the tile, fixed so the split does not depend on threads. */
    public static final int DECODE_CHUNK = 512;
    /** Rows (query heads × positions of one group) per prefill work item. */
    private static final int TARGET_ROWS = 128;

    private final Kernels kernels;
    private final TileEngine engine;
    private final WorkerPool pool;
    private final TileEngine.Workspace[] workspaces;
    private HeadLaneDecode.Workspace[] laneWorkspaces;
    private float[] keysT = new float[0];
    private float[] queriesT = new float[0];
    private float[] partial = new float[0];
    private float[] latentQuery = new float[0];

    /** {@code threads} workers (the caller included) and {@link Kernels#defaultKernels()}. */
    public FastAttention(int threads) {
        this(threads, Kernels.defaultKernels());
    }

    public FastAttention(int threads, Kernels kernels) {
        Checks.positive("threads", threads);
        this.kernels = Checks.notNull("kernels", kernels);
        if (kernels == Kernels.VECTOR && !Kernels.vectorApiPresent()) {
            throw new IllegalArgumentException("kernels (VECTOR) need the module jdk.incubator.vector; "
                    + "run with --add-modules jdk.incubator.vector or use Kernels.SCALAR");
        }
        this.engine = new TileEngine(kernels);
        this.pool = new WorkerPool(threads);
        this.workspaces = new TileEngine.Workspace[threads];
        for (int w = 0; w < threads; w++) {
            workspaces[w] = new TileEngine.Workspace();
        }
    }

    public int threads() {
        return pool.threads();
    }

    public Kernels kernels() {
        return kernels;
    }

    /** Prefill (any T): one pass over the keys per query block, Kᵀ packed once. */
    public void prefill(AttentionDims dims, float[] q, float[] k, float[] v, FastAttentionOptions options, float[] out) {
        execute(standardProblem(dims, q, k, v, options, out), false, true);
    }

    /**
     * {@link #prefill} over a key cache kept transposed ({@link TransposedKeys}, holding exactly
     * {@code dims.kvLen()} tokens): no Kᵀ is packed per call. The serving use is chunked prefill: the
     * chunk's T keys are appended to a cache of P, then its T queries attend to all S = P + T with
     * {@link FastAttentionOptions#causalFrom causalFrom(P)} (query t sees keys s ≤ P + t, causal bottom-right).
     * Values {@code v [B, G, S, Dv]} as in {@link #prefill}.
     */
    public void prefill(AttentionDims dims, float[] q, TransposedKeys keys, float[] v, FastAttentionOptions options,
            float[] out) {
        execute(transposedProblem(dims, q, keys, v, options, out), false, false);
    }

    /** Decode (meant for small T over a long cache): keys split into chunks, partial softmax states merged. */
    public void decode(AttentionDims dims, float[] q, float[] k, float[] v, FastAttentionOptions options, float[] out) {
        execute(standardProblem(dims, q, k, v, options, out), true, false);
    }

    /**
     * {@link #decode} over a key cache kept transposed ({@link TransposedKeys}, holding exactly
     * {@code dims.kvLen()} tokens): the logits are the prefill's broadcast-q FMA kernel instead of one
     * horizontal sum per (head, key). Values {@code v [B, G, S, Dv]} as in {@link #decode}.
     */
    public void decode(AttentionDims dims, float[] q, TransposedKeys keys, float[] v, FastAttentionOptions options,
            float[] out) {
        execute(transposedProblem(dims, q, keys, v, options, out), true, false);
    }

    /**
     * {@link #decode} over a 16-bit cache ({@link HalfPrecisionCache}, bf16 or fp16, holding exactly
     * {@code dims.kvLen()} tokens): each key tile and value row is widened to float32 in registers, and
     * the logits, softmax and value sums accumulate in float32, over the same tiles, chunks and merge
     * order as {@link #decode(AttentionDims, float[], TransposedKeys, float[], FastAttentionOptions, float[])}.
     * Its error bound is derived in {@link HalfPrecisionCache}.
     */
    public void decode(AttentionDims dims, float[] q, HalfPrecisionCache cache, FastAttentionOptions options,
            float[] out) {
        Checks.notNull("dims", dims);
        Checks.notNull("cache", cache);
        if (cache.batch() != dims.batch() || cache.numKvHeads() != dims.numKvHeads() || cache.headDim() != dims.headDim()
                || cache.valueHeadDim() != dims.valueHeadDim() || cache.length() != dims.kvLen()) {
            throw new IllegalArgumentException("cache holds [B=" + cache.batch() + ", G=" + cache.numKvHeads() + ", S="
                    + cache.length() + ", D=" + cache.headDim() + ", Dv=" + cache.valueHeadDim() + "]; expected [B="
                    + dims.batch() + ", G=" + dims.numKvHeads() + ", S=" + dims.kvLen() + ", D=" + dims.headDim()
                    + ", Dv=" + dims.valueHeadDim() + "]");
        }
        Problem p = problem(dims, q, options, out);
        p.keysHalf = cache.keys();
        p.keyTiles = cache.tiles();
        p.valuesHalf = cache.values();
        p.fp16 = cache.format() == HalfPrecisionCache.Format.FP16;
        p.vRow = cache.valueRow();                                  // strides in ints (pairs of values)
        p.vGroup = cache.capacity() * p.vRow;
        p.vBatch = dims.numKvHeads() * p.vGroup;
        execute(p, true, false);
    }

    /**
     * Absorbed-MLA decode over the latent cache (docs/MATH.md, "MLA", absorption): one query token per
     * head, every cached token visible.
     * <pre>
     *   logit[b,h,s] = scale · (q_latent[b,h]·c_kv[b,s] + q_rope[b,h]·k_rope[b,s])
     *   out[b,h]     = Σ_s softmax_s(logit[b,h,·]) · c_kv[b,s]                    (W_UV is applied by the caller)
     * </pre>
     * qLatent {@code [B, H, C]}, qRope {@code [B, H, P]}, cache {@code [B, S, C + P]} with rows
     * {@code [c_kv | k_rope]}, out {@code [B, H, C]}. It is MQA with D = C + P and the values being the
     * first C columns of each key row.
     */
    public void mlaDecode(int batch, int numHeads, int latentDim, int ropeDim, int kvLen, float[] qLatent,
            float[] qRope, float[] cache, float scale, float[] out) {
        mlaDecode(batch, numHeads, latentDim, ropeDim, kvLen, null, qLatent, qRope, cache, scale, out);
    }

    /**
     * {@link #mlaDecode(int, int, int, int, int, float[], float[], float[], float, float[])} over a batch of
     * ragged caches: row b sees its first {@code keyLengths[b]} tokens (0 ≤ len ≤ S; null: all S), the
     * cache still {@code [B, S, C + P]} (a row's tokens past its length are not read).
     */
    public void mlaDecode(int batch, int numHeads, int latentDim, int ropeDim, int kvLen, int[] keyLengths,
            float[] qLatent, float[] qRope, float[] cache, float scale, float[] out) {
        Problem p = latentProblem(batch, numHeads, latentDim, ropeDim, 1, kvLen, qLatent, qRope, cache, scale, out);
        if (keyLengths != null) {
            // the same checks as for the GQA family: one length per batch row, each in [0, S]
            FastAttentionOptions.none().withKeyLengths(keyLengths)
                    .validate(new AttentionDims(batch, numHeads, 1, 1, kvLen, latentDim + ropeDim, latentDim));
            p.keyLengths = keyLengths;
        }
        execute(p, true, false);
    }

    /**
     * Absorbed-MLA chunked prefill: the chunk is the newest T of the S tokens in the latent cache (its
     * c_kv and k_rope already appended after a past of P = S − T), and its queries see the cache up to
     * themselves, causal bottom-right:
     * <pre>
     *   logit[b,t,h,s] = scale · (q_latent[b,t,h]·c_kv[b,s] + q_rope[b,t,h]·k_rope[b,s])     s ≤ P + t
     *   out[b,t,h]     = Σ_s softmax_s(logit[b,t,h,·]) · c_kv[b,s]                     (W_UV is applied by the caller)
     * </pre>
     * qLatent {@code [B, T, H, C]}, qRope {@code [B, T, H, P]} (token-major, as DeepSeek-V3's
     * {@code model.py} holds a chunk; T = 1 is {@link #mlaDecode}'s layout), cache {@code [B, S, C + P]} with
     * rows {@code [c_kv | k_rope]}, out {@code [B, T, H, C]}; 1 ≤ T ≤ S. One work item per (t, b), each
     * over its visible keys in one pass (no key split: T items already fill the threads).
     */
    public void mlaPrefill(int batch, int numHeads, int latentDim, int ropeDim, int qLen, int kvLen, float[] qLatent,
            float[] qRope, float[] cache, float scale, float[] out) {
        Problem p = latentProblem(batch, numHeads, latentDim, ropeDim, qLen, kvLen, qLatent, qRope, cache, scale, out);
        p.causal = true;
        p.queryStart = kvLen - qLen;
        execute(p, false, false);
    }

    /** The MQA view of absorbed MLA over T query tokens: q = [q_latent | q_rope] per (b, t, h), G = 1, D = C + P, Dv = C. */
    private Problem latentProblem(int batch, int numHeads, int latentDim, int ropeDim, int qLen, int kvLen,
            float[] qLatent, float[] qRope, float[] cache, float scale, float[] out) {
        Checks.positive("batch", batch);
        Checks.positive("numHeads", numHeads);
        Checks.positive("latentDim", latentDim);
        Checks.nonNegative("ropeDim", ropeDim);
        Checks.positive("qLen", qLen);
        Checks.positive("kvLen", kvLen);
        Checks.positiveFinite("scale", scale);
        if (qLen > kvLen) {
            throw new IllegalArgumentException("qLen (" + qLen + ") exceeds kvLen (" + kvLen
                    + "): the chunk's tokens must already be in the cache");
        }
        int row = latentDim + ropeDim;
        int queries = batch * qLen * numHeads;
        length("qLatent", qLatent, (long) queries * latentDim);
        length("qRope", qRope, (long) queries * ropeDim);
        length("cache", cache, (long) batch * kvLen * row);
        length("out", out, (long) queries * latentDim);
        // q = [q_latent | q_rope] per (b, t, h):  [B, T, H, C + P]
        if (latentQuery.length < queries * row) {
            latentQuery = new float[queries * row];
        }
        for (int i = 0; i < queries; i++) {
            System.arraycopy(qLatent, i * latentDim, latentQuery, i * row, latentDim);
            System.arraycopy(qRope, i * ropeDim, latentQuery, i * row + latentDim, ropeDim);
        }
        Problem p = sharedHeadProblem(batch, numHeads, row, latentDim, kvLen, latentQuery, cache, row, cache, row,
                scale, out);
        p.qLen = qLen;
        p.qToken = numHeads * row;                                  // token-major: [B, T, H, ·]
        p.qBatch = qLen * numHeads * row;
        p.oToken = numHeads * latentDim;
        p.oBatch = qLen * numHeads * latentDim;
        return p;
    }

    /**
     * MFA decode (docs/MATH.md, "MFA and MFA-KR"): H query heads against one shared key/value head of width
     * C, one query token, every cached token visible. q {@code [B, H, C]} and k {@code [B, S, C]} already
     * rotated, v {@code [B, S, C]}, out {@code [B, H, C]}.
     */
    public void mfaDecode(int batch, int numHeads, int headDim, int kvLen, float[] q, float[] k, float[] v,
            float scale, float[] out) {
        checkShared(batch, numHeads, headDim, kvLen, scale);
        length("q", q, (long) batch * numHeads * headDim);
        length("k", k, (long) batch * kvLen * headDim);
        length("v", v, (long) batch * kvLen * headDim);
        length("out", out, (long) batch * numHeads * headDim);
        execute(sharedHeadProblem(batch, numHeads, headDim, headDim, kvLen, q, k, headDim, v, headDim, scale, out),
                true, false);
    }

    /**
     * MFA-KR decode: the cache holds only k̄ (the key before RoPE). Logits use RoPE(k̄_s) at position
     * s, rotated tile by tile from the tables; the weighted sum is over k̄ itself:
     * <pre>
     *   logit[b,h,s] = scale · q[b,h]·RoPE_s(k̄[b,s]),   out[b,h] = Σ_s p[b,h,s] · k̄[b,s]
     * </pre>
     * The value map v = k̄ + α ⊙ (N k̄) is linear and shared by the heads, so the caller applies it to
     * {@code out} (out_v = out + α ⊙ (N out)). q {@code [B, H, C]} already rotated, keyBeforeRope
     * {@code [B, S, C]}, ropeCos / ropeSin {@code [S, C/2]} (cos and sin of the angle of pair j at
     * position s, as {@code dev.attnref.core.Rope} defines it), out {@code [B, H, C]}.
     */
    public void mfaKeyReuseDecode(int batch, int numHeads, int headDim, int kvLen, float[] q, float[] keyBeforeRope,
            float[] ropeCos, float[] ropeSin, RopePairing pairing, float scale, float[] out) {
        checkShared(batch, numHeads, headDim, kvLen, scale);
        Checks.notNull("pairing", pairing);
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim (" + headDim + ") must be even: RoPE rotates pairs");
        }
        length("q", q, (long) batch * numHeads * headDim);
        length("keyBeforeRope", keyBeforeRope, (long) batch * kvLen * headDim);
        length("ropeCos", ropeCos, (long) kvLen * headDim / 2);
        length("ropeSin", ropeSin, (long) kvLen * headDim / 2);
        length("out", out, (long) batch * numHeads * headDim);
        Problem p = sharedHeadProblem(batch, numHeads, headDim, headDim, kvLen, q, keyBeforeRope, headDim,
                keyBeforeRope, headDim, scale, out);
        p.ropeCos = ropeCos;
        p.ropeSin = ropeSin;
        p.ropeInterleaved = pairing == RopePairing.INTERLEAVED;
        execute(p, true, false);
    }

    @Override
    public void close() {
        pool.close();
    }

    private static void checkShared(int batch, int numHeads, int headDim, int kvLen, float scale) {
        Checks.positive("batch", batch);
        Checks.positive("numHeads", numHeads);
        Checks.positive("headDim", headDim);
        Checks.positive("kvLen", kvLen);
        Checks.positiveFinite("scale", scale);
    }

    private static Problem transposedProblem(AttentionDims dims, float[] q, TransposedKeys keys, float[] v,
            FastAttentionOptions options, float[] out) {
        Checks.notNull("dims", dims);
        Checks.notNull("keys", keys);
        if (keys.batch() != dims.batch() || keys.numKvHeads() != dims.numKvHeads() || keys.headDim() != dims.headDim()
                || keys.length() != dims.kvLen()) {
            throw new IllegalArgumentException("keys hold [B=" + keys.batch() + ", G=" + keys.numKvHeads() + ", S="
                    + keys.length() + ", D=" + keys.headDim() + "]; expected [B=" + dims.batch() + ", G="
                    + dims.numKvHeads() + ", S=" + dims.kvLen() + ", D=" + dims.headDim() + "]");
        }
        Problem p = problem(dims, q, v, options, out);
        p.keysT = keys.data();
        p.keyTiles = keys.tiles();
        return p;
    }

    private static Problem standardProblem(AttentionDims dims, float[] q, float[] k, float[] v,
            FastAttentionOptions options, float[] out) {
        Checks.notNull("dims", dims);
        length("k", k, dims.keyCount());
        Problem p = problem(dims, q, v, options, out);
        int d = dims.headDim();
        p.k = k;
        p.kRow = d;
        p.kGroup = dims.kvLen() * d;
        p.kBatch = dims.numKvHeads() * dims.kvLen() * d;
        return p;
    }

    /** Everything of a [B, H, T, D] problem but where its keys are. */
    private static Problem problem(AttentionDims dims, float[] q, float[] v, FastAttentionOptions options, float[] out) {
        Problem p = problem(dims, q, options, out);
        length("v", v, dims.valueCount());
        int s = dims.kvLen();
        int dv = dims.valueHeadDim();
        p.v = v;
        p.vRow = dv;
        p.vGroup = s * dv;
        p.vBatch = dims.numKvHeads() * s * dv;
        return p;
    }

    /** Everything of a [B, H, T, D] problem but where its keys and values are. */
    private static Problem problem(AttentionDims dims, float[] q, FastAttentionOptions options, float[] out) {
        Checks.notNull("dims", dims);
        Checks.notNull("options", options);
        length("q", q, dims.queryCount());
        length("out", out, dims.outputCount());
        options.validate(dims);
        int t = dims.qLen();
        int s = dims.kvLen();
        int d = dims.headDim();
        int dv = dims.valueHeadDim();
        Problem p = new Problem();
        p.batch = dims.batch();
        p.numHeads = dims.numHeads();
        p.numKvHeads = dims.numKvHeads();
        p.groupSize = dims.groupSize();
        p.qLen = t;
        p.kvLen = s;
        p.headDim = d;
        p.valueHeadDim = dv;
        p.q = q;
        p.qToken = d;
        p.qHead = t * d;
        p.qBatch = dims.numHeads() * t * d;
        p.out = out;
        p.oToken = dv;
        p.oHead = t * dv;
        p.oBatch = dims.numHeads() * t * dv;
        p.logitScale = options.effectiveScale(dims) * Exp2.LOG2E;
        p.causal = options.causal();
        p.queryStart = options.queryStart();
        p.keyLengths = options.keyLengths();
        if (options.additiveMask() != null) {
            p.mask = options.additiveMask();
            p.maskHead = options.maskHeads() == 1 ? 0 : t * s;
            p.maskBatch = options.maskBatch() == 1 ? 0 : options.maskHeads() * t * s;
        }
        return p;
    }

    /** H query heads, one token each, against one shared key/value head (MQA layout, G = 1, T = 1). */
    private static Problem sharedHeadProblem(int batch, int numHeads, int headDim, int valueDim, int kvLen,
            float[] q, float[] k, int keyRow, float[] v, int valueRow, float scale, float[] out) {
        Problem p = new Problem();
        p.batch = batch;
        p.numHeads = numHeads;
        p.numKvHeads = 1;
        p.groupSize = numHeads;
        p.qLen = 1;
        p.kvLen = kvLen;
        p.headDim = headDim;
        p.valueHeadDim = valueDim;
        p.q = q;
        p.qHead = headDim;
        p.qBatch = numHeads * headDim;
        p.k = k;
        p.kRow = keyRow;
        p.kBatch = kvLen * keyRow;
        p.v = v;
        p.vRow = valueRow;
        p.vBatch = kvLen * valueRow;
        p.out = out;
        p.oHead = valueDim;
        p.oBatch = numHeads * valueDim;
        p.logitScale = scale * Exp2.LOG2E;
        return p;
    }

    private void execute(Problem p, boolean splitKeys, boolean transposeKeys) {
        int batch = p.batch;
        int groups = p.numKvHeads;
        p.queryBlock = Math.min(p.qLen, Math.max(1, (TARGET_ROWS + p.groupSize - 1) / p.groupSize));
        p.numQueryBlocks = (p.qLen + p.queryBlock - 1) / p.queryBlock;
        p.keyChunk = splitKeys ? DECODE_CHUNK : p.kvLen;
        p.numKeyChunks = splitKeys ? (p.kvLen + DECODE_CHUNK - 1) / DECODE_CHUNK : 1;
        int rows = p.rowsPerItem();
        int dvPad = p.valueDimPadded();
        for (TileEngine.Workspace ws : workspaces) {
            ws.ensure(rows, dvPad, p.ropeCos == null ? 0 : TileEngine.TILE * p.headDim);
        }

        // Kᵀ once per call:  [B, G, S, D] → [B·G, S/TILE, D, TILE]
        if (transposeKeys && kernels == Kernels.VECTOR) {
            int tiles = (p.kvLen + TileEngine.TILE - 1) / TileEngine.TILE;
            p.keyTiles = tiles;
            long size = (long) batch * groups * tiles * p.headDim * TileEngine.TILE;
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("B·G·D·S (" + size + ") is too large for one float array");
            }
            if (keysT.length < size) {
                keysT = new float[(int) size];
            }
            p.keysT = keysT;
            pool.run(batch * groups * tiles, (worker, item) -> TileEngine.packKeysTransposed(p,
                    item / (groups * tiles), item / tiles % groups, item % tiles * TileEngine.TILE));
        }

        int perBlock = batch * groups * p.numKeyChunks;
        int items = p.numQueryBlocks * perBlock;
        if (splitKeys && kernels == Kernels.VECTOR && HeadLaneDecode.applies(p)) {
            executeHeadLanes(p, items);
            return;
        }
        if (p.numKeyChunks == 1) {
            // The query blocks of one (b, g) run one after another, so its Kᵀ and v stay in cache;
            // under a causal mask later blocks see more keys and go first.
            pool.run(items, (worker, item) -> {
                int group = item / p.numQueryBlocks;
                int order = item % p.numQueryBlocks;
                int block = p.causal ? p.numQueryBlocks - 1 - order : order;
                engine.runItem(workspaces[worker], p, block, group / groups, group % groups, 0, -1);
            });
            return;
        }
        preparePartial(p, items);
        int chunks = p.numKeyChunks;
        // Item ((block·B + b)·G + g)·chunks + c covers key chunk c of (block, b, g).
        pool.run(items, (worker, item) -> {
            int group = item / chunks;
            engine.runItem(workspaces[worker], p, group / (batch * groups), group / groups % batch, group % groups,
                    item % chunks, item * p.partialItemStride);
        });
        pool.run(items / chunks, (worker, group) -> engine.merge(workspaces[worker], p, group / (batch * groups),
                group / groups % batch, group % groups, group * chunks));
    }

    /** Decode of wide groups ({@link HeadLaneDecode}): q̃ packed per (b, g), then the items and merge of {@link #execute}. */
    private void executeHeadLanes(Problem p, int items) {
        int groups = p.numKvHeads;
        int heads = HeadLaneDecode.headBlocks(p) * HeadLaneDecode.BLOCK;
        long size = (long) p.batch * groups * heads * p.headDim;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("B·G·R·D (" + size + ") is too large for one float array");
        }
        if (queriesT.length < size) {
            queriesT = new float[(int) size];
        }
        if (laneWorkspaces == null) {
            laneWorkspaces = new HeadLaneDecode.Workspace[pool.threads()];
            for (int w = 0; w < laneWorkspaces.length; w++) {
                laneWorkspaces[w] = new HeadLaneDecode.Workspace();
            }
        }
        for (HeadLaneDecode.Workspace ws : laneWorkspaces) {
            ws.ensure(heads, p.valueHeadDim);
        }
        p.queriesT = queriesT;
        pool.run(p.batch * groups, (worker, item) -> HeadLaneDecode.packQueries(p, item / groups, item % groups));
        int chunks = p.numKeyChunks;
        if (chunks == 1) {
            pool.run(items, (worker, item) -> HeadLaneDecode.runItem(laneWorkspaces[worker], p, item / groups,
                    item % groups, 0, -1));
            return;
        }
        preparePartial(p, items);
        // Item (b·G + g)·chunks + c covers key chunk c of (b, g) (one query block: T = 1).
        pool.run(items, (worker, item) -> {
            int group = item / chunks;
            HeadLaneDecode.runItem(laneWorkspaces[worker], p, group / groups, group % groups, item % chunks,
                    item * p.partialItemStride);
        });
        pool.run(items / chunks, (worker, group) -> engine.merge(workspaces[worker], p, 0, group / groups,
                group % groups, group * chunks));
    }

    /** Room for the decode partial states of {@code items} items: per row (m, ℓ, acc[Dv padded]). */
    private void preparePartial(Problem p, int items) {
        p.partialRowStride = 2 + p.valueDimPadded();
        p.partialItemStride = p.rowsPerItem() * p.partialRowStride;
        long size = (long) items * p.partialItemStride;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("decode partial states (" + size + " floats) are too large");
        }
        if (partial.length < size) {
            partial = new float[(int) size];
        }
        p.partial = partial;
    }

    private static void length(String name, float[] array, long expected) {
        if (array == null) {
            throw new IllegalArgumentException(name + " is null; expected " + expected + " floats");
        }
        if (array.length != expected) {
            throw new IllegalArgumentException(name + " has " + array.length + " floats; expected " + expected);
        }
    }
}
